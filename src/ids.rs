// SPDX-License-Identifier: GPL-2.0

//! The `ids=` parameter: its dynamic ids added at load, with C's log lines. The entries are
//! read by `policy::ids`, which the host tests against the kernel's `sscanf`.

use crate::policy::ids::{entries, IdEntry};
use crate::sys::{
    ext,
    vfio::pci::{Driver, Registration},
};
use kernel::prelude::*;

/// `vfio_pci_fill_ids()`: adds every valid entry of `param` as a dynamic id of `driver`.
pub(crate) fn add_ids<T: Driver>(driver: Pin<&Registration<T>>, param: &[u8]) {
    for entry in entries(param) {
        let id = match entry {
            IdEntry::Add(id) => id,
            IdEntry::Invalid(text) => {
                ext::warn_quoted(c"invalid id string", text);
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

/// The parser as compiled into the module (the host runs the full suite).
#[kernel::macros::kunit_tests(vfio_pci_rs_ids)]
mod tests {
    use crate::policy::ids::*;

    const ANY: u32 = PCI_ANY_ID;

    fn id(entry: &[u8]) -> Option<[u32; 6]> {
        let s = scan_id(entry);
        (s.fields >= 2).then_some(s.values)
    }

    #[test]
    fn fields_and_defaults() {
        assert_eq!(id(b"8086:10ca"), Some([0x8086, 0x10ca, ANY, ANY, 0, 0]));
        assert_eq!(id(b"1:2:3:4:5:6"), Some([1, 2, 3, 4, 5, 6]));
        assert_eq!(id(b"8086"), None);
        assert_eq!(id(b"zz:10ca"), None);
    }

    #[test]
    fn read_as_the_kernel_sscanf_reads() {
        assert_eq!(
            id(b"8086:10ca 8086:10cb"),
            Some([0x8086, 0x10ca, ANY, ANY, 0, 0])
        );
        assert_eq!(id(b"8086 :10ca"), None);
        assert_eq!(id(b"8086:\xa010ca"), Some([0x8086, 0x10ca, ANY, ANY, 0, 0]));
        assert_eq!(id(b"0x:10ca"), Some([0, 0x10ca, ANY, ANY, 0, 0]));
        assert_eq!(
            id(b"123456789:10000000000000000"),
            Some([0x2345_6789, !0, ANY, ANY, 0, 0])
        );
    }

    #[test]
    fn entries_skip_empty() {
        let mut it = entries(b",8086:10ca,,zz,");
        assert_eq!(
            it.next(),
            Some(IdEntry::Add([0x8086, 0x10ca, ANY, ANY, 0, 0]))
        );
        assert_eq!(it.next(), Some(IdEntry::Invalid(&b"zz"[..])));
        assert_eq!(it.next(), None);
    }
}
