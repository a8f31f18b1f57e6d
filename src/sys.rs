// SPDX-License-Identifier: GPL-2.0

//! Layer 2: a thin safe layer over the raw pci, vfio and vfio_pci_core bindings.
//!
//! Every `unsafe` block of the module lives in this folder; the driver (layer 3) is safe code.

pub(crate) mod ext;
mod layout;
pub(crate) mod raw;
pub(crate) mod uapi;
pub(crate) mod vfio;
