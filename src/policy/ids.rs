// SPDX-License-Identifier: GPL-2.0

//! The `ids=` module parameter, read as C vfio-pci's `vfio_pci_fill_ids()` reads it: entries
//! separated by ',' (empty ones skipped), each scanned with the kernel's
//! `sscanf(id, "%x:%x:%x:%x:%x:%x", ...)`, an entry with fewer than two fields refused.
//!
//! The kernel's `%x` (lib/vsprintf.c `vsscanf`, without a field width) is not glibc's: it
//! skips the kernel's `isspace()` bytes, which include Latin-1 NBSP (0xa0); it skips a "0x"
//! or "0X" even when no hex digit follows (the field then reads 0); it takes every hex digit
//! that follows, however many, keeps the low 32 bits of the value and, past 64 bits, stores
//! all ones (`_parse_integer_limit` saturates to `ULLONG_MAX`). The ':' between two fields
//! must be the very next byte. The first mismatch ends the scan; fields read so far count.

/// C `PCI_ANY_ID`.
pub const PCI_ANY_ID: u32 = !0;

/// The values of C's six variables before `sscanf`: subvendor and subdevice `PCI_ANY_ID`,
/// class and class mask 0 (vendor and device are unset in C and unused unless scanned).
const DEFAULTS: [u32; 6] = [0, 0, PCI_ANY_ID, PCI_ANY_ID, 0, 0];

/// What `sscanf` leaves: its return value and the six variables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdScan {
    /// The number of fields converted (`sscanf`'s return value).
    pub fields: usize,
    /// Vendor, device, subvendor, subdevice, class, class mask.
    pub values: [u32; 6],
}

/// One non-empty entry of the parameter, and what C does with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdEntry<'a> {
    /// Fewer than two fields: C warns `invalid id string "ENTRY"`.
    Invalid(&'a [u8]),
    /// C adds this dynamic id: vendor, device, subvendor, subdevice, class, class mask.
    Add([u32; 6]),
}

/// The entries of the parameter, in order, as `strsep(&p, ",")` cuts them, without the
/// empty ones.
pub fn entries(param: &[u8]) -> impl Iterator<Item = IdEntry<'_>> {
    param
        .split(|&b| b == b',')
        .filter(|e| !e.is_empty())
        .map(|entry| match scan_id(entry) {
            IdScan { fields, values } if fields >= 2 => IdEntry::Add(values),
            _ => IdEntry::Invalid(entry),
        })
}

/// `sscanf(entry, "%x:%x:%x:%x:%x:%x", ...)` with C's initial values.
pub fn scan_id(entry: &[u8]) -> IdScan {
    let mut values = DEFAULTS;
    let mut fields = 0;
    let mut rest = entry;
    for slot in values.iter_mut() {
        if fields > 0 {
            // A literal of the format matches one byte exactly, spaces included.
            match rest.split_first() {
                Some((b':', after)) => rest = after,
                _ => break,
            }
        }
        let Some((value, after)) = scan_hex(rest) else {
            break;
        };
        *slot = value;
        fields += 1;
        rest = after;
    }
    IdScan { fields, values }
}

/// The kernel's `isspace()`: the `_S` bytes of lib/ctype.c's table.
const fn is_space(b: u8) -> bool {
    matches!(b, b'\t'..=b'\r' | b' ' | 0xa0)
}

/// One `%x` into an `unsigned int`: the value and the rest, or `None` where `vsscanf`
/// stops (no byte left, or no hex digit after the spaces).
fn scan_hex(s: &[u8]) -> Option<(u32, &[u8])> {
    let start = s.iter().position(|&b| !is_space(b))?;
    let s = s.get(start..)?;
    if !s.first()?.is_ascii_hexdigit() {
        return None;
    }
    // `_parse_integer_fixup_radix` drops the prefix whatever follows it.
    let digits = match s {
        [b'0', b'x' | b'X', rest @ ..] => rest,
        _ => s,
    };
    let mut value = 0u64;
    let mut len = 0;
    for d in digits.iter().map_while(|&b| char::from(b).to_digit(16)) {
        // Past 64 bits C stores ULLONG_MAX and keeps consuming digits.
        value = value
            .checked_mul(16)
            .and_then(|v| v.checked_add(u64::from(d)))
            .unwrap_or(u64::MAX);
        len += 1;
    }
    // C stores the `unsigned long long` into an `unsigned int`: the low 32 bits.
    Some((value as u32, digits.get(len..)?))
}

