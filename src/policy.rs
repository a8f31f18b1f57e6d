// SPDX-License-Identifier: GPL-2.0

//! VF token policy of vfio-pci, as pure `core` code.
//!
//! Mirrors `vfio_pci_core_match()`, `vfio_pci_core_match_token_uuid()` and
//! the `VFIO_DEVICE_FEATURE_PCI_VF_TOKEN` argument checks of the C driver
//! (`drivers/vfio/pci/vfio_pci_core.c`), so that they can be tested on the
//! host. Nothing here locks: the kernel side holds the token's mutex
//! (vfio_pci_core's, which keeps the token) while it calls in.
//!
//! The same file is a crate root on the host and a submodule in the kernel
//! module, so it has no crate attributes but a lint level, and uses only `core`.

// Plain Rust, no kernel dependency and no unsafe code: the compiler holds it.
#![deny(unsafe_code)]

use core::fmt;

// Relative to this file's folder both as the host's crate root and as the kernel's module.
#[path = "policy/ids.rs"]
pub mod ids;

/// Length of a UUID in text form (C `UUID_STRING_LEN`).
pub const UUID_STRING_LEN: usize = 36;

/// The option that carries a VF token after the device name.
pub const VF_TOKEN_ARG: &[u8] = b"vf_token=";

/// `VFIO_DEVICE_FEATURE_GET` flag of `struct vfio_device_feature`.
pub const VFIO_DEVICE_FEATURE_GET: u32 = 1 << 16;
/// `VFIO_DEVICE_FEATURE_SET` flag of `struct vfio_device_feature`.
pub const VFIO_DEVICE_FEATURE_SET: u32 = 1 << 17;
/// `VFIO_DEVICE_FEATURE_PROBE` flag of `struct vfio_device_feature`.
pub const VFIO_DEVICE_FEATURE_PROBE: u32 = 1 << 18;

/// Minimum argument size of the `PCI_VF_TOKEN` feature: one `uuid_t`.
pub const VF_TOKEN_FEATURE_MINSZ: usize = 16;

// Negative errnos, as the C functions return them.
const NEG_EACCES: i32 = -13;
const NEG_EINVAL: i32 = -22;

/// Malformed user text; every variant is `-EINVAL`, as in C.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyError {
    /// The text is not `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in hex.
    InvalidUuid,
    /// Fewer than 36 bytes follow `vf_token=`.
    TokenTooShort,
    /// An option after the device name is unknown or repeated.
    UnknownOption,
}

impl PolicyError {
    /// The negative errno C returns for this error.
    pub const fn errno(&self) -> i32 {
        NEG_EINVAL
    }
}

/// A VF token, in the byte order of C `uuid_t`.
///
/// `Debug` hides the bytes and `==` is constant time, so that a token
/// neither ends up in a log nor leaks through timing.
///
/// Transparent, so that the kernel side can lend a C `uuid_t` (16 bytes) as one.
#[derive(Clone, Copy, Default)]
#[repr(transparent)]
pub struct Uuid(pub [u8; 16]);

impl Uuid {
    /// The all-zero UUID.
    pub const NIL: Uuid = Uuid([0; 16]);

    /// Parses the first 36 bytes of `text` like C `uuid_parse()`.
    ///
    /// Dashes must sit at 8, 13, 18 and 23, hex digits of either case
    /// everywhere else; bytes past the 36th are not looked at. No branch
    /// depends on the digits (they are a secret): every byte is decoded and
    /// the errors are collected into one flag, looked at once at the end.
    pub fn parse(text: &[u8]) -> Result<Uuid, PolicyError> {
        let Some(text) = text.first_chunk::<UUID_STRING_LEN>() else {
            return Err(PolicyError::InvalidUuid);
        };
        let mut out = [0u8; 16];
        // Negative as soon as one digit is not hex or one dash is missing.
        let mut bad = 0i32;
        for &at in &UUID_DASH_AT {
            bad |= -i32::from(text.get(at).is_none_or(|&c| c != b'-'));
        }
        // C's index table `si`: where each byte's two digits start, in order.
        for (byte, &at) in out.iter_mut().zip(UUID_DIGITS_AT.iter()) {
            let (hi, lo) = match (text.get(at), text.get(at + 1)) {
                (Some(&hi), Some(&lo)) => (hex_value(hi), hex_value(lo)),
                _ => (-1, -1),
            };
            bad |= hi | lo;
            // Both are 0..=15 when `bad` stays non-negative; the cast only
            // keeps the low byte otherwise, and then the result is dropped.
            *byte = ((hi << 4) | lo) as u8;
        }
        if bad < 0 {
            return Err(PolicyError::InvalidUuid);
        }
        Ok(Uuid(out))
    }

    /// The UUID whose bytes lie in memory as `words` do: a `uuid_t` read as two
    /// aligned words (cheaper to copy from user memory than 16 single bytes).
    pub fn from_ne_words(words: [u64; 2]) -> Uuid {
        let [a, b] = words.map(u64::to_ne_bytes);
        Uuid([
            a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], b[0], b[1], b[2], b[3], b[4], b[5],
            b[6], b[7],
        ])
    }

    /// Compares in constant time: every byte is looked at, whatever differs.
    pub fn ct_eq(&self, other: &Uuid) -> bool {
        // One 128-bit xor has no early exit; black_box keeps the optimiser
        // from turning the test into a byte-by-byte compare.
        let diff = u128::from_ne_bytes(self.0) ^ u128::from_ne_bytes(other.0);
        core::hint::black_box(diff) == 0
    }
}

