// SPDX-License-Identifier: GPL-2.0

//! Drivers that get vfio_pci_core's open protocol wrong: none may compile. Each line marked
//! `//~ ERROR text` must get a compiler error containing `text`, and there must be no other
//! error (`scripts/compile-fail.sh`; `open_protocol_ok.rs` is the control). The C protocol:
//! `vfio_pci_core_enable`, then either `vfio_pci_core_finish_enable` and success, or
//! `vfio_pci_core_disable` and the error.

#![allow(unused, unreachable_pub)]

pub mod abstractions;
mod policy;

use abstractions::{bindings, vfio};
use kernel::prelude::*;
use vfio::pci::{self as vfio_pci, CoreDevice, Opened, Opening};
use vfio::pci::{DeviceId, IdTable, IdTableRef, ANY};

module! {
    type: OpenProtocolWrong,
    name: "open_protocol_wrong",
    authors: ["vfio-pci-rs developers"],
    description: "compile-fail: drivers that open wrong",
    license: "GPL v2",
}

struct OpenProtocolWrong;

impl kernel::Module for OpenProtocolWrong {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        Ok(OpenProtocolWrong)
    }
}

static TABLE: IdTable<1> = IdTable::new([DeviceId::vfio_override(ANY, ANY)]);

/// A driver `$name` whose `open_device` is `$open`.
macro_rules! driver {
    ($name:ident, $open:item) => {
        struct $name;

        #[vtable]
        impl vfio_pci::Driver for $name {
            const NAME: &'static CStr = c"wrong";
            const ID_TABLE: IdTableRef = TABLE.as_ref();

            fn init(_core: &CoreDevice<vfio_pci::Init>) -> impl PinInit<Self, Error> {
                Ok($name)
            }

            $open
        }
    };
}

// Finishing without enabling: on close the core would disable a device never enabled.
driver!(
    FinishWithoutEnable,
    fn open_device(dev: Opening<'_, Self>) -> Result<Opened<'_>> {
        Ok(dev.finish_enable()) //~ ERROR no method named `finish_enable` found
    }
);

// Success without finishing: the open VF would not be counted in its PF's token.
driver!(
    OkWithoutFinish,
    fn open_device(dev: Opening<'_, Self>) -> Result<Opened<'_>> {
        let _enabled = dev.enable()?;
        Ok(()) //~ ERROR mismatched types
    }
);

// Success made up, without the core's enable at all.
driver!(
    ForgedProof,
    fn open_device(_dev: Opening<'_, Self>) -> Result<Opened<'_>> {
        Ok(Opened(core::marker::PhantomData)) //~ ERROR private
    }
);

// Enabling twice: the enable count and the runtime-PM reference taken twice.
driver!(
    EnableTwice,
    fn open_device(dev: Opening<'_, Self>) -> Result<Opened<'_>> {
        let first = dev.enable()?;
        let _second = dev.enable()?; //~ ERROR use of moved value
        Ok(first.finish_enable())
    }
);
