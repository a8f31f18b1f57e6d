// SPDX-License-Identifier: GPL-2.0

//! Layer 2: safe abstractions over the raw bindings, named after what they abstract, as the
//! `kernel` crate names its modules: [`vfio`] (vfio_pci_core variant drivers), and what C
//! drivers have that the `kernel` crate lacks: [`module_param`] (parameters writable from
//! sysfs), [`pci_driver`] (id tables with the `driver_override`-only flag, a driver lookup by
//! name) and [`printk`] (C's per-call-site rate limits, a line quoting raw bytes).
//!
//! Every `unsafe` block of the module lives in this folder; the driver (layer 3) is safe code,
//! and its files say so with `#![deny(unsafe_code)]`.

mod layout;
pub(crate) mod module_param;
pub(crate) mod pci_driver;
pub(crate) mod printk;
mod raw;
pub(crate) mod vfio;
