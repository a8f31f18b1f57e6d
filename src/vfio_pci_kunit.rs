// SPDX-License-Identifier: GPL-2.0

//! The KUnit suites of vfio-pci in Rust, as a test module of their own (`vfio_pci_kunit.ko`),
//! built from the same policy sources as the driver. A module that carries KUnit suites runs
//! them at every load, prints their KTAP and taints the kernel (`TAINT_TEST`): the driver
//! users load must not, as C vfio-pci does not. Only the rig builds this module (Kbuild:
//! `VFIO_RS_TEST_MODULES=1` on a kernel with `CONFIG_KUNIT=y`); loading it runs the suites.

pub mod policy;
mod policy_kunit;

use kernel::prelude::*;

module! {
    type: VfioPciKunit,
    name: "vfio_pci_kunit",
    authors: ["vfio-pci-rs developers"],
    description: "KUnit suites of vfio-pci in Rust (VF token policy, ids= parser)",
    license: "GPL v2",
}

/// Nothing to set up: KUnit runs the module's suites when it is loaded.
struct VfioPciKunit;

impl kernel::Module for VfioPciKunit {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        Ok(VfioPciKunit)
    }
}
