// SPDX-License-Identifier: GPL-2.0

//! A vfio_pci_core variant driver for the rig's tests only (`vfio_pci_open_test.ko`, built with
//! the other test modules, never shipped), on the same safe layer as the driver: its
//! `open_device` enables the core, then a setup step fails, as C vfio-pci's open does when its
//! Intel IGD setup fails. The driver suite checks that such an open leaves the device as it was
//! (the PCI enable count back where it was): the `Enabled` guard ran `vfio_pci_core_disable`.

#[allow(unused)]
pub mod abstractions;
#[allow(unused)]
pub mod policy;

use abstractions::{bindings, vfio};
use kernel::prelude::*;
use vfio::pci::{self as vfio_pci, CoreDevice, Device, Opened, Opening, Registration};
use vfio::pci::{DeviceId, IdTable, IdTableRef, ANY};

module! {
    type: VfioPciOpenTest,
    name: "vfio_pci_open_test",
    authors: ["vfio-pci-rs developers"],
    description: "vfio-pci in Rust, test driver: an open that fails after the core's enable",
    license: "GPL v2",
}

struct VfioPciOpenTest {
    _driver: Pin<KBox<Registration<FailAfterEnable>>>,
}

impl kernel::Module for VfioPciOpenTest {
    fn init(module: &'static ThisModule) -> Result<Self> {
        Ok(VfioPciOpenTest {
            _driver: KBox::pin_init(Registration::new(module), GFP_KERNEL)?,
        })
    }
}

/// Every device, through `driver_override` only.
static TABLE: IdTable<1> = IdTable::new([DeviceId::vfio_override(ANY, ANY)]);

/// The driver's per-device data: the error its setup step fails with (the suite expects
/// `ENOENT`), set at `init` and read back at each open.
struct FailAfterEnable {
    setup_error: Error,
}

impl FailAfterEnable {
    /// The setup step between enable and finish; it fails.
    fn setup(dev: &Device<Self>) -> Result {
        Err(dev.data().setup_error)
    }
}

#[vtable]
impl vfio_pci::Driver for FailAfterEnable {
    const NAME: &'static CStr = c"vfio-pci-open-test";
    const ID_TABLE: IdTableRef = TABLE.as_ref();

    fn init(_core: &CoreDevice<vfio_pci::Init>) -> impl PinInit<Self, Error> {
        Ok(FailAfterEnable {
            setup_error: ENOENT,
        })
    }

    fn open_device(dev: Opening<'_, Self>) -> Result<Opened<'_>> {
        let enabled = dev.enable()?;
        // Fails: `enabled` is dropped, which disables the core again.
        Self::setup(&enabled)?;
        Ok(enabled.finish_enable())
    }
}