/// Where the dashes of a UUID's text form sit.
const UUID_DASH_AT: [usize; 4] = [8, 13, 18, 23];
/// Where the two hex digits of each byte start (C `uuid_parse()`'s `si`).
const UUID_DIGITS_AT: [usize; 16] = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

impl PartialEq for Uuid {
    fn eq(&self, other: &Uuid) -> bool {
        self.ct_eq(other)
    }
}

impl Eq for Uuid {}

impl fmt::Debug for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Uuid(<redacted>)")
    }
}

/// Value of one hex digit, or -1, like C `hex_to_bin()`.
///
/// Kept free of data-dependent branches as C's is, because the digits
/// are a secret token.
fn hex_value(ch: u8) -> i32 {
    let ch = i32::from(ch);
    let cu = ch & 0xdf;
    // `(c - hi - 1) & (lo - 1 - c)` is negative only when `lo <= c <= hi`;
    // shifted right it becomes a mask that keeps the digit's value there
    // and is zero elsewhere.
    let digit = (ch - i32::from(b'0') + 1)
        & (((ch - i32::from(b'9') - 1) & (i32::from(b'0') - 1 - ch)) >> 8);
    let letter = (cu - i32::from(b'A') + 11)
        & (((cu - i32::from(b'F') - 1) & (i32::from(b'A') - 1 - cu)) >> 8);
    digit + letter - 1
}

/// What a device match string asks of one device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchRequest {
    /// The string names another device.
    NoMatch,
    /// The string names this device, with or without a VF token.
    Match {
        /// The `vf_token=` UUID, if one was given.
        token: Option<Uuid>,
    },
}

/// Parses a device match string like the grammar part of C
/// `vfio_pci_core_match()`.
///
/// `name` is the device's `pci_name()`, `buf` the user string. Both are
/// read as C strings: a NUL byte ends them. The token rules are a separate
/// step, [`check_token`], to be run on [`MatchRequest::Match`].
pub fn parse_match(name: &[u8], buf: &[u8]) -> Result<MatchRequest, PolicyError> {
    parse_match_cstr(until_nul(name), until_nul(buf))
}

/// [`parse_match`] for strings that hold no NUL byte, e.g. the bytes of a
/// kernel `CStr` without its terminator: it does not scan them for one.
pub fn parse_match_cstr(name: &[u8], buf: &[u8]) -> Result<MatchRequest, PolicyError> {
    let Some(mut rest) = buf.strip_prefix(name) else {
        return Ok(MatchRequest::NoMatch);
    };
    // Anything after the name must start with a space, or it is the name
    // of another device (e.g. function 1 vs a longer "function 10").
    if rest.first().is_some_and(|&c| c != b' ') {
        return Ok(MatchRequest::NoMatch);
    }

    let mut token = None;
    loop {
        match rest {
            [] => break,
            [b' ', tail @ ..] => rest = tail,
            _ => {
                let arg = match rest.strip_prefix(VF_TOKEN_ARG) {
                    // C rejects a second vf_token= as an unknown option.
                    Some(arg) if token.is_none() => arg,
                    _ => return Err(PolicyError::UnknownOption),
                };
                let Some((text, tail)) = arg.split_at_checked(UUID_STRING_LEN) else {
                    return Err(PolicyError::TokenTooShort);
                };
                token = Some(Uuid::parse(text)?);
                rest = tail;
            }
        }
    }
    Ok(MatchRequest::Match { token })
}

/// The part of `s` that C sees as a string: up to the first NUL.
fn until_nul(s: &[u8]) -> &[u8] {
    match s.iter().position(|&c| c == 0) {
        Some(end) => s.get(..end).unwrap_or(s),
        None => s,
    }
}

/// The rule where a token is required: it must be given and be `token`.
fn verify(token: &Uuid, given: Option<&Uuid>) -> Result<(), Denial> {
    match given {
        None => Err(Denial::TokenRequired),
        Some(uuid) if token.ct_eq(uuid) => Ok(()),
        Some(_) => Err(Denial::IncorrectToken),
    }
}

/// Where the device being opened stands in SR-IOV, with the PF's token its
/// rules read: vfio_pci_core's `struct vfio_pci_vf_token`, which the
/// caller has locked and lends here.
#[derive(Debug)]
pub enum Role<'a> {
    /// A PF bound to vfio-pci (C: `vdev->vf_token` is set), with how many
    /// of its VFs are open (the core's count, a C `int`). A token given
    /// while no VF is open becomes the new token.
    Pf {
        /// The PF's token.
        token: &'a mut Uuid,
        /// The core's count of the PF's open VFs.
        vf_users: i32,
    },
    /// A VF whose PF is bound to vfio-pci (C: `vdev->sriov_pf_core_dev`),
    /// with that PF's token.
    VfOfOurPf(&'a Uuid),
    /// A VF whose PF is not bound to vfio-pci.
    VfOfForeignPf,
    /// Neither an SR-IOV PF nor a VF.
    Neither,
}

/// Why a device was refused; the kernel logs [`Denial::message`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Denial {
    /// No token given where one is needed (`-EACCES`).
    TokenRequired,
    /// The given token is not the PF's (`-EACCES`).
    IncorrectToken,
    /// A token given for a VF whose PF is not ours (`-EINVAL`).
    PfNotBound,
    /// A token given for a device that is neither PF nor VF (`-EINVAL`).
    NotPfOrVf,
}

