// SPDX-License-Identifier: GPL-2.0

//! PCI pieces `kernel::pci` lacks: id entries matched only through `driver_override` (its
//! `DeviceId` has no `override_only`), a terminated id table a C `struct pci_driver` can
//! point at, and a lookup of a driver by name.
//!
//! C header: [`include/linux/pci.h`](srctree/include/linux/pci.h)

use kernel::{
    bindings,
    str::{CStr, CStrExt},
};

/// A `struct pci_device_id` entry.
#[repr(transparent)]
pub(crate) struct DeviceId(bindings::pci_device_id);

impl DeviceId {
    /// Matches `vendor:device` (`PCI_ANY_ID` for any), but only through `driver_override`
    /// (`PCI_DRIVER_OVERRIDE_DEVICE_VFIO`).
    pub(crate) const fn vfio_override(vendor: u32, device: u32) -> Self {
        Self(bindings::pci_device_id {
            vendor,
            device,
            subvendor: ANY,
            subdevice: ANY,
            class: 0,
            class_mask: 0,
            driver_data: 0,
            override_only: bindings::PCI_ID_F_VFIO_DRIVER_OVERRIDE,
        })
    }
}

/// `PCI_ANY_ID` as the id fields take it.
pub(crate) const ANY: u32 = bindings::PCI_ANY_ID as u32;

/// An id table as `struct pci_driver` takes it: `N` entries, then the zero terminator, laid
/// out as C's array (modpost reads it under the `MODULE_DEVICE_TABLE` symbol name).
///
/// # Examples
///
/// Two devices, through `driver_override` only, as a `Driver`'s `ID_TABLE`:
///
/// ```
/// use crate::abstractions::pci_driver::{DeviceId, IdTable, IdTableRef};
///
/// static TABLE: IdTable<2> = IdTable::new([
///     DeviceId::vfio_override(0x8086, 0x10ca),
///     DeviceId::vfio_override(0x8086, 0x1520),
/// ]);
/// const ID_TABLE: IdTableRef = TABLE.as_ref();
/// ```
#[repr(C)]
pub(crate) struct IdTable<const N: usize> {
    ids: [DeviceId; N],
    end: bindings::pci_device_id,
}

impl<const N: usize> IdTable<N> {
    /// The table of `ids`.
    pub(crate) const fn new(ids: [DeviceId; N]) -> Self {
        Self {
            ids,
            end: bindings::pci_device_id {
                vendor: 0,
                device: 0,
                subvendor: 0,
                subdevice: 0,
                class: 0,
                class_mask: 0,
                driver_data: 0,
                override_only: 0,
            },
        }
    }

    /// The table as the driver's `id_table`.
    pub(crate) const fn as_ref(&'static self) -> IdTableRef {
        // INVARIANT: `self` is a `'static` terminated table.
        IdTableRef((&raw const self.ids).cast())
    }
}

/// A `'static` id table of any length.
///
/// # Invariants
///
/// Points at a `'static` array of `struct pci_device_id` ending with a zero entry.
#[derive(Clone, Copy)]
pub(crate) struct IdTableRef(*const bindings::pci_device_id);

impl IdTableRef {
    /// The table for `struct pci_driver.id_table`.
    pub(crate) fn as_ptr(self) -> *const bindings::pci_device_id {
        self.0
    }
}

/// Whether a PCI driver named `name` is registered (e.g. a C driver of the same name).
pub(crate) fn driver_registered(name: &CStr) -> bool {
    let name = name.as_char_ptr();
    // SAFETY: `driver_find` only looks the NUL-terminated name up on the PCI bus.
    let drv = unsafe { bindings::driver_find(name, &raw const bindings::pci_bus_type) };
    !drv.is_null()
}
