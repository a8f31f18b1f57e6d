/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfio_pci_core's VF token, which <linux/vfio_pci_core.h> only declares (`vdev->vf_token`):
 * the definition of drivers/vfio/pci/vfio_pci_core.c, the same since Linux 5.7. The driver
 * keeps its token there, so it needs the layout. Every build checks this copy against the
 * target kernel (scripts/check-private-layout.sh): its source's definition, word for word,
 * and the BTF of its vfio-pci-core.ko (types, names, offsets, sizes); with neither at hand
 * the build stops. A member added here needs its OFF/FIELD_SIZE in src/vfio_layout.c.
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
