// SPDX-License-Identifier: GPL-2.0

//! `policy` keeps its own copies of the uapi values and errnos it uses (it also builds on the
//! host, without the bindings): each is checked here, at compile time, against the kernel's.

#![deny(unsafe_code)]

use crate::bindings;
use crate::policy::{self, ids, Denial, FeatureError, PolicyError};
use crate::vfio::uapi;

const _: () = assert!(policy::VFIO_DEVICE_FEATURE_GET == uapi::VFIO_DEVICE_FEATURE_GET);
const _: () = assert!(policy::VFIO_DEVICE_FEATURE_SET == uapi::VFIO_DEVICE_FEATURE_SET);
const _: () = assert!(policy::VFIO_DEVICE_FEATURE_PROBE == uapi::VFIO_DEVICE_FEATURE_PROBE);
const _: () = assert!(policy::VF_TOKEN_FEATURE_MINSZ == core::mem::size_of::<bindings::uuid_t>());
const _: () = assert!(policy::UUID_STRING_LEN == bindings::UUID_STRING_LEN as usize);
const _: () = assert!(ids::PCI_ANY_ID == bindings::PCI_ANY_ID as u32);

// Negative errnos, as the policy returns them.
const _: () = {
    let eacces = -(bindings::EACCES as i32);
    let einval = -(bindings::EINVAL as i32);
    assert!(Denial::TokenRequired.errno() == eacces);
    assert!(Denial::IncorrectToken.errno() == eacces);
    assert!(Denial::PfNotBound.errno() == einval);
    assert!(Denial::NotPfOrVf.errno() == einval);
    assert!(PolicyError::InvalidUuid.errno() == einval);
    assert!(FeatureError::NoOp.errno() == einval);
};
