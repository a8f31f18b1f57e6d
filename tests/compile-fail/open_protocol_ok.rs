// SPDX-License-Identifier: GPL-2.0

//! The control of `open_protocol_wrong.rs`: a driver that opens as C vfio-pci does (enable, a
//! step that may fail, finish). It must compile, with the same sources and build as the wrong
//! drivers, so that their errors are the ones the safe layer's types give, not the harness's
//! (`scripts/compile-fail.sh`).

#![allow(unused, unreachable_pub)]

pub mod abstractions;
mod policy;

use abstractions::{bindings, vfio};
use kernel::prelude::*;
use vfio::pci::{self as vfio_pci, CoreDevice, Opened, Opening};
use vfio::pci::{DeviceId, IdTable, IdTableRef, ANY};

module! {
    type: OpenProtocolOk,
    name: "open_protocol_ok",
    authors: ["vfio-pci-rs developers"],
    description: "compile-fail control: a driver that opens right",
    license: "GPL v2",
}

struct OpenProtocolOk;

impl kernel::Module for OpenProtocolOk {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        Ok(OpenProtocolOk)
    }
}

static TABLE: IdTable<1> = IdTable::new([DeviceId::vfio_override(ANY, ANY)]);

/// A step between enable and finish that may fail (C vfio-pci: the IGD setup).
fn setup_may_fail(fail: bool) -> Result {
    if fail {
        Err(ENODEV)
    } else {
        Ok(())
    }
}

struct Right;

#[vtable]
impl vfio_pci::Driver for Right {
    const NAME: &'static CStr = c"right";
    const ID_TABLE: IdTableRef = TABLE.as_ref();

    fn init(_core: &CoreDevice<vfio_pci::Init>) -> impl PinInit<Self, Error> {
        Ok(Right)
    }

    fn open_device(dev: Opening<'_, Self>) -> Result<Opened<'_>> {
        let enabled = dev.enable()?;
        // An error here drops `enabled`, which disables the core again.
        setup_may_fail(enabled.is_virtfn())?;
        Ok(enabled.finish_enable())
    }
}
