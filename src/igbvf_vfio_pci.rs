// SPDX-License-Identifier: GPL-2.0

//! `igbvf-vfio-pci`: a second vfio_pci_core variant driver on the same safe layer as vfio-pci,
//! for the rig's tests only (`igbvf_vfio_pci.ko`, built with the other test modules, never
//! shipped). It binds VFs of Intel 82576 (igb) NICs, through `driver_override` only, as C
//! variant drivers do, and is written without `unsafe`:
//! - it reads back pin-initialised per-device data (a mutex-guarded count),
//! - it overrides one read path (reads of config space, counted, then the core's) and one
//!   ioctl (`VFIO_DEVICE_RESET`, refused: the VF is reset only by its PF's driver),
//! - everything else is vfio_pci_core's, the VF token check among it: a VF of a PF bound to
//!   vfio-pci needs its PF's token here too, as with any C variant driver.
//!
//! Its sysfs attribute `config_reads` shows the count.

#[allow(unused)]
pub mod abstractions;
#[allow(unused)]
pub mod policy;

use abstractions::{bindings, vfio};
use kernel::prelude::*;
use vfio::pci as vfio_pci;

module! {
    type: IgbVfVfioPci,
    name: "igbvf_vfio_pci",
    authors: ["vfio-pci-rs developers"],
    description: "vfio-pci in Rust, test driver: a variant driver for igb VFs on the safe layer",
    license: "GPL v2",
}

struct IgbVfVfioPci {
    _driver: Pin<KBox<vfio_pci::Registration<driver::IgbVf>>>,
}

impl kernel::Module for IgbVfVfioPci {
    fn init(module: &'static ThisModule) -> Result<Self> {
        Ok(IgbVfVfioPci {
            _driver: KBox::pin_init(vfio_pci::Registration::new(module), GFP_KERNEL)?,
        })
    }
}

/// The driver: safe code only, and the compiler holds it.
#[deny(unsafe_code)]
mod driver {
    use crate::vfio::pci::{self as vfio_pci, CoreDevice, Device, Ioctl, Read};
    use crate::vfio::pci::{DeviceId, IdTable, IdTableRef};
    use kernel::{new_mutex, prelude::*, sync::Mutex};

    /// `VFIO_DEVICE_RESET` (`_IO(VFIO_TYPE, VFIO_BASE + 11)`, `<uapi/linux/vfio.h>`).
    const VFIO_DEVICE_RESET: u32 = kernel::ioctl::_IO(b';' as u32, 100 + 11);
    /// `VFIO_PCI_CONFIG_REGION_INDEX`.
    const VFIO_PCI_CONFIG_REGION_INDEX: u32 = 7;

    /// The 82576 VF, through `driver_override` only (C: `PCI_DRIVER_OVERRIDE_DEVICE_VFIO`).
    static TABLE: IdTable<1> = IdTable::new([DeviceId::vfio_override(0x8086, 0x10ca)]);

    /// Per-device data: how many reads of config space went through the device fd.
    #[pin_data]
    pub(crate) struct IgbVf {
        #[pin]
        config_reads: Mutex<i32>,
    }

    #[vtable]
    impl vfio_pci::Driver for IgbVf {
        const NAME: &'static CStr = c"igbvf-vfio-pci";
        const ID_TABLE: IdTableRef = TABLE.as_ref();
        const ATTR_NAME: &'static CStr = c"config_reads";

        fn init(_core: &CoreDevice<vfio_pci::Init>) -> impl PinInit<Self, Error> {
            try_pin_init!(Self {
                config_reads <- new_mutex!(0),
            })
        }

        fn read(dev: &Device<Self>, call: Read<'_>) -> Result<isize> {
            if call.region() == VFIO_PCI_CONFIG_REGION_INDEX {
                let mut reads = dev.data().config_reads.lock();
                *reads = reads.saturating_add(1);
            }
            call.pass_to_core()
        }

        fn ioctl(_dev: &Device<Self>, call: Ioctl<'_>) -> Result<isize> {
            if call.cmd() == VFIO_DEVICE_RESET {
                return Err(EPERM);
            }
            call.pass_to_core()
        }

        fn show_attr(dev: &Device<Self>) -> Option<i32> {
            Some(*dev.data().config_reads.lock())
        }
    }
}
