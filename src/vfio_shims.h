/* SPDX-License-Identifier: GPL-2.0 */
/* Out-of-line copies of static inline helpers the Rust side needs (see vfio_shims.c). */
#ifndef VFIO_RS_SHIMS_H
#define VFIO_RS_SHIMS_H
struct pci_dev;
struct ratelimit_state;
const char *vfio_rs_pci_name(const struct pci_dev *pdev);
void vfio_rs_ratelimit_init(struct ratelimit_state *rs);
#endif