/// Line-by-line transliteration of the C code, to test the above against.
///
/// It reads buffers as C does, one byte at a time up to a NUL (the end of a slice reads as
/// NUL).
#[cfg(any(test, feature = "reference-model"))]
#[doc(hidden)]
pub mod reference {
    const U: u8 = 0x01; // upper
    const L: u8 = 0x02; // lower
    const D: u8 = 0x04; // digit
    const C: u8 = 0x08; // cntrl
    const P: u8 = 0x10; // punct
    const S: u8 = 0x20; // white space (space/lf/tab)
    const X: u8 = 0x40; // hex digit
    const SP: u8 = 0x80; // hard space (0x20)

    /// lib/ctype.c `_ctype[]`.
    #[rustfmt::skip]
    const CTYPE: [u8; 256] = [
        C,C,C,C,C,C,C,C,                                 /* 0-7 */
        C,C|S,C|S,C|S,C|S,C|S,C,C,                       /* 8-15 */
        C,C,C,C,C,C,C,C,                                 /* 16-23 */
        C,C,C,C,C,C,C,C,                                 /* 24-31 */
        S|SP,P,P,P,P,P,P,P,                              /* 32-39 */
        P,P,P,P,P,P,P,P,                                 /* 40-47 */
        D,D,D,D,D,D,D,D,                                 /* 48-55 */
        D,D,P,P,P,P,P,P,                                 /* 56-63 */
        P,U|X,U|X,U|X,U|X,U|X,U|X,U,                     /* 64-71 */
        U,U,U,U,U,U,U,U,                                 /* 72-79 */
        U,U,U,U,U,U,U,U,                                 /* 80-87 */
        U,U,U,P,P,P,P,P,                                 /* 88-95 */
        P,L|X,L|X,L|X,L|X,L|X,L|X,L,                     /* 96-103 */
        L,L,L,L,L,L,L,L,                                 /* 104-111 */
        L,L,L,L,L,L,L,L,                                 /* 112-119 */
        L,L,L,P,P,P,P,C,                                 /* 120-127 */
        0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,                 /* 128-143 */
        0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,                 /* 144-159 */
        S|SP,P,P,P,P,P,P,P,P,P,P,P,P,P,P,P,              /* 160-175 */
        P,P,P,P,P,P,P,P,P,P,P,P,P,P,P,P,                 /* 176-191 */
        U,U,U,U,U,U,U,U,U,U,U,U,U,U,U,U,                 /* 192-207 */
        U,U,U,U,U,U,U,P,U,U,U,U,U,U,U,L,                 /* 208-223 */
        L,L,L,L,L,L,L,L,L,L,L,L,L,L,L,L,                 /* 224-239 */
        L,L,L,L,L,L,L,P,L,L,L,L,L,L,L,L,                 /* 240-255 */
    ];

    const INT_MAX: usize = i32::MAX as usize;
    const ULLONG_MAX: u64 = u64::MAX;
    const KSTRTOX_OVERFLOW: u32 = 1 << 31;
    const PCI_ANY_ID: u32 = !0;

    /// Byte `i` of a C string held in `s`.
    fn at(s: &[u8], i: usize) -> u8 {
        s.get(i).copied().unwrap_or(0)
    }

    /// `__ismask(c)`: a `u8` always indexes the 256 entries.
    fn ismask(c: u8) -> u8 {
        CTYPE.get(usize::from(c)).copied().unwrap_or(0)
    }

    fn isspace(c: u8) -> bool {
        ismask(c) & S != 0
    }

    fn isxdigit(c: u8) -> bool {
        ismask(c) & (D | X) != 0
    }

    fn isdigit(c: u8) -> bool {
        c.is_ascii_digit()
    }

    fn _tolower(c: u8) -> u8 {
        c | 0x20
    }

    fn skip_spaces(s: &[u8], mut p: usize) -> usize {
        while isspace(at(s, p)) {
            p += 1;
        }
        p
    }

    fn skip_atoi(s: &[u8], p: &mut usize) -> i32 {
        let mut i: i32 = 0;
        loop {
            i = i
                .wrapping_mul(10)
                .wrapping_add(i32::from(at(s, *p)) - i32::from(b'0'));
            *p += 1;
            if !isdigit(at(s, *p)) {
                break;
            }
        }
        i
    }

