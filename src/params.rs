// SPDX-License-Identifier: GPL-2.0

//! Module parameters of C vfio-pci: same names, types, permissions and descriptions.

// Safe code only: the compiler holds it (unsafe code lives in `abstractions`).
#![deny(unsafe_code)]

use crate::abstractions::module_param::{
    c_module_param, c_module_param_info, BoolParam, StringParam, StringParamDesc,
};
use kernel::bindings;

/// `ids`: initial PCI ids to add to the driver (read once at load, like C's `__initdata`).
pub(crate) static IDS: StringParam<1024> = StringParam::new();
static IDS_KPS: StringParamDesc = IDS.describe();
c_module_param!(__param_ids, c"ids", bindings::param_ops_string, 0, str: IDS_KPS);
c_module_param_info!(__parmtype_ids, b"parmtype=ids:string\0");
c_module_param_info!(
    __parm_ids,
    b"parm=ids:Initial PCI IDs to add to the vfio driver, format is \
      \"vendor:device[:subvendor[:subdevice[:class[:class_mask]]]]\" \
      and multiple comma separated entries can be specified\0"
);

/// `nointxmask`: disable PCI 2.3 INTx masking.
pub(crate) static NOINTXMASK: BoolParam = BoolParam::new(false);
c_module_param!(
    __param_nointxmask, c"nointxmask", bindings::param_ops_bool, 0o644,
    arg: NOINTXMASK.as_arg()
);
c_module_param_info!(__parmtype_nointxmask, b"parmtype=nointxmask:bool\0");
c_module_param_info!(
    __parm_nointxmask,
    b"parm=nointxmask:Disable support for PCI 2.3 style INTx masking.  \
      If this resolves problems for specific devices, report lspci -vvvxxx to \
      linux-pci@vger.kernel.org so the device can be fixed automatically via the \
      broken_intx_masking flag.\0"
);

/// `disable_vga`: only with `CONFIG_VFIO_PCI_VGA`, as in C.
#[cfg(CONFIG_VFIO_PCI_VGA)]
pub(crate) static DISABLE_VGA: BoolParam = BoolParam::new(false);
#[cfg(CONFIG_VFIO_PCI_VGA)]
c_module_param!(
    __param_disable_vga, c"disable_vga", bindings::param_ops_bool, 0o444,
    arg: DISABLE_VGA.as_arg()
);
#[cfg(CONFIG_VFIO_PCI_VGA)]
c_module_param_info!(__parmtype_disable_vga, b"parmtype=disable_vga:bool\0");
#[cfg(CONFIG_VFIO_PCI_VGA)]
c_module_param_info!(
    __parm_disable_vga,
    b"parm=disable_vga:Disable VGA resource access through vfio-pci\0"
);

/// The `disable_vga` value (false where the kernel has no VGA support in vfio).
pub(crate) fn disable_vga() -> bool {
    #[cfg(CONFIG_VFIO_PCI_VGA)]
    return DISABLE_VGA.get();
    #[cfg(not(CONFIG_VFIO_PCI_VGA))]
    false
}

/// `disable_idle_d3`: keep idle devices out of D3.
pub(crate) static DISABLE_IDLE_D3: BoolParam = BoolParam::new(false);
c_module_param!(
    __param_disable_idle_d3, c"disable_idle_d3", bindings::param_ops_bool, 0o644,
    arg: DISABLE_IDLE_D3.as_arg()
);
c_module_param_info!(
    __parmtype_disable_idle_d3,
    b"parmtype=disable_idle_d3:bool\0"
);
c_module_param_info!(
    __parm_disable_idle_d3,
    b"parm=disable_idle_d3:Disable using the PCI D3 low power state for idle, unused devices\0"
);

/// `enable_sriov`: allow `sriov_numvfs` on PFs bound to the driver. A parameter only with
/// `CONFIG_PCI_IOV`, as in C (without it the PCI core never calls `sriov_configure`).
pub(crate) static ENABLE_SRIOV: BoolParam = BoolParam::new(false);
#[cfg(CONFIG_PCI_IOV)]
c_module_param!(
    __param_enable_sriov, c"enable_sriov", bindings::param_ops_bool, 0o644,
    arg: ENABLE_SRIOV.as_arg()
);
#[cfg(CONFIG_PCI_IOV)]
c_module_param_info!(__parmtype_enable_sriov, b"parmtype=enable_sriov:bool\0");
#[cfg(CONFIG_PCI_IOV)]
c_module_param_info!(
    __parm_enable_sriov,
    b"parm=enable_sriov:Enable support for SR-IOV configuration.  \
      Enabling SR-IOV on a PF typically requires support of the userspace PF driver, \
      enabling VFs without such support may result in non-functional VFs or PF.\0"
);

/// `disable_denylist`: bind to denylisted devices too.
pub(crate) static DISABLE_DENYLIST: BoolParam = BoolParam::new(false);
c_module_param!(
    __param_disable_denylist, c"disable_denylist", bindings::param_ops_bool, 0o444,
    arg: DISABLE_DENYLIST.as_arg()
);
c_module_param_info!(
    __parmtype_disable_denylist,
    b"parmtype=disable_denylist:bool\0"
);
c_module_param_info!(
    __parm_disable_denylist,
    b"parm=disable_denylist:Disable use of device denylist. \
      Disabling the denylist allows binding to devices with known errata that may lead to \
      exploitable stability or security issues when accessed by untrusted users.\0"
);