impl Denial {
    /// The negative errno C returns.
    pub const fn errno(&self) -> i32 {
        match self {
            Denial::TokenRequired | Denial::IncorrectToken => NEG_EACCES,
            Denial::PfNotBound | Denial::NotPfOrVf => NEG_EINVAL,
        }
    }

    /// The line C logs with `pci_info_ratelimited()`, without its newline.
    pub const fn message(&self) -> &'static str {
        match self {
            Denial::TokenRequired => "VF token required to access device",
            Denial::IncorrectToken => "Incorrect VF token provided for device",
            Denial::PfNotBound => "VF token incorrectly provided, PF not bound to vfio-pci",
            Denial::NotPfOrVf => "VF token incorrectly provided, not a PF or VF",
        }
    }
}

/// Applies the token rules of C `vfio_pci_core_match_token_uuid()`.
///
/// For [`Role::Pf`] with no VF open, a given token is stored: that is how
/// userspace sets the token when it opens the PF.
pub fn check_token(role: Role<'_>, given: Option<&Uuid>) -> Result<(), Denial> {
    match role {
        Role::VfOfOurPf(token) => verify(token, given),
        Role::VfOfForeignPf => match given {
            Some(_) => Err(Denial::PfNotBound),
            None => Ok(()),
        },
        // As C: any count but zero means VFs are in use.
        Role::Pf { token, vf_users } => {
            if vf_users != 0 {
                return verify(token, given);
            }
            if let Some(uuid) = given {
                *token = *uuid;
            }
            Ok(())
        }
        Role::Neither => match given {
            Some(_) => Err(Denial::NotPfOrVf),
            None => Ok(()),
        },
    }
}

/// The part of a VF's check that needs no token state: a token must be given. Callers may run
/// it before locking the PF's state; `check_token` gives the same verdict.
pub fn vf_token_given(given: Option<&Uuid>) -> Result<(), Denial> {
    match given {
        None => Err(Denial::TokenRequired),
        Some(_) => Ok(()),
    }
}

/// How a device feature request goes on after its argument check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeatureStep {
    /// A probe that succeeded: return 0 without touching the argument.
    Probed,
    /// GET or SET with a big enough argument: carry it out.
    Proceed,
}

/// A device feature request the driver refuses; every variant is `-EINVAL`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeatureError {
    /// GET or SET asked where the feature does not support it.
    UnsupportedOp,
    /// Neither GET, SET nor PROBE was asked.
    NoOp,
    /// The argument is smaller than the feature's data.
    ArgTooSmall,
}

impl FeatureError {
    /// The negative errno C returns.
    pub const fn errno(&self) -> i32 {
        NEG_EINVAL
    }
}

/// Checks a feature request like C `vfio_check_feature()`.
///
/// `supported_ops` holds the GET/SET flags the feature allows; `minsz` is
/// the size of its data.
pub fn check_feature(
    flags: u32,
    argsz: usize,
    supported_ops: u32,
    minsz: usize,
) -> Result<FeatureStep, FeatureError> {
    let ops = flags & (VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET);
    if ops & !supported_ops != 0 {
        return Err(FeatureError::UnsupportedOp);
    }
    if flags & VFIO_DEVICE_FEATURE_PROBE != 0 {
        return Ok(FeatureStep::Probed);
    }
    if ops == 0 {
        return Err(FeatureError::NoOp);
    }
    if argsz < minsz {
        return Err(FeatureError::ArgTooSmall);
    }
    Ok(FeatureStep::Proceed)
}

/// [`check_feature`] for a SET-only feature such as `PCI_VF_TOKEN`, which
/// has no GET so that a token cannot be read back.
pub fn check_feature_set(
    flags: u32,
    argsz: usize,
    minsz: usize,
) -> Result<FeatureStep, FeatureError> {
    check_feature(flags, argsz, VFIO_DEVICE_FEATURE_SET, minsz)
}