    /// lib/kstrtox.c `_parse_integer_fixup_radix()`.
    fn _parse_integer_fixup_radix(s: &[u8], mut p: usize, base: &mut u32) -> usize {
        if *base == 0 {
            if at(s, p) == b'0' {
                if _tolower(at(s, p + 1)) == b'x' && isxdigit(at(s, p + 2)) {
                    *base = 16;
                } else {
                    *base = 8;
                }
            } else {
                *base = 10;
            }
        }
        if *base == 16 && at(s, p) == b'0' && _tolower(at(s, p + 1)) == b'x' {
            p += 2;
        }
        p
    }

    /// lib/kstrtox.c `_parse_integer_limit()`.
    fn _parse_integer_limit(
        s: &[u8],
        mut p: usize,
        base: u32,
        res_out: &mut u64,
        max_chars: usize,
        init: u64,
    ) -> u32 {
        let mut overflow = 0;
        let mut res = init;
        let mut rv: u32 = 0;
        while (rv as usize) < max_chars {
            let c = at(s, p);
            let lc = _tolower(c);
            let val;

            if c.is_ascii_digit() {
                val = u32::from(c - b'0');
            } else if (b'a'..=b'f').contains(&lc) {
                val = u32::from(lc - b'a') + 10;
            } else {
                break;
            }

            if val >= base {
                break;
            }
            // Check for overflow only if we are within range of it in the max base (16).
            if res & (!0u64 << 60) != 0 {
                match res
                    .checked_mul(u64::from(base))
                    .and_then(|r| r.checked_add(u64::from(val)))
                {
                    Some(r) => res = r,
                    None => {
                        res = ULLONG_MAX;
                        overflow = KSTRTOX_OVERFLOW;
                    }
                }
            } else {
                res = res * u64::from(base) + u64::from(val);
            }
            rv += 1;
            p += 1;
        }
        *res_out = res;
        rv | overflow
    }

    /// lib/vsprintf.c `simple_strntoull()`.
    fn simple_strntoull(
        s: &[u8],
        startp: usize,
        endp: &mut usize,
        mut base: u32,
        max_chars: usize,
    ) -> u64 {
        let mut result = 0u64;
        let mut cp = _parse_integer_fixup_radix(s, startp, &mut base);
        let prefix_chars = cp - startp;
        if prefix_chars < max_chars {
            let rv = _parse_integer_limit(s, cp, base, &mut result, max_chars - prefix_chars, 0);
            cp += (rv & !KSTRTOX_OVERFLOW) as usize;
        } else {
            cp = startp + max_chars;
        }
        *endp = cp;
        result
    }

    /// lib/vsprintf.c `vsscanf()` for formats of white space, literals and `%x`/`%X` with an
    /// optional field width into `unsigned int`s (what `vfio_pci_fill_ids()` uses); any
    /// other conversion ends the scan as an invalid one does in C.
    pub fn vsscanf(buf: &[u8], fmt: &[u8], args: &mut [u32]) -> i32 {
        let mut str_ = 0usize;
        let mut f = 0usize;
        let mut num: i32 = 0;

        while at(fmt, f) != 0 {
            // White space in the format matches any amount of white space, none included.
            if isspace(at(fmt, f)) {
                f += 1;
                f = skip_spaces(fmt, f);
                str_ = skip_spaces(buf, str_);
            }

            // Anything that is not a conversion must match exactly.
            if at(fmt, f) != b'%' && at(fmt, f) != 0 {
                let (a, b) = (at(fmt, f), at(buf, str_));
                f += 1;
                str_ += 1;
                if a != b {
                    break;
                }
                continue;
            }

            if at(fmt, f) == 0 {
                break;
            }
            f += 1;

            // `s16 field_width`.
            let mut field_width: i16 = -1;
            if isdigit(at(fmt, f)) {
                field_width = skip_atoi(fmt, &mut f) as i16;
                if field_width <= 0 {
                    break;
                }
            }

            if at(fmt, f) == 0 {
                break;
            }

            if at(buf, str_) == 0 {
                break;
            }

            let base = match at(fmt, f) {
                b'x' | b'X' => 16,
                _ => return num,
            };
            f += 1;

            // An integer conversion: first skip white space in the buffer.
            str_ = skip_spaces(buf, str_);

            let digit = at(buf, str_);
            if digit == 0 || (base == 16 && !isxdigit(digit)) {
                break;
            }

            let mut next = 0usize;
            let max = if field_width >= 0 {
                field_width as usize
            } else {
                INT_MAX
            };
            let val = simple_strntoull(buf, str_, &mut next, base, max);

            // `*va_arg(args, unsigned int *) = val.u;`
            if let Some(arg) = args.get_mut(num as usize) {
                *arg = val as u32;
            }
            num += 1;

            str_ = next;
        }

        num
    }

