// SPDX-License-Identifier: GPL-2.0

//! vfio: what a vfio_pci_core variant driver is written on ([`pci`]), and the uapi values the
//! driver uses ([`uapi`]).

pub mod pci;
pub mod uapi;
