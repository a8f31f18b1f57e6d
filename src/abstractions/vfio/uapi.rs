// SPDX-License-Identifier: GPL-2.0

//! The vfio uapi values a variant driver's feature handler reads, typed as
//! `vfio_device_feature.flags` is.
//!
//! C header: [`include/uapi/linux/vfio.h`](srctree/include/uapi/linux/vfio.h)

use crate::bindings;

/// The feature-number part of `vfio_device_feature.flags`.
pub const VFIO_DEVICE_FEATURE_MASK: u32 = bindings::VFIO_DEVICE_FEATURE_MASK;
/// The VF token feature, `VFIO_DEVICE_FEATURE_PCI_VF_TOKEN`.
pub const VFIO_DEVICE_FEATURE_PCI_VF_TOKEN: u32 = bindings::VFIO_DEVICE_FEATURE_PCI_VF_TOKEN;
/// `VFIO_DEVICE_FEATURE_GET`: the caller reads the feature.
pub const VFIO_DEVICE_FEATURE_GET: u32 = bindings::VFIO_DEVICE_FEATURE_GET;
/// `VFIO_DEVICE_FEATURE_SET`: the caller writes the feature.
pub const VFIO_DEVICE_FEATURE_SET: u32 = bindings::VFIO_DEVICE_FEATURE_SET;
/// `VFIO_DEVICE_FEATURE_PROBE`: the caller asks whether the feature is supported.
pub const VFIO_DEVICE_FEATURE_PROBE: u32 = bindings::VFIO_DEVICE_FEATURE_PROBE;
