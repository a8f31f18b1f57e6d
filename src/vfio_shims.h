/* SPDX-License-Identifier: GPL-2.0 */
/* Out-of-line copies of static inline helpers the Rust side needs (see vfio_shims.c). */
#ifndef VFIO_RS_SHIMS_H
#define VFIO_RS_SHIMS_H
struct ratelimit_state;
void vfio_rs_ratelimit_init(struct ratelimit_state *rs);
#endif
