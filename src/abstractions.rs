// SPDX-License-Identifier: GPL-2.0

//! Layer 2: safe abstractions over the raw bindings, named after what they abstract, as the
//! `kernel` crate names its modules: `vfio` (vfio_pci_core variant drivers), and what C drivers
//! have that the `kernel` crate lacks: [`module_param`] (parameters writable from sysfs),
//! [`pci_driver`] (a driver lookup by name) and [`printk`] (C's per-call-site rate limits, a
//! line quoting raw bytes).
//!
//! Every `unsafe` block of the module lives in this folder; the driver (layer 3) is safe code,
//! and its files say so with `#![deny(unsafe_code)]`.
//!
//! In the kernel tree (`make patches`) `vfio` is the kernel crate's `kernel::vfio` and the
//! bindings are the kernel's own; out of tree (Kbuild sets `--cfg vfio_rs_extmod`) the module
//! carries both, and the crate root brings them in as `crate::vfio` and `crate::bindings`, the
//! paths the layer's files use either way.

// Files the kernel tree does not have: rustfmt must not look for them there (the kernel's
// `make rustfmtcheck`); out of tree `make check` formats them on their own.
#[cfg(vfio_rs_extmod)]
#[rustfmt::skip]
pub mod bindings;
#[cfg(vfio_rs_extmod)]
#[rustfmt::skip]
mod layout;
#[cfg(vfio_rs_extmod)]
#[rustfmt::skip]
pub mod vfio;
#[cfg(not(vfio_rs_extmod))]
pub use kernel::{bindings, vfio};

pub mod module_param;
pub mod pci_driver;
pub mod printk;
