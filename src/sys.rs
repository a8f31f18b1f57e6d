// SPDX-License-Identifier: GPL-2.0

//! Layer 2: a thin safe layer over the raw pci, vfio and vfio_pci_core bindings.
//!
//! Every `unsafe` block of the module lives in this folder; the driver (layer 3) is safe code.

mod layout;
pub(crate) mod params;
pub(crate) mod pci_driver;
pub(crate) mod ratelimit;
pub(crate) mod raw;
pub(crate) mod uapi;
pub(crate) mod vfio_pci_core;

/// Logs C vfio-pci's `invalid id string "ENTRY"` warning with the entry's bytes as they are,
/// as C's `%s` prints them: `pr_warn!` takes UTF-8 text only.
pub(crate) fn warn_invalid_id(entry: &[u8]) {
    use kernel::str::CStrExt;
    // An entry is part of the 1024-byte `ids` parameter, so its length fits.
    let len = kernel::ffi::c_int::try_from(entry.len()).unwrap_or(kernel::ffi::c_int::MAX);
    // SAFETY: a KERN_WARNING format taking a C string (the module's NUL-terminated log
    // prefix), then a precision and a pointer to at least that many bytes: `%.*s` reads no
    // further.
    unsafe {
        kernel::bindings::_printk(
            c"\x014%s: invalid id string \"%.*s\"\n".as_char_ptr(),
            crate::__LOG_PREFIX.as_ptr(),
            len,
            entry.as_ptr(),
        )
    };
}
