// SPDX-License-Identifier: GPL-2.0

//! Layer 2: a thin safe layer over the raw pci, vfio and vfio_pci_core bindings.
//!
//! Every `unsafe` block of the module lives in this folder; the driver (layer 3) is safe code.

pub(crate) mod params;
pub(crate) mod pci_driver;
pub(crate) mod ratelimit;
pub(crate) mod raw;
pub(crate) mod vfio_pci_core;

/// Fills `buf` from the kernel's CSPRNG (`get_random_bytes`).
pub(crate) fn random_bytes(buf: &mut [u8]) {
    // SAFETY: `buf` is valid for writes of its length.
    unsafe { kernel::bindings::get_random_bytes(buf.as_mut_ptr().cast(), buf.len()) }
}
