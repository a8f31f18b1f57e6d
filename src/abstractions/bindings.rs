// SPDX-License-Identifier: GPL-2.0

//! Out of tree only: `kernel::bindings` and the vfio and vfio_pci_core items it lacks, generated
//! at build time by `scripts/gen-vfio-bindings.sh` from `src/vfio_bindings.h` (every other type
//! comes from `kernel::bindings`, so layouts are the kernel's own). The safe layer names C items
//! as `crate::bindings::*`, which in the kernel tree is the kernel's own `bindings` crate, there
//! generated with the vfio headers (`rust/bindings/bindings_helper.h`).

// As in the kernel's own `bindings` crate: rustc before 1.88 does not know the
// `unnecessary_transmutes` lint allowed below.
#![cfg_attr(not(CONFIG_RUSTC_HAS_UNNECESSARY_TRANSMUTES), allow(unknown_lints))]
#![allow(
    non_camel_case_types,
    non_upper_case_globals,
    non_snake_case,
    dead_code,
    improper_ctypes,
    unreachable_pub,
    unsafe_op_in_unsafe_fn,
    missing_docs,
    clippy::all,
    clippy::as_underscore,
    clippy::cast_lossless,
    clippy::ptr_as_ptr,
    clippy::ref_as_ptr,
    clippy::undocumented_unsafe_blocks,
    unnecessary_transmutes
)]

pub use kernel::bindings::*;
#[allow(unused_imports)]
use kernel::ffi;
#[allow(unused_imports)]
use pin_init::MaybeZeroable;

// Generated in the object tree (Kbuild sets `VFIO_RS_OBJ`).
include!(concat!(env!("VFIO_RS_OBJ"), "/generated/vfio_bindings.rs"));