/// Line-by-line transliterations of the C code, to test the above against.
///
/// They read buffers as C does, one byte at a time up to a NUL (the end of
/// a slice reads as NUL), and return C's `int`s.
#[cfg(any(test, feature = "reference-model"))]
#[doc(hidden)]
pub mod reference {
    /// C `struct vfio_pci_vf_token` without its lock (`users` is an `int`).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    pub struct VfToken {
        /// The token.
        pub uuid: [u8; 16],
        /// Open VFs.
        pub users: i32,
    }

    /// Byte `i` of a C string held in `s`.
    fn at(s: &[u8], i: usize) -> u8 {
        s.get(i).copied().unwrap_or(0)
    }

    fn strlen(s: &[u8], p: usize) -> usize {
        let mut n = 0;
        while at(s, p + n) != 0 {
            n += 1;
        }
        n
    }

    fn strncmp(a: &[u8], pa: usize, b: &[u8], pb: usize, n: usize) -> i32 {
        for k in 0..n {
            let (x, y) = (at(a, pa + k), at(b, pb + k));
            if x != y {
                return i32::from(x) - i32::from(y);
            }
            if x == 0 {
                return 0;
            }
        }
        0
    }

    fn isxdigit(c: u8) -> bool {
        c.is_ascii_hexdigit()
    }

    fn hex_to_bin(c: u8) -> i32 {
        match c {
            b'0'..=b'9' => i32::from(c - b'0'),
            b'a'..=b'f' => i32::from(c - b'a') + 10,
            b'A'..=b'F' => i32::from(c - b'A') + 10,
            _ => -1,
        }
    }

    fn uuid_is_valid(s: &[u8], p: usize) -> bool {
        for i in 0..36 {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                if at(s, p + i) != b'-' {
                    return false;
                }
            } else if !isxdigit(at(s, p + i)) {
                return false;
            }
        }
        true
    }

    /// C `uuid_parse()` of the string at `s[p..]`: 0 or -EINVAL.
    pub fn uuid_parse(s: &[u8], p: usize, b: &mut [u8; 16]) -> i32 {
        const SI: [usize; 16] = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
        if !uuid_is_valid(s, p) {
            return -22;
        }
        for (dst, &si) in b.iter_mut().zip(SI.iter()) {
            let hi = hex_to_bin(at(s, p + si));
            let lo = hex_to_bin(at(s, p + si + 1));
            *dst = u8::try_from(((hi << 4) | lo) & 0xff).unwrap_or(0);
        }
        0
    }

    /// C `vfio_pci_core_match()` up to the token rules: returns -EINVAL,
    /// 0 (no match) or 1 (match) with the parsed token, if any.
    pub fn vfio_pci_core_match(name: &[u8], buf: &[u8]) -> (i32, Option<[u8; 16]>) {
        let mut vf_token = false;
        let mut uuid = [0u8; 16];
        let mut p = 0usize;

        if strncmp(name, 0, buf, p, strlen(name, 0)) != 0 {
            return (0, None);
        }

        if strlen(buf, p) > strlen(name, 0) {
            p += strlen(name, 0);

            if at(buf, p) != b' ' {
                return (0, None);
            }

            while at(buf, p) != 0 {
                if at(buf, p) == b' ' {
                    p += 1;
                    continue;
                }

                if !vf_token && strncmp(buf, p, b"vf_token=", 0, 9) == 0 {
                    p += 9;

                    if strlen(buf, p) < 36 {
                        return (-22, None);
                    }

                    let ret = uuid_parse(buf, p, &mut uuid);
                    if ret != 0 {
                        return (ret, None);
                    }

                    vf_token = true;
                    p += 36;
                } else {
                    return (-22, None);
                }
            }
        }

        (1, if vf_token { Some(uuid) } else { None })
    }

    /// C `vfio_pci_core_match_token_uuid()`: the return value and the line
    /// it logs. `pf_token` is the VF's PF token (None: PF not ours),
    /// `own_token` a non-VF's own token (None: not a PF).
    pub fn match_token_uuid(
        is_virtfn: bool,
        pf_token: Option<&VfToken>,
        own_token: Option<&mut VfToken>,
        uuid: Option<&[u8; 16]>,
    ) -> (i32, Option<&'static str>) {
        if is_virtfn {
            let Some(pf) = pf_token else {
                if uuid.is_none() {
                    return (0, None);
                }
                return (
                    -22,
                    Some("VF token incorrectly provided, PF not bound to vfio-pci"),
                );
            };
            let Some(uuid) = uuid else {
                return (-13, Some("VF token required to access device"));
            };
            if *uuid != pf.uuid {
                return (-13, Some("Incorrect VF token provided for device"));
            }
        } else if let Some(token) = own_token {
            if token.users != 0 {
                let Some(uuid) = uuid else {
                    return (-13, Some("VF token required to access device"));
                };
                if *uuid != token.uuid {
                    return (-13, Some("Incorrect VF token provided for device"));
                }
            } else if let Some(uuid) = uuid {
                token.uuid = *uuid;
            }
        } else if uuid.is_some() {
            return (-22, Some("VF token incorrectly provided, not a PF or VF"));
        }
        (0, None)
    }

    /// C `vfio_check_feature()`.
    pub fn vfio_check_feature(flags: u32, argsz: usize, supported_ops: u32, minsz: usize) -> i32 {
        const GET: u32 = 1 << 16;
        const SET: u32 = 1 << 17;
        const PROBE: u32 = 1 << 18;
        if (flags & (GET | SET)) & !supported_ops != 0 {
            return -22;
        }
        if flags & PROBE != 0 {
            return 0;
        }
        if flags & (GET | SET) == 0 {
            return -22;
        }
        if argsz < minsz {
            return -22;
        }
        1
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
    use std::format;
    use std::vec::Vec;

    const NAME: &[u8] = b"0000:01:10.0";
    const TOKEN: &str = "bd8d9d2b-5a5f-4f5a-a211-f591514ba1f3";
    const TOKEN_BYTES: [u8; 16] = [
        0xbd, 0x8d, 0x9d, 0x2b, 0x5a, 0x5f, 0x4f, 0x5a, 0xa2, 0x11, 0xf5, 0x91, 0x51, 0x4b, 0xa1,
        0xf3,
    ];

    /// Parses with both implementations, checks they agree, returns ours.
    fn parse(name: &[u8], buf: &[u8]) -> Result<MatchRequest, PolicyError> {
        let ours = parse_match(name, buf);
        assert_eq!(outcome(&ours), reference::vfio_pci_core_match(name, buf));
        ours
    }

    /// Our result in the reference model's terms.
    fn outcome(r: &Result<MatchRequest, PolicyError>) -> (i32, Option<[u8; 16]>) {
        match r {
            Err(e) => (e.errno(), None),
            Ok(MatchRequest::NoMatch) => (0, None),
            Ok(MatchRequest::Match { token }) => (1, token.map(|u| u.0)),
        }
    }

    fn buf(tail: &str) -> Vec<u8> {
        let mut v = NAME.to_vec();
        v.extend_from_slice(tail.as_bytes());
        v
    }

    fn matched(token: Option<[u8; 16]>) -> Result<MatchRequest, PolicyError> {
        Ok(MatchRequest::Match {
            token: token.map(Uuid),
        })
    }

    // ---- UUID text ----

    #[test]
    fn uuid_parses_in_uuid_t_byte_order() {
        assert_eq!(Uuid::parse(TOKEN.as_bytes()).unwrap().0, TOKEN_BYTES);
        let upper = TOKEN.to_ascii_uppercase();
        assert_eq!(Uuid::parse(upper.as_bytes()).unwrap().0, TOKEN_BYTES);
        let mixed = "Bd8D9d2B-5A5f-4F5a-A211-f591514BA1F3";
        assert_eq!(Uuid::parse(mixed.as_bytes()).unwrap().0, TOKEN_BYTES);
    }

    #[test]
    fn uuid_looks_only_at_36_bytes() {
        let long = format!("{TOKEN}garbage");
        assert_eq!(Uuid::parse(long.as_bytes()).unwrap().0, TOKEN_BYTES);
        assert_eq!(
            Uuid::parse(&TOKEN.as_bytes()[..35]),
            Err(PolicyError::InvalidUuid)
        );
        assert_eq!(Uuid::parse(b""), Err(PolicyError::InvalidUuid));
    }

    #[test]
    fn uuid_rejects_malformed_text() {
        for bad in [
            "{bd8d9d2b-5a5f-4f5a-a211-f591514ba1f}",
            "bd8d9d2b05a5f-4f5a-a211-f591514ba1f3",
            "bd8d9d2b-5a5f-4f5a-a211-f591514ba1g3",
            "bd8d9d2b5a5f-4f5a-a211-f591514ba1f3-",
            "bd8d9d2b-5a5f-4f5a-a211-f591514ba1\x003",
            "bd8d9d2b-5a5f-4f5a-a211+f591514ba1f3",
            "bd8d9d2b-5a5f-4f5a-a211-f591514ba1 3",
        ] {
            assert_eq!(
                Uuid::parse(bad.as_bytes()),
                Err(PolicyError::InvalidUuid),
                "{bad}"
            );
        }
    }

    #[test]
    fn hex_value_matches_reference_for_every_byte() {
        for c in 0..=255u8 {
            let expect = match c {
                b'0'..=b'9' => i32::from(c - b'0'),
                b'a'..=b'f' => i32::from(c - b'a' + 10),
                b'A'..=b'F' => i32::from(c - b'A' + 10),
                _ => -1,
            };
            assert_eq!(hex_value(c), expect, "byte {c:#x}");
        }
    }

    #[test]
    fn from_ne_words_keeps_the_memory_order() {
        let words: [u64; 2] = [
            u64::from_ne_bytes(TOKEN_BYTES[..8].try_into().unwrap()),
            u64::from_ne_bytes(TOKEN_BYTES[8..].try_into().unwrap()),
        ];
        assert_eq!(Uuid::from_ne_words(words).0, TOKEN_BYTES);
    }

    #[test]
    fn ct_eq_sees_every_byte() {
        let a = Uuid(TOKEN_BYTES);
        assert!(a.ct_eq(&Uuid(TOKEN_BYTES)));
        for i in 0..16 {
            for bit in 0..8 {
                let mut b = TOKEN_BYTES;
                b[i] ^= 1 << bit;
                assert!(!a.ct_eq(&Uuid(b)));
                assert_ne!(a, Uuid(b));
            }
        }
    }

    #[test]
    fn debug_never_shows_token_bytes() {
        let u = Uuid(TOKEN_BYTES);
        assert_eq!(format!("{u:?}"), "Uuid(<redacted>)");
        let req = format!("{:?}", MatchRequest::Match { token: Some(u) });
        let mut t = u;
        let state = format!(
            "{:?}",
            Role::Pf {
                token: &mut t,
                vf_users: 1
            }
        );
        for text in [req, state, format!("{u:#?}")] {
            assert!(!text.contains("bd") && !text.contains("189"), "{text}");
        }
    }

    // ---- Match string grammar ----

    #[test]
    fn exact_name_matches_without_token() {
        assert_eq!(parse(NAME, NAME), matched(None));
        assert_eq!(parse(NAME, &buf(" ")), matched(None));
        assert_eq!(parse(NAME, &buf("    ")), matched(None));
    }

    #[test]
    fn token_after_spaces_is_parsed() {
        let t = Some(TOKEN_BYTES);
        assert_eq!(parse(NAME, &buf(&format!(" vf_token={TOKEN}"))), matched(t));
        assert_eq!(
            parse(NAME, &buf(&format!("  vf_token={TOKEN}"))),
            matched(t)
        );
        assert_eq!(
            parse(NAME, &buf(&format!(" vf_token={TOKEN}   "))),
            matched(t)
        );
        let upper = TOKEN.to_ascii_uppercase();
        assert_eq!(parse(NAME, &buf(&format!(" vf_token={upper}"))), matched(t));
    }

    #[test]
    fn tab_is_not_a_separator() {
        assert_eq!(parse(NAME, &buf("\t")), Ok(MatchRequest::NoMatch));
        assert_eq!(
            parse(NAME, &buf(&format!("\tvf_token={TOKEN}"))),
            Ok(MatchRequest::NoMatch)
        );
        assert_eq!(
            parse(NAME, &buf(&format!(" \tvf_token={TOKEN}"))),
            Err(PolicyError::UnknownOption)
        );
        assert_eq!(
            parse(NAME, &buf(&format!(" vf_token={TOKEN}\t"))),
            Err(PolicyError::UnknownOption)
        );
    }

    #[test]
    fn token_length_is_exact() {
        let short = &TOKEN[..35];
        assert_eq!(
            parse(NAME, &buf(&format!(" vf_token={short}"))),
            Err(PolicyError::TokenTooShort)
        );
        assert_eq!(
            parse(NAME, &buf(" vf_token=")),
            Err(PolicyError::TokenTooShort)
        );
        assert_eq!(
            parse(NAME, &buf(&format!(" vf_token={TOKEN}0"))),
            Err(PolicyError::UnknownOption)
        );
        assert_eq!(
            parse(NAME, &buf(&format!(" vf_token={{{TOKEN}}}"))),
            Err(PolicyError::InvalidUuid)
        );
        assert_eq!(
            parse(NAME, &buf(&format!(" vf_token= {TOKEN}"))),
            Err(PolicyError::InvalidUuid)
        );
    }

    #[test]
    fn options_are_known_and_unique() {
        assert_eq!(
            parse(NAME, &buf(&format!(" vf_token={TOKEN} vf_token={TOKEN}"))),
            Err(PolicyError::UnknownOption)
        );
        assert_eq!(
            parse(NAME, &buf(" foo=bar")),
            Err(PolicyError::UnknownOption)
        );
        assert_eq!(
            parse(NAME, &buf(&format!(" vf_token={TOKEN} foo"))),
            Err(PolicyError::UnknownOption)
        );
        assert_eq!(
            parse(NAME, &buf(&format!(" VF_TOKEN={TOKEN}"))),
            Err(PolicyError::UnknownOption)
        );
        assert_eq!(
            parse(NAME, &buf(" vf_token")),
            Err(PolicyError::UnknownOption)
        );
    }

    #[test]
    fn other_device_names_do_not_match() {
        let f1 = b"0000:01:10.1";
        assert_eq!(parse(f1, b"0000:01:10.10"), Ok(MatchRequest::NoMatch));
        // No error for a string that names another device, however bad.
        assert_eq!(
            parse(f1, b"0000:01:10.10 vf_token=x"),
            Ok(MatchRequest::NoMatch)
        );
        assert_eq!(parse(NAME, b"0000:01:10.1"), Ok(MatchRequest::NoMatch));
        assert_eq!(parse(NAME, b"0000:01:10."), Ok(MatchRequest::NoMatch));
        assert_eq!(parse(NAME, b"0000:01:10"), Ok(MatchRequest::NoMatch));
        assert_eq!(parse(NAME, b""), Ok(MatchRequest::NoMatch));
        assert_eq!(parse(NAME, b" 0000:01:10.0"), Ok(MatchRequest::NoMatch));
    }

    #[test]
    fn nul_ends_the_strings_as_in_c() {
        assert_eq!(parse(NAME, &buf("\0 foo")), matched(None));
        assert_eq!(parse(NAME, &buf(" \0foo")), matched(None));
        let mut name = NAME.to_vec();
        name.extend_from_slice(b"\0junk");
        assert_eq!(parse(&name, NAME), matched(None));
        let cut = format!(" vf_token={}\0{}", &TOKEN[..20], &TOKEN[21..]);
        assert_eq!(parse(NAME, &buf(&cut)), Err(PolicyError::TokenTooShort));
    }

    #[test]
    fn empty_name_behaves_as_in_c() {
        assert_eq!(parse(b"", b""), matched(None));
        assert_eq!(parse(b"", b"x"), Ok(MatchRequest::NoMatch));
        assert_eq!(parse(b"", b" "), matched(None));
        assert_eq!(parse(b"", b" x"), Err(PolicyError::UnknownOption));
    }

    // ---- Token rules ----

    fn given() -> Uuid {
        Uuid(TOKEN_BYTES)
    }

    fn other() -> Uuid {
        Uuid([0x11; 16])
    }

    /// A PF's role over `token`, with `vf_users` VFs open.
    fn pf(token: &mut Uuid, vf_users: i32) -> Role<'_> {
        Role::Pf { token, vf_users }
    }

    #[test]
    fn vf_of_foreign_pf_takes_no_token() {
        assert_eq!(check_token(Role::VfOfForeignPf, None), Ok(()));
        assert_eq!(
            check_token(Role::VfOfForeignPf, Some(&given())),
            Err(Denial::PfNotBound)
        );
    }

    #[test]
    fn vf_token_given_first_changes_no_verdict() {
        let token = given();
        for t in [None, Some(given()), Some(other())] {
            assert_eq!(
                vf_token_given(t.as_ref())
                    .and_then(|()| check_token(Role::VfOfOurPf(&token), t.as_ref())),
                check_token(Role::VfOfOurPf(&token), t.as_ref())
            );
        }
    }

    #[test]
    fn vf_of_our_pf_needs_the_pf_token() {
        let token = given();
        assert_eq!(
            check_token(Role::VfOfOurPf(&token), None),
            Err(Denial::TokenRequired)
        );
        assert_eq!(
            check_token(Role::VfOfOurPf(&token), Some(&other())),
            Err(Denial::IncorrectToken)
        );
        assert_eq!(check_token(Role::VfOfOurPf(&token), Some(&given())), Ok(()));
    }

    #[test]
    fn pf_in_use_needs_its_token() {
        let mut token = given();
        assert_eq!(
            check_token(pf(&mut token, 1), None),
            Err(Denial::TokenRequired)
        );
        assert_eq!(
            check_token(pf(&mut token, 1), Some(&other())),
            Err(Denial::IncorrectToken)
        );
        assert!(token.ct_eq(&given()), "a refused token must not be stored");
        assert_eq!(check_token(pf(&mut token, 1), Some(&given())), Ok(()));
        // As C's `if (users)`: a count that went wrong still means "in use".
        assert_eq!(
            check_token(pf(&mut token, -1), None),
            Err(Denial::TokenRequired)
        );
    }

    #[test]
    fn idle_pf_stores_a_given_token() {
        let mut token = Uuid::NIL;
        assert_eq!(check_token(pf(&mut token, 0), None), Ok(()));
        assert!(token.ct_eq(&Uuid::NIL));
        assert_eq!(check_token(pf(&mut token, 0), Some(&given())), Ok(()));
        assert!(token.ct_eq(&given()));
        assert_eq!(check_token(pf(&mut token, 0), Some(&other())), Ok(()));
        assert!(token.ct_eq(&other()));
    }

    #[test]
    fn neither_takes_no_token() {
        assert_eq!(check_token(Role::Neither, None), Ok(()));
        assert_eq!(
            check_token(Role::Neither, Some(&given())),
            Err(Denial::NotPfOrVf)
        );
    }

    #[test]
    fn denials_carry_c_errnos_and_log_lines() {
        assert_eq!(Denial::TokenRequired.errno(), -13);
        assert_eq!(Denial::IncorrectToken.errno(), -13);
        assert_eq!(Denial::PfNotBound.errno(), -22);
        assert_eq!(Denial::NotPfOrVf.errno(), -22);
        assert_eq!(
            Denial::TokenRequired.message(),
            "VF token required to access device"
        );
        assert_eq!(
            Denial::IncorrectToken.message(),
            "Incorrect VF token provided for device"
        );
        assert_eq!(
            Denial::PfNotBound.message(),
            "VF token incorrectly provided, PF not bound to vfio-pci"
        );
        assert_eq!(
            Denial::NotPfOrVf.message(),
            "VF token incorrectly provided, not a PF or VF"
        );
        for e in [
            PolicyError::InvalidUuid,
            PolicyError::TokenTooShort,
            PolicyError::UnknownOption,
        ] {
            assert_eq!(e.errno(), -22);
        }
    }

    // ---- Feature argument check ----

    const GET: u32 = VFIO_DEVICE_FEATURE_GET;
    const SET: u32 = VFIO_DEVICE_FEATURE_SET;
    const PROBE: u32 = VFIO_DEVICE_FEATURE_PROBE;

    #[test]
    fn feature_set_only_checks() {
        let m = VF_TOKEN_FEATURE_MINSZ;
        let check = |flags, argsz| check_feature_set(flags, argsz, m);
        assert_eq!(check(SET, 16), Ok(FeatureStep::Proceed));
        assert_eq!(check(SET | 0xffff, 16), Ok(FeatureStep::Proceed));
        assert_eq!(check(SET, 15), Err(FeatureError::ArgTooSmall));
        assert_eq!(check(SET, 0), Err(FeatureError::ArgTooSmall));
        assert_eq!(check(GET, 16), Err(FeatureError::UnsupportedOp));
        assert_eq!(check(GET | SET, 16), Err(FeatureError::UnsupportedOp));
        assert_eq!(check(GET | PROBE, 0), Err(FeatureError::UnsupportedOp));
        assert_eq!(check(PROBE, 0), Ok(FeatureStep::Probed));
        assert_eq!(check(PROBE | SET, 0), Ok(FeatureStep::Probed));
        assert_eq!(check(0, 16), Err(FeatureError::NoOp));
        assert_eq!(check(1 << 19, 16), Err(FeatureError::NoOp));
        assert_eq!(FeatureError::NoOp.errno(), -22);
    }

    // ---- Properties against the reference model ----

    fn config(cases: u32) -> Config {
        Config {
            cases,
            // Keep the run from writing regression files into the tree.
            failure_persistence: None,
            ..Config::default()
        }
    }

    /// UUID text with random case; `flaw` may break one byte of it.
    fn uuid_text() -> impl Strategy<Value = Vec<u8>> {
        (
            any::<[u8; 16]>(),
            any::<u64>(),
            any::<Option<(usize, u8)>>(),
        )
            .prop_map(|(bytes, case, flaw)| {
                let mut text = format_uuid(&bytes, case);
                if let Some((pos, byte)) = flaw {
                    text[pos % UUID_STRING_LEN] = byte;
                }
                text
            })
    }

    fn format_uuid(bytes: &[u8; 16], case: u64) -> Vec<u8> {
        let mut text = Vec::new();
        for (i, b) in bytes.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                text.push(b'-');
            }
            text.extend_from_slice(format!("{b:02x}").as_bytes());
        }
        for (i, c) in text.iter_mut().enumerate() {
            if case >> (i % 64) & 1 == 1 {
                c.make_ascii_uppercase();
            }
        }
        text
    }

    /// A piece of a match string, biased toward its grammar.
    fn piece() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            6 => Just(b" ".to_vec()),
            4 => Just(VF_TOKEN_ARG.to_vec()),
            4 => uuid_text(),
            2 => (0..VF_TOKEN_ARG.len()).prop_map(|n| VF_TOKEN_ARG[..n].to_vec()),
            2 => proptest::collection::vec(
                prop::sample::select(b"0123456789abcdefABCDEF-".to_vec()),
                0..40
            ),
            1 => Just(b"\t".to_vec()),
            1 => Just(b"\0".to_vec()),
            1 => Just(b"{".to_vec()),
            1 => Just(b"}".to_vec()),
            1 => Just(NAME.to_vec()),
            2 => proptest::collection::vec(any::<u8>(), 0..4),
        ]
    }

    fn name() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            6 => Just(NAME.to_vec()),
            2 => Just(b"0000:01:10.1".to_vec()),
            1 => Just(Vec::new()),
            2 => proptest::collection::vec(
                prop::sample::select(b"0:1. \0vf_token=".to_vec()),
                0..6
            ),
        ]
    }

    /// A name, and a buffer that usually starts with it.
    fn name_and_buf() -> impl Strategy<Value = (Vec<u8>, Vec<u8>)> {
        (
            name(),
            any::<u8>(),
            proptest::collection::vec(piece(), 0..8),
        )
            .prop_map(|(name, lead, pieces)| {
                let mut buf = Vec::new();
                match lead % 8 {
                    0 => {}
                    1 => buf.extend_from_slice(&name[..name.len() / 2]),
                    _ => buf.extend_from_slice(&name),
                }
                if lead & 0x80 != 0 {
                    buf.push(b' ');
                }
                for p in pieces {
                    buf.extend_from_slice(&p);
                }
                (name, buf)
            })
    }

    fn agree(name: &[u8], buf: &[u8]) -> Result<(), TestCaseError> {
        prop_assert_eq!(
            outcome(&parse_match(name, buf)),
            reference::vfio_pci_core_match(name, buf)
        );
        Ok(())
    }

    proptest! {
        #![proptest_config(config(4096))]

        #[test]
        fn parse_match_agrees_with_c_on_grammar((name, buf) in name_and_buf()) {
            agree(&name, &buf)?;
        }

        #[test]
        fn parse_match_agrees_with_c_on_bytes(
            name in proptest::collection::vec(any::<u8>(), 0..4),
            buf in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            agree(&name, &buf)?;
            agree(NAME, &buf)?;
        }

        #[test]
        fn uuid_parse_agrees_with_c(text in uuid_text(), tail in any::<Vec<u8>>()) {
            let mut text = text;
            text.extend_from_slice(&tail);
            let mut c = [0u8; 16];
            let ret = reference::uuid_parse(&text, 0, &mut c);
            match Uuid::parse(&text) {
                Ok(u) => prop_assert_eq!((ret, u.0), (0, c)),
                Err(e) => prop_assert_eq!(ret, e.errno()),
            }
        }

        #[test]
        fn uuid_text_round_trips(bytes in any::<[u8; 16]>(), case in any::<u64>()) {
            let text = format_uuid(&bytes, case);
            prop_assert_eq!(Uuid::parse(&text).map(|u| u.0), Ok(bytes));
            let mut req = NAME.to_vec();
            req.extend_from_slice(b" vf_token=");
            req.extend_from_slice(&text);
            prop_assert_eq!(parse_match(NAME, &req), matched(Some(bytes)));
        }

        #[test]
        fn ct_eq_is_byte_equality(
            a in any::<[u8; 16]>(),
            b in any::<[u8; 16]>(),
            same in any::<bool>(),
        ) {
            let b = if same { a } else { b };
            prop_assert_eq!(Uuid(a).ct_eq(&Uuid(b)), a == b);
        }

        #[test]
        fn check_feature_agrees_with_c(
            flags in any::<u32>(),
            argsz in 0usize..40,
            supported in prop::sample::select(std::vec![0, GET, SET, GET | SET]),
            minsz in 0usize..40,
        ) {
            let c = reference::vfio_check_feature(flags, argsz, supported, minsz);
            let ours = match check_feature(flags, argsz, supported, minsz) {
                Ok(FeatureStep::Probed) => 0,
                Ok(FeatureStep::Proceed) => 1,
                Err(e) => e.errno(),
            };
            prop_assert_eq!(ours, c);
        }

        #[test]
        fn check_token_agrees_with_c(
            kind in 0u8..4,
            stored in any::<[u8; 16]>(),
            other in any::<[u8; 16]>(),
            pick in 0u8..3,
            users in -1i32..3,
        ) {
            let given = match pick {
                0 => None,
                1 => Some(stored),
                _ => Some(other),
            };
            let mut ours = Uuid(stored);
            let mut c = reference::VfToken { uuid: stored, users };
            let (role, (ret, msg)) = match kind {
                0 => (
                    Role::Pf { token: &mut ours, vf_users: users },
                    reference::match_token_uuid(false, None, Some(&mut c), given.as_ref()),
                ),
                1 => (
                    Role::VfOfOurPf(&ours),
                    reference::match_token_uuid(true, Some(&c), None, given.as_ref()),
                ),
                2 => (
                    Role::VfOfForeignPf,
                    reference::match_token_uuid(true, None, None, given.as_ref()),
                ),
                _ => (
                    Role::Neither,
                    reference::match_token_uuid(false, None, None, given.as_ref()),
                ),
            };
            let result = check_token(role, given.map(Uuid).as_ref());
            match result {
                Ok(()) => prop_assert_eq!((ret, msg), (0, None)),
                Err(d) => prop_assert_eq!((ret, msg), (d.errno(), Some(d.message()))),
            }
            prop_assert_eq!(ours.0, c.uuid);
        }
    }
}
