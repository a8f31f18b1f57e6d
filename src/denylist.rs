// SPDX-License-Identifier: GPL-2.0

//! The device denylist of C vfio-pci (`vfio_pci_dev_in_denylist`, static in `vfio_pci.c`):
//! devices with known errata that may be exploitable when accessed by untrusted users.

// Safe code only: the compiler holds it (unsafe code lives in `abstractions`).
#![deny(unsafe_code)]

const PCI_VENDOR_ID_INTEL: u16 = 0x8086;

/// Intel device ids on the list: QAT C3XXX, C62X, DH895XCC (PF and VF), DSA and IAX SPR0.
const INTEL_DENIED: [u16; 8] = [
    0x19e2, 0x19e3, 0x37c8, 0x37c9, 0x0435, 0x0443, 0x0b25, 0x0cfe,
];

/// Whether C vfio-pci refuses to probe this vendor:device (unless `disable_denylist`).
pub(crate) fn in_denylist(vendor: u16, device: u16) -> bool {
    vendor == PCI_VENDOR_ID_INTEL && INTEL_DENIED.contains(&device)
}