    /// C `vfio_pci_fill_ids()`, calling `out` with what each entry does: `Err(entry)` for
    /// the "invalid id string" warning, `Ok(values)` for `pci_add_dynid()`.
    pub fn vfio_pci_fill_ids(ids: &[u8], mut out: impl FnMut(Result<[u32; 6], &[u8]>)) {
        // No ids passed actually.
        if at(ids, 0) == 0 {
            return;
        }

        // `strsep(&p, ",")`: the NUL it writes over the ',' ends `id` here.
        let mut p = Some(0usize);
        while let Some(start) = p {
            let mut end = start;
            while at(ids, end) != 0 && at(ids, end) != b',' {
                end += 1;
            }
            p = if at(ids, end) == b',' {
                Some(end + 1)
            } else {
                None
            };
            let id = ids.get(start..end).unwrap_or(&[]);

            let mut v = [0, 0, PCI_ANY_ID, PCI_ANY_ID, 0, 0];

            if id.is_empty() {
                continue;
            }

            let fields = vsscanf(id, b"%x:%x:%x:%x:%x:%x", &mut v);

            if fields < 2 {
                out(Err(id));
                continue;
            }

            out(Ok(v));
        }
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::test_runner::Config;
    use std::vec::Vec;

    const ANY: u32 = PCI_ANY_ID;

    /// Scans with both implementations, checks they agree, returns ours.
    fn scan(entry: &[u8]) -> IdScan {
        let ours = scan_id(entry);
        let mut v = DEFAULTS;
        let fields = reference::vsscanf(entry, b"%x:%x:%x:%x:%x:%x", &mut v);
        assert_eq!(
            ours,
            IdScan {
                fields: fields as usize,
                values: v
            },
            "entry {:?}",
            entry.escape_ascii().to_string()
        );
        ours
    }

    fn id(entry: &[u8]) -> Option<[u32; 6]> {
        let s = scan(entry);
        (s.fields >= 2).then_some(s.values)
    }

    fn ours_all(param: &[u8]) -> Vec<Result<[u32; 6], Vec<u8>>> {
        entries(param)
            .map(|e| match e {
                IdEntry::Add(v) => Ok(v),
                IdEntry::Invalid(s) => Err(s.to_vec()),
            })
            .collect()
    }

    fn c_all(param: &[u8]) -> Vec<Result<[u32; 6], Vec<u8>>> {
        let mut v = Vec::new();
        reference::vfio_pci_fill_ids(param, |r| v.push(r.map_err(<[u8]>::to_vec)));
        v
    }

    #[test]
    fn two_fields_default_the_rest() {
        assert_eq!(id(b"8086:10ca"), Some([0x8086, 0x10ca, ANY, ANY, 0, 0]));
        assert_eq!(id(b"1:2:3:4:5:6"), Some([1, 2, 3, 4, 5, 6]));
        assert_eq!(id(b"1:2:3"), Some([1, 2, 3, ANY, 0, 0]));
    }

    #[test]
    fn scan_stops_at_the_first_byte_that_does_not_fit() {
        // A space is not the format's ':': the rest of the entry is never read.
        assert_eq!(
            id(b"8086:10ca 8086:10cb"),
            Some([0x8086, 0x10ca, ANY, ANY, 0, 0])
        );
        assert_eq!(id(b"8086:10cag:1"), Some([0x8086, 0x10ca, ANY, ANY, 0, 0]));
        assert_eq!(id(b"8086:10ca:"), Some([0x8086, 0x10ca, ANY, ANY, 0, 0]));
        assert_eq!(
            id(b"8086:10ca:1:2:3:4:5"),
            Some([0x8086, 0x10ca, 1, 2, 3, 4])
        );
        assert_eq!(scan(b"8086 :10ca").fields, 1);
        assert_eq!(id(b"8086 :10ca"), None);
        assert_eq!(id(b"8086"), None);
        assert_eq!(id(b"zz:10ca"), None);
        assert_eq!(id(b"-1:2"), None);
        assert_eq!(id(b"+1:2"), None);
        assert_eq!(id(b":"), None);
    }

    #[test]
    fn white_space_before_a_field_is_skipped() {
        let want = Some([0x8086, 0x10ca, ANY, ANY, 0, 0]);
        assert_eq!(id(b"8086: 10ca"), want);
        assert_eq!(id(b" \t\n\x0b\x0c\r8086:10ca"), want);
        // The kernel's isspace() includes Latin-1 NBSP.
        assert_eq!(id(b"8086:\xa010ca"), want);
        assert_eq!(id(b"8086:\x8510ca"), None);
        assert_eq!(id(b"8086:   "), None);
    }

    #[test]
    fn prefix_0x_is_skipped_even_without_digits() {
        assert_eq!(id(b"0x8086:0X10CA"), Some([0x8086, 0x10ca, ANY, ANY, 0, 0]));
        assert_eq!(id(b"0x:10ca"), Some([0, 0x10ca, ANY, ANY, 0, 0]));
        assert_eq!(id(b"8086:0x"), Some([0x8086, 0, ANY, ANY, 0, 0]));
        assert_eq!(
            id(b"8086:10ca:0x:0X:0x:0x"),
            Some([0x8086, 0x10ca, 0, 0, 0, 0])
        );
        assert_eq!(scan(b"0xx1:2").fields, 1);
        assert_eq!(id(b"x1:2"), None);
    }

    #[test]
    fn wide_values_keep_their_low_32_bits_and_saturate_past_64() {
        assert_eq!(id(b"123456789:1").unwrap()[0], 0x2345_6789);
        // 2^60: the low 32 bits are 0.
        assert_eq!(id(b"1000000000000000:1").unwrap()[0], 0);
        assert_eq!(id(b"ffffffffffffffff:1").unwrap()[0], !0);
        // 2^64 overflows: ULLONG_MAX, whose low 32 bits are all ones.
        assert_eq!(id(b"10000000000000000:1").unwrap()[0], !0);
        assert_eq!(
            id(b"0000000000000000000000000000000000008086:1").unwrap()[0],
            0x8086
        );
        assert_eq!(
            id(b"1:200000000000000000000000000000abcd:5").unwrap()[1..3],
            [!0, 5]
        );
    }

    #[test]
    fn entries_split_on_commas_and_skip_empty_ones() {
        let param = b",8086:10ca,,8086 :10cb,1af4:1000,";
        let want: Vec<Result<[u32; 6], Vec<u8>>> = Vec::from([
            Ok([0x8086, 0x10ca, ANY, ANY, 0, 0]),
            Err(b"8086 :10cb".to_vec()),
            Ok([0x1af4, 0x1000, ANY, ANY, 0, 0]),
        ]);
        assert_eq!(ours_all(param), want);
        assert_eq!(c_all(param), want);
        assert_eq!(ours_all(b""), Vec::new());
        assert_eq!(c_all(b""), Vec::new());
    }

    // ---- Properties against the reference model ----

    fn config(cases: u32) -> Config {
        Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        }
    }

