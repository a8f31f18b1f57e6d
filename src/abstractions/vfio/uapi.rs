// SPDX-License-Identifier: GPL-2.0

//! The uapi and errno values the module uses, from the bindings. `policy` keeps its own
//! copies (it also builds on the host, without the bindings): each is checked here, at
//! compile time, against the kernel's.

use crate::abstractions::raw;
use crate::policy::{self, ids, Denial, FeatureError, PolicyError};
use kernel::bindings;

/// The feature-number part of `vfio_device_feature.flags`.
pub(crate) const VFIO_DEVICE_FEATURE_MASK: u32 = raw::VFIO_DEVICE_FEATURE_MASK;
/// The VF token feature, `VFIO_DEVICE_FEATURE_PCI_VF_TOKEN`.
pub(crate) const VFIO_DEVICE_FEATURE_PCI_VF_TOKEN: u32 = raw::VFIO_DEVICE_FEATURE_PCI_VF_TOKEN;

const _: () = assert!(policy::VFIO_DEVICE_FEATURE_GET == raw::VFIO_DEVICE_FEATURE_GET);
const _: () = assert!(policy::VFIO_DEVICE_FEATURE_SET == raw::VFIO_DEVICE_FEATURE_SET);
const _: () = assert!(policy::VFIO_DEVICE_FEATURE_PROBE == raw::VFIO_DEVICE_FEATURE_PROBE);
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
