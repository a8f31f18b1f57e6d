// SPDX-License-Identifier: GPL-2.0
/* Static inline helpers of the kernel headers, made callable from Rust. Nothing else. */
#include <linux/pci.h>
#include <linux/vfio.h>
#include "vfio_shims.h"

struct pci_dev *vfio_rs_pci_physfn(struct pci_dev *pdev)
{
	return pci_physfn(pdev);
}

const char *vfio_rs_pci_name(const struct pci_dev *pdev)
{
	return pci_name(pdev);
}

void vfio_rs_put_device(struct vfio_device *vdev)
{
	vfio_put_device(vdev);
}
