// SPDX-License-Identifier: GPL-2.0

//! What `kernel::pci` lacks, nothing vfio about it: a lookup of a PCI driver by name.
//!
//! C header: [`include/linux/pci.h`](srctree/include/linux/pci.h)

use crate::bindings;
use kernel::str::{CStr, CStrExt};

/// Whether a PCI driver named `name` is registered (e.g. a C driver of the same name).
pub(crate) fn driver_registered(name: &CStr) -> bool {
    let name = name.as_char_ptr();
    // SAFETY: `driver_find` only looks the NUL-terminated name up on the PCI bus.
    let drv = unsafe { bindings::driver_find(name, &raw const bindings::pci_bus_type) };
    !drv.is_null()
}
