/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfio_pci_core's VF token, which <linux/vfio_pci_core.h> only declares (`vdev->vf_token`):
 * the definition of drivers/vfio/pci/vfio_pci_core.c, the same since Linux 5.7. The driver
 * keeps its token there, so it needs the layout. Where the kernel's source is at hand,
 * scripts/gen-vfio-bindings.sh compares this definition with the source's and fails the build
 * if they differ.
 */
#ifndef VFIO_RS_CORE_PRIV_H
#define VFIO_RS_CORE_PRIV_H
#include <linux/mutex.h>
#include <linux/uuid.h>

struct vfio_pci_vf_token {
	struct mutex		lock;
	uuid_t			uuid;
	int			users;
};
#endif
