// SPDX-License-Identifier: GPL-2.0

//! vfio-pci in Rust: a drop-in replacement for the C `vfio-pci` driver, with the SR-IOV VF
//! token implemented in Rust.
//!
//! Three layers: `policy` (the token parser and rules, plain Rust, also tested on the host),
//! `abstractions` (the safe layer over the raw bindings, where every `unsafe` block lives)
//! and the driver (`driver`, `params`, `denylist`, `fill_ids` and this file: wiring only).

pub mod abstractions;
mod denylist;
mod driver;
mod fill_ids;
mod params;
pub mod policy;
mod policy_abi;

use abstractions::{bindings, vfio};
use kernel::prelude::*;
use vfio::pci::Registration;

module! {
    type: VfioPciModule,
    name: "vfio_pci",
    authors: ["vfio-pci-rs developers"],
    description: "VFIO PCI - User Level meta-driver",
    license: "GPL v2",
}

struct VfioPciModule {
    _driver: Pin<KBox<Registration<driver::VfioPci>>>,
}

impl kernel::Module for VfioPciModule {
    fn init(module: &'static ThisModule) -> Result<Self> {
        // The kernel refuses a second module `vfio_pci` (C loaded: EEXIST; built in: EINVAL)
        // before this runs; this guards a driver of that name registered by any other module.
        if abstractions::pci_driver::driver_registered(driver::NAME) {
            pr_err!(
                "a PCI driver named \"{}\" is already registered; not loading\n",
                driver::NAME
            );
            return Err(EBUSY);
        }
        driver::init_globals();
        let driver = KBox::pin_init(Registration::new(module), GFP_KERNEL)?;
        fill_ids::add_ids(driver.as_ref(), params::IDS.value());
        if params::DISABLE_DENYLIST.get() {
            pr_warn!("device denylist disabled.\n");
        }
        Ok(VfioPciModule { _driver: driver })
    }
}
