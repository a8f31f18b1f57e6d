// SPDX-License-Identifier: GPL-2.0

//! Compile-time checks that the bindings lay out every C struct this module touches exactly
//! as the C compiler does for this kernel (sizes and the offsets of the fields used). The C
//! side is `src/vfio_layout.c`, compiled by Kbuild with the module's C flags; its values
//! arrive as the constants of `generated/c_layout.rs` of the object tree. Stale or
//! mismatched bindings (another configuration, other compiler flags) then fail the build,
//! never the running kernel.

use crate::bindings;
use core::mem::{offset_of, size_of};
use kernel::macros::paste;

/// The C compiler's values, named `STRUCT__SIZE` and `STRUCT__FIELD`.
#[allow(non_upper_case_globals, dead_code)]
mod c {
    include!(concat!(env!("VFIO_RS_OBJ"), "/generated/c_layout.rs"));
}

/// `same_layout!(rust::Type, c_name { rust_field: c_field, ... })`: the size and the listed
/// offsets must equal the C compiler's.
macro_rules! same_layout {
    ($ty:ty, $c:ident { $($field:ident: $cfield:ident),* $(,)? }) => {
        paste! {
            const _: () = assert!(
                size_of::<$ty>() == c::[<$c __SIZE>],
                concat!("size of struct ", stringify!($c), " differs from the C compiler's")
            );
            $(const _: () = assert!(
                offset_of!($ty, $field) == c::[<$c __ $cfield>],
                concat!("offset of ", stringify!($c), ".", stringify!($cfield),
                        " differs from the C compiler's")
            );)*
        }
    };
}

// The module's own bindings.
same_layout!(
    bindings::vfio_device,
    vfio_device {
        dev: dev,
        device: device,
        ops: ops
    }
);
same_layout!(bindings::vfio_device_ops, vfio_device_ops {
    name: name,
    init: init,
    release: release,
    bind_iommufd: bind_iommufd,
    unbind_iommufd: unbind_iommufd,
    attach_ioas: attach_ioas,
    detach_ioas: detach_ioas,
    pasid_attach_ioas: pasid_attach_ioas,
    pasid_detach_ioas: pasid_detach_ioas,
    open_device: open_device,
    close_device: close_device,
    read: read,
    write: write,
    ioctl: ioctl,
    get_region_info_caps: get_region_info_caps,
    mmap: mmap,
    request: request,
    match_: match,
    match_token_uuid: match_token_uuid,
    dma_unmap: dma_unmap,
    device_feature: device_feature,
});
same_layout!(
    bindings::vfio_pci_device_ops,
    vfio_pci_device_ops {
        get_dmabuf_phys: get_dmabuf_phys,
    }
);
// `rbar` and `needs_reset` pin the bitfields between them (nointxmask, disable_idle_d3,
// disable_vga), which have no offset of their own.
same_layout!(
    bindings::vfio_pci_core_device,
    vfio_pci_core_device {
        vdev: vdev,
        pdev: pdev,
        pci_ops: pci_ops,
        rbar: rbar,
        needs_reset: needs_reset,
        vf_token: vf_token,
        sriov_pf_core_dev: sriov_pf_core_dev,
    }
);
same_layout!(
    bindings::vfio_pci_vf_token,
    vfio_pci_vf_token {
        lock: lock,
        uuid: uuid,
        users: users,
    }
);

// The kernel crate's bindings, as this module uses them. `driver_exclusive_resource` and
// `dev_flags` pin the bitfields between them (is_physfn, is_virtfn).
same_layout!(
    bindings::pci_dev,
    pci_dev {
        dev: dev,
        driver_exclusive_resource: driver_exclusive_resource,
        dev_flags: dev_flags,
    }
);
same_layout!(
    bindings::pci_driver,
    pci_driver {
        name: name,
        id_table: id_table,
        probe: probe,
        remove: remove,
        sriov_configure: sriov_configure,
        err_handler: err_handler,
        dev_groups: dev_groups,
        driver_managed_dma: driver_managed_dma,
    }
);
same_layout!(
    bindings::pci_device_id,
    pci_device_id {
        vendor: vendor,
        device: device,
        subvendor: subvendor,
        subdevice: subdevice,
        class: class,
        class_mask: class_mask,
        driver_data: driver_data,
        override_only: override_only,
    }
);
same_layout!(bindings::device, device { kobj: kobj });
same_layout!(
    bindings::attribute,
    attribute {
        name: name,
        mode: mode
    }
);
// `show` and `store` are each in an anonymous union in C (`__SYSFS_FUNCTION_ALTERNATIVE`).
same_layout!(
    bindings::device_attribute,
    device_attribute {
        attr: attr,
        __bindgen_anon_1: show,
        __bindgen_anon_2: store,
    }
);
same_layout!(
    bindings::attribute_group,
    attribute_group {
        __bindgen_anon_1: is_visible,
        __bindgen_anon_2: attrs,
    }
);
same_layout!(bindings::kernel_param, kernel_param {
    name: name,
    mod_: mod,
    ops: ops,
    perm: perm,
    level: level,
    flags: flags,
    __bindgen_anon_1: arg,
});
same_layout!(
    bindings::kparam_string,
    kparam_string {
        maxlen: maxlen,
        string: string
    }
);
const _: () = assert!(size_of::<bindings::uuid_t>() == c::uuid_t__SIZE);
same_layout!(bindings::ratelimit_state, ratelimit_state {});
