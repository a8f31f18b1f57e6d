// SPDX-License-Identifier: GPL-2.0

//! Module parameters registered like C's `module_param()`: same names, types and sysfs
//! permissions as C vfio-pci, so `/sys/module/vfio_pci/parameters/*` and `options vfio_pci
//! enable_sriov=1` work unchanged. (The `module!` macro's parameters are read-only and hidden.)
//!
//! C header: [`include/linux/moduleparam.h`](srctree/include/linux/moduleparam.h)

use crate::bindings;
use core::sync::atomic::{AtomicBool, Ordering};
use kernel::{ffi::c_void, types::Opaque};

/// A `bool` parameter; `AtomicBool` has the layout of C `bool`, and sysfs writes land in it.
#[repr(transparent)]
pub(crate) struct BoolParam(AtomicBool);

impl BoolParam {
    /// A parameter with its default.
    pub(crate) const fn new(default: bool) -> Self {
        Self(AtomicBool::new(default))
    }

    /// The current value.
    pub(crate) fn get(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// The address `param_ops_bool` writes to.
    pub(crate) const fn as_arg(&'static self) -> *mut c_void {
        self.0.as_ptr().cast()
    }
}

/// A string parameter of at most `N - 1` bytes (`module_param_string`).
///
/// # Invariants
///
/// `buf` is written only by the kernel's parameter parser, before module init (its entry has
/// permission 0, so never from sysfs), and then holds a NUL within its `N` bytes or none.
pub(crate) struct StringParam<const N: usize> {
    buf: Opaque<[u8; N]>,
}

// SAFETY: by the type invariant the buffer is written only before module init, by the
// parameter parser; afterwards it is only read.
unsafe impl<const N: usize> Sync for StringParam<N> {}

impl<const N: usize> StringParam<N> {
    /// An empty string parameter.
    pub(crate) const fn new() -> Self {
        Self {
            buf: Opaque::zeroed(),
        }
    }

    /// The `kparam_string` for `param_ops_string`, pointing at this parameter's buffer.
    pub(crate) const fn describe(&'static self) -> StringParamDesc {
        // INVARIANT: `string` points at the buffer of a `'static` `StringParam` of `N` bytes.
        StringParamDesc(bindings::kparam_string {
            maxlen: N as u32,
            string: self.buf.get().cast(),
        })
    }

    /// The value as bytes, without the NUL.
    pub(crate) fn value(&'static self) -> &'static [u8] {
        // SAFETY: the buffer is a live `'static` array of `N` bytes. Aliasing: by the type
        // invariant nothing writes it once the module runs (its parameter has permission 0:
        // no sysfs store), so the shared reference aliases no write.
        let bytes: &[u8; N] = unsafe { &*self.buf.get() };
        let len = bytes.iter().position(|&b| b == 0).unwrap_or(N);
        bytes.get(..len).unwrap_or(&[])
    }
}

/// The `struct kparam_string` of a [`StringParam`], for a `static` the parameter entry points at.
///
/// # Invariants
///
/// `string` points at the buffer of a `'static` [`StringParam`] and `maxlen` is its size.
#[repr(transparent)]
pub(crate) struct StringParamDesc(bindings::kparam_string);

impl StringParamDesc {
    /// The C struct, for the parameter's `kernel_param`.
    pub(crate) const fn as_raw(&'static self) -> &'static bindings::kparam_string {
        &self.0
    }
}

// SAFETY: the description is never written, and its one pointer is to a `StringParam`, itself
// `Sync` (by the type invariant).
unsafe impl Sync for StringParamDesc {}

/// Declares a module parameter in the `__param` section, as `module_param()` does.
///
/// `perm` is the sysfs mode (e.g. `0o644`); `ops` one of the kernel's `param_ops_*`.
macro_rules! c_module_param {
    ($static_name:ident, $name:literal, $ops:expr, $perm:expr, arg: $arg:expr) => {
        c_module_param!(@emit $static_name, $name, $ops, $perm,
            ::kernel::bindings::kernel_param__bindgen_ty_1 { arg: $arg });
    };
    ($static_name:ident, $name:literal, $ops:expr, $perm:expr, str: $kps:expr) => {
        c_module_param!(@emit $static_name, $name, $ops, $perm,
            ::kernel::bindings::kernel_param__bindgen_ty_1 { str_: $kps.as_raw() });
    };
    (@emit $static_name:ident, $name:literal, $ops:expr, $perm:expr, $u:expr) => {
        // `link_section` is unsafe code to the compiler: the section and the layout are the
        // kernel's `struct kernel_param` table (`__param`), which the loader walks.
        #[allow(non_upper_case_globals, unsafe_code)]
        #[link_section = "__param"]
        #[used(compiler)]
        static $static_name: ::kernel::module_param::KernelParam =
            ::kernel::module_param::KernelParam::new(::kernel::bindings::kernel_param {
                name: ::kernel::str::as_char_ptr_in_const_context($name),
                // Only the address of `__this_module` is taken; the module loader sets it
                // up and it outlives the module.
                mod_: &raw mut ::kernel::bindings::__this_module,
                // Only the address of the kernel's immutable `param_ops_*` is taken.
                ops: &raw const $ops,
                perm: $perm,
                level: -1,
                flags: 0,
                __bindgen_anon_1: $u,
            });
    };
}
pub(crate) use c_module_param;

/// Adds `parmtype=`/`parm=` lines to `.modinfo`, as `MODULE_PARM_DESC` does, for `modinfo`.
macro_rules! c_module_param_info {
    ($static_name:ident, $text:literal) => {
        // `link_section` is unsafe code to the compiler: `.modinfo` holds NUL-ended strings.
        #[allow(non_upper_case_globals, unsafe_code)]
        #[link_section = ".modinfo"]
        #[used(compiler)]
        static $static_name: [u8; $text.len()] = *$text;
    };
}
pub(crate) use c_module_param_info;
