// SPDX-License-Identifier: GPL-2.0

//! The `ids=` parameter: "vendor:device[:subvendor[:subdevice[:class[:class_mask]]]]" entries,
//! comma separated, hex, as C vfio-pci reads them with `sscanf("%x:%x:%x:%x:%x:%x")`.

const PCI_ANY_ID: u32 = !0;

/// One parsed entry: vendor, device, subvendor, subdevice, class, class_mask; or `None` when
/// fewer than two fields could be read (C warns "invalid id string").
pub(crate) fn parse_id(entry: &[u8]) -> Option<[u32; 6]> {
    let mut out = [0, 0, PCI_ANY_ID, PCI_ANY_ID, 0, 0];
    let mut fields = 0;
    for (slot, part) in out.iter_mut().zip(entry.split(|&b| b == b':')) {
        match parse_hex(part) {
            Some(v) => {
                *slot = v;
                fields += 1;
            }
            // sscanf stops at the first field it cannot convert.
            None => break,
        }
    }
    (fields >= 2).then_some(out)
}

/// `%x`: optional leading spaces, optional 0x, at least one hex digit, at most 32 bits.
fn parse_hex(s: &[u8]) -> Option<u32> {
    let s = s.trim_ascii_start();
    let s = s
        .strip_prefix(b"0x")
        .or_else(|| s.strip_prefix(b"0X"))
        .unwrap_or(s);
    let digits = s.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if digits == 0 {
        return None;
    }
    s.get(..digits)?.iter().try_fold(0u32, |acc, &b| {
        let d = (b as char).to_digit(16)?;
        acc.checked_mul(16).map(|v| v | d)
    })
}

/// The non-empty entries of the parameter.
pub(crate) fn entries(param: &[u8]) -> impl Iterator<Item = &[u8]> {
    param.split(|&b| b == b',').filter(|e| !e.is_empty())
}

#[kernel::macros::kunit_tests(vfio_pci_rs_ids)]
mod tests {
    use super::*;

    #[test]
    fn two_fields_default_the_rest() {
        assert_eq!(parse_id(b"8086:10ca"), Some([0x8086, 0x10ca, !0, !0, 0, 0]));
    }

    #[test]
    fn all_six_fields() {
        assert_eq!(parse_id(b"1:2:3:4:5:6"), Some([1, 2, 3, 4, 5, 6]));
    }

    #[test]
    fn too_few_fields_is_invalid() {
        assert_eq!(parse_id(b"8086"), None);
        assert_eq!(parse_id(b"zz:10ca"), None);
    }

    #[test]
    fn entries_skip_empty() {
        let mut it = entries(b"8086:10ca,,1af4:1000");
        assert_eq!(it.next(), Some(&b"8086:10ca"[..]));
        assert_eq!(it.next(), Some(&b"1af4:1000"[..]));
        assert_eq!(it.next(), None);
    }
}
