// SPDX-License-Identifier: GPL-2.0

//! KUnit suites of the policy as the kernel build compiles it (the host runs the full `cargo
//! test` suite; these check the same rules in the kernel build): the VF token rules and the
//! `ids=` parser. Built only into the test module `vfio_pci_kunit.ko` (see
//! `vfio_pci_kunit.rs`), never into `vfio_pci.ko`.

#[kernel::macros::kunit_tests(vfio_pci_rs_token)]
mod tests {
    use crate::policy::*;

    const NAME: &[u8] = b"0000:01:10.0";
    const U1: &[u8] = b"52ac9bff-3a88-4fbd-901a-0d767c3b6c97";

    fn uuid1() -> Uuid {
        Uuid::parse(U1).unwrap_or_default()
    }

    #[test]
    fn match_grammar() {
        assert_eq!(
            parse_match(NAME, NAME),
            Ok(MatchRequest::Match { token: None })
        );
        assert_eq!(
            parse_match(NAME, b"0000:01:10.00"),
            Ok(MatchRequest::NoMatch)
        );
        assert_eq!(
            parse_match(NAME, b"0000:01:10.0\tvf_token=x"),
            Ok(MatchRequest::NoMatch)
        );
        assert!(parse_match(NAME, b"0000:01:10.0 vf_token=").is_err());
        assert!(parse_match(NAME, b"0000:01:10.0 foo=bar").is_err());
        let with = b"0000:01:10.0  vf_token=52AC9BFF-3A88-4FBD-901A-0D767C3B6C97 ";
        assert_eq!(
            parse_match(NAME, with),
            Ok(MatchRequest::Match {
                token: Some(uuid1())
            })
        );
    }

    fn pf(token: &mut Uuid, vf_users: i32) -> Role<'_> {
        Role::Pf { token, vf_users }
    }

    #[test]
    fn token_rules() {
        let mut token = Uuid::default();
        let u1 = uuid1();
        assert_eq!(check_token(pf(&mut token, 0), Some(&u1)), Ok(()));
        assert_eq!(check_token(Role::VfOfOurPf(&token), Some(&u1)), Ok(()));
        assert_eq!(
            check_token(Role::VfOfOurPf(&token), None),
            Err(Denial::TokenRequired)
        );
        assert_eq!(
            check_token(pf(&mut token, 1), None),
            Err(Denial::TokenRequired)
        );
        assert_eq!(
            check_token(pf(&mut token, 1), Some(&Uuid::default())),
            Err(Denial::IncorrectToken)
        );
        assert_eq!(
            check_token(Role::VfOfForeignPf, Some(&u1)),
            Err(Denial::PfNotBound)
        );
        assert_eq!(
            check_token(Role::Neither, Some(&u1)),
            Err(Denial::NotPfOrVf)
        );
        assert_eq!(Denial::TokenRequired.errno(), -13);
        assert_eq!(Denial::NotPfOrVf.errno(), -22);
    }
}

/// The `ids=` parser.
#[kernel::macros::kunit_tests(vfio_pci_rs_ids)]
mod ids_tests {
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
