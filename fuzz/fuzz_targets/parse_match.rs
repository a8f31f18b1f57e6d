// SPDX-License-Identifier: GPL-2.0

//! Fuzzes `parse_match` against the line-by-line C model: it must never
//! panic and must give C's answer for every input.

#![no_main]

use libfuzzer_sys::fuzz_target;
use vfio_token_policy::{parse_match, reference, MatchRequest};

fuzz_target!(|data: &[u8]| {
    // First byte: bit 7 picks the real-looking name, else the low bits
    // give the length of a name taken from the input itself.
    let Some((&head, rest)) = data.split_first() else {
        return;
    };
    let (name, buf) = if head & 0x80 != 0 {
        (&b"0000:01:10.0"[..], rest)
    } else {
        rest.split_at(usize::from(head & 0x1f).min(rest.len()))
    };

    let ours = match parse_match(name, buf) {
        Err(e) => (e.errno(), None),
        Ok(MatchRequest::NoMatch) => (0, None),
        Ok(MatchRequest::Match { token }) => (1, token.map(|u| u.0)),
    };
    assert_eq!(ours, reference::vfio_pci_core_match(name, buf));
});
