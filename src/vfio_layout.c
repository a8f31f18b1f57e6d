// SPDX-License-Identifier: GPL-2.0
/*
 * The layouts the C compiler gives every struct the module touches, with this kernel's
 * configuration and flags. Compiled to assembly only (never linked, like the kernel's
 * asm-offsets.c); the build turns each DEFINE into a Rust constant that src/sys/layout.rs
 * compares with the bindings at compile time, so stale or mismatched bindings fail the build.
 * Bitfields have no offsetof: the named fields on both sides of a bitfield run pin it.
 */
#include <linux/device.h>
#include <linux/kbuild.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>
#include <linux/ratelimit.h>
#include <linux/sysfs.h>
#include <linux/uuid.h>
#include <linux/vfio.h>
#include <linux/vfio_pci_core.h>
#include "vfio_pci_core_priv.h"

#define SIZE(s) DEFINE(s##__SIZE, sizeof(struct s))
#define OFF(s, f) OFFSET(s##__##f, s, f)
#define FIELD_SIZE(s, f) DEFINE(s##__##f##__SIZE, sizeof_field(struct s, f))

void vfio_rs_layout(void);
void vfio_rs_layout(void)
{
	/* The module's own bindings (scripts/gen-vfio-bindings.sh). */
	SIZE(vfio_device);
	OFF(vfio_device, dev);
	OFF(vfio_device, device);
	OFF(vfio_device, ops);
	SIZE(vfio_device_ops);
	OFF(vfio_device_ops, name);
	OFF(vfio_device_ops, init);
	OFF(vfio_device_ops, release);
	OFF(vfio_device_ops, bind_iommufd);
	OFF(vfio_device_ops, unbind_iommufd);
	OFF(vfio_device_ops, attach_ioas);
	OFF(vfio_device_ops, detach_ioas);
	OFF(vfio_device_ops, pasid_attach_ioas);
	OFF(vfio_device_ops, pasid_detach_ioas);
	OFF(vfio_device_ops, open_device);
	OFF(vfio_device_ops, close_device);
	OFF(vfio_device_ops, read);
	OFF(vfio_device_ops, write);
	OFF(vfio_device_ops, ioctl);
	OFF(vfio_device_ops, get_region_info_caps);
	OFF(vfio_device_ops, mmap);
	OFF(vfio_device_ops, request);
	OFF(vfio_device_ops, match);
	OFF(vfio_device_ops, match_token_uuid);
	OFF(vfio_device_ops, dma_unmap);
	OFF(vfio_device_ops, device_feature);
	SIZE(vfio_pci_device_ops);
	OFF(vfio_pci_device_ops, get_dmabuf_phys);
	SIZE(vfio_pci_core_device);
	OFF(vfio_pci_core_device, vdev);
	OFF(vfio_pci_core_device, pdev);
	OFF(vfio_pci_core_device, pci_ops);
	/* Around the bitfields nointxmask, disable_idle_d3, disable_vga. */
	OFF(vfio_pci_core_device, rbar);
	OFF(vfio_pci_core_device, needs_reset);
	OFF(vfio_pci_core_device, vf_token);
	OFF(vfio_pci_core_device, sriov_pf_core_dev);
	/*
	 * Every member of the private copy, with its size: scripts/check-private-layout.sh
	 * compares them with the kernel's BTF.
	 */
	SIZE(vfio_pci_vf_token);
	OFF(vfio_pci_vf_token, lock);
	FIELD_SIZE(vfio_pci_vf_token, lock);
	OFF(vfio_pci_vf_token, uuid);
	FIELD_SIZE(vfio_pci_vf_token, uuid);
	OFF(vfio_pci_vf_token, users);
	FIELD_SIZE(vfio_pci_vf_token, users);

	/* The kernel crate's bindings, as this module uses them. */
	SIZE(pci_dev);
	OFF(pci_dev, dev);
	/* Around the bitfields is_physfn, is_virtfn. */
	OFF(pci_dev, driver_exclusive_resource);
	OFF(pci_dev, dev_flags);
	SIZE(pci_driver);
	OFF(pci_driver, name);
	OFF(pci_driver, id_table);
	OFF(pci_driver, probe);
	OFF(pci_driver, remove);
	OFF(pci_driver, sriov_configure);
	OFF(pci_driver, err_handler);
	OFF(pci_driver, dev_groups);
	OFF(pci_driver, driver_managed_dma);
	SIZE(pci_device_id);
	OFF(pci_device_id, vendor);
	OFF(pci_device_id, device);
	OFF(pci_device_id, subvendor);
	OFF(pci_device_id, subdevice);
	OFF(pci_device_id, class);
	OFF(pci_device_id, class_mask);
	OFF(pci_device_id, driver_data);
	OFF(pci_device_id, override_only);
	SIZE(device);
	OFF(device, kobj);
	SIZE(attribute);
	OFF(attribute, name);
	OFF(attribute, mode);
	SIZE(device_attribute);
	OFF(device_attribute, attr);
	OFF(device_attribute, show);
	OFF(device_attribute, store);
	SIZE(attribute_group);
	OFF(attribute_group, is_visible);
	OFF(attribute_group, attrs);
	SIZE(kernel_param);
	OFF(kernel_param, name);
	OFF(kernel_param, mod);
	OFF(kernel_param, ops);
	OFF(kernel_param, perm);
	OFF(kernel_param, level);
	OFF(kernel_param, flags);
	OFF(kernel_param, arg);
	SIZE(kparam_string);
	OFF(kparam_string, maxlen);
	OFF(kparam_string, string);
	DEFINE(uuid_t__SIZE, sizeof(uuid_t));
	SIZE(ratelimit_state);
}