    const PREFIXES: &[&[u8]] = &[b"0x", b"0X", b"0", b"x", b"X"];

    /// Pieces an entry is made of: what `%x` and ':' look at, and anything else.
    fn piece() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            4 => proptest::collection::vec(
                prop::sample::select(&b"0123456789abcdefABCDEF"[..]), 0..20),
            3 => Just(b":".to_vec()),
            1 => prop::sample::select(PREFIXES).prop_map(<[u8]>::to_vec),
            1 => prop::sample::select(&b" \t\n\x0b\x0c\r\xa0\x85\x00,-+gG"[..])
                .prop_map(|b| Vec::from([b])),
            1 => any::<u8>().prop_map(|b| Vec::from([b])),
        ]
    }

    fn entry() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(piece(), 0..16).prop_map(|p| p.concat())
    }

    proptest! {
        #![proptest_config(config(8192))]

        #[test]
        fn scan_agrees_with_c_on_grammar(e in entry()) {
            scan(&e);
        }

        #[test]
        fn scan_agrees_with_c_on_bytes(e in proptest::collection::vec(any::<u8>(), 0..24)) {
            scan(&e);
        }

        #[test]
        fn entries_agree_with_c(param in proptest::collection::vec(entry(), 0..6)) {
            let param = param.join(&b","[..]);
            // A module parameter never holds a NUL; C's strsep would stop there.
            let param: Vec<u8> = param.into_iter().filter(|&b| b != 0).collect();
            prop_assert_eq!(ours_all(&param), c_all(&param));
        }
    }
}
