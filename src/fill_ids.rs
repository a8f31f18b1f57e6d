// SPDX-License-Identifier: GPL-2.0

//! The `ids=` parameter: its dynamic ids added at load, with C's log lines. The entries are
//! read by `policy::ids`, which the host tests against the kernel's `sscanf`.

// Safe code only: the compiler holds it (unsafe code lives in `abstractions`).
#![deny(unsafe_code)]

use crate::abstractions::{
    printk,
    vfio::pci::{Driver, Registration},
};
use crate::policy::ids::{entries, IdEntry};
use kernel::prelude::*;

/// `vfio_pci_fill_ids()`: adds every valid entry of `param` as a dynamic id of `driver`.
pub(crate) fn add_ids<T: Driver>(driver: Pin<&Registration<T>>, param: &[u8]) {
    for entry in entries(param) {
        let id = match entry {
            IdEntry::Add(id) => id,
            IdEntry::Invalid(text) => {
                printk::warn_quoted(c"invalid id string", text);
                continue;
            }
        };
        let [vendor, device, subvendor, subdevice, class, class_mask] = id;
        match driver.add_dynid(&id) {
            Ok(()) => pr_info!(
                "add [{:04x}:{:04x}[{:04x}:{:04x}]] class {:#08x}/{:08x}\n",
                vendor,
                device,
                subvendor,
                subdevice,
                class,
                class_mask
            ),
            Err(e) => pr_warn!(
                "failed to add dynamic id [{:04x}:{:04x}[{:04x}:{:04x}]] class {:#08x}/{:08x} ({})\n",
                vendor,
                device,
                subvendor,
                subdevice,
                class,
                class_mask,
                e.to_errno()
            ),
        }
    }
}
