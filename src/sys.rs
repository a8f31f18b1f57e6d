// SPDX-License-Identifier: GPL-2.0

//! Layer 2: a thin safe layer over the raw pci, vfio and vfio_pci_core bindings.
//!
//! Every `unsafe` block of the module lives in this folder; the driver (layer 3) is safe code.

mod layout;
pub(crate) mod params;
pub(crate) mod pci_driver;
pub(crate) mod ratelimit;
pub(crate) mod raw;
pub(crate) mod vfio_pci_core;

/// A read-only C table (ops, ids, attributes) that may live in a `static` or be promoted from
/// a `const`, although it holds raw pointers.
#[repr(transparent)]
pub(crate) struct CTable<T>(pub(crate) T);

// SAFETY: a `CTable` is never written after construction and only points at static data and
// functions, so sharing it between threads is sound.
unsafe impl<T> Sync for CTable<T> {}
