// SPDX-License-Identifier: GPL-2.0

//! The PCI id table of a vfio_pci_core variant driver: entries matched only through
//! `driver_override` (`PCI_DRIVER_OVERRIDE_DEVICE_VFIO`; `kernel::pci::DeviceId` has no
//! `override_only`), in a terminated table a C `struct pci_driver` can point at.
//!
//! C header: [`include/linux/pci.h`](srctree/include/linux/pci.h)

use crate::bindings;

/// A `struct pci_device_id` entry.
#[repr(transparent)]
pub struct DeviceId(bindings::pci_device_id);

impl DeviceId {
    /// Matches `vendor:device` (`PCI_ANY_ID` for any), but only through `driver_override`
    /// (`PCI_DRIVER_OVERRIDE_DEVICE_VFIO`).
    pub const fn vfio_override(vendor: u32, device: u32) -> Self {
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
pub const ANY: u32 = bindings::PCI_ANY_ID as u32;

/// An id table as `struct pci_driver` takes it: `N` entries, then the zero terminator, laid
/// out as C's array (modpost reads it under the `MODULE_DEVICE_TABLE` symbol name).
///
/// # Examples
///
/// Two devices, through `driver_override` only, as a `Driver`'s `ID_TABLE`:
///
/// ```
/// use kernel::vfio::pci::{DeviceId, IdTable, IdTableRef};
///
/// static TABLE: IdTable<2> = IdTable::new([
///     DeviceId::vfio_override(0x8086, 0x10ca),
///     DeviceId::vfio_override(0x8086, 0x1520),
/// ]);
/// const ID_TABLE: IdTableRef = TABLE.as_ref();
/// ```
#[repr(C)]
pub struct IdTable<const N: usize> {
    ids: [DeviceId; N],
    end: bindings::pci_device_id,
}

impl<const N: usize> IdTable<N> {
    /// The table of `ids`.
    pub const fn new(ids: [DeviceId; N]) -> Self {
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
    pub const fn as_ref(&'static self) -> IdTableRef {
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
pub struct IdTableRef(*const bindings::pci_device_id);

impl IdTableRef {
    /// The table for `struct pci_driver.id_table`.
    pub fn as_ptr(self) -> *const bindings::pci_device_id {
        self.0
    }
}
