// SPDX-License-Identifier: GPL-2.0

//! What C drivers have and the `kernel` crate lacks, nothing vfio about it: module parameters
//! writable from sysfs, C's per-call-site log rate limits, PCI id tables with the
//! `driver_override`-only flag, and a log line quoting raw bytes.

pub(crate) mod params;
pub(crate) mod pci;
pub(crate) mod ratelimit;

/// Logs `MSG "TEXT"` at `KERN_WARNING` with the module's prefix, `text`'s bytes as they are,
/// as C's `pr_warn("%s \"%s\"\n", ...)` prints them: `pr_warn!` takes UTF-8 text only.
pub(crate) fn warn_quoted(msg: &kernel::str::CStr, text: &[u8]) {
    use kernel::str::CStrExt;
    // Longer text is cut at `c_int::MAX` bytes, as `%.*s` can print no more.
    let len = kernel::ffi::c_int::try_from(text.len()).unwrap_or(kernel::ffi::c_int::MAX);
    // SAFETY: a KERN_WARNING format taking two C strings (the module's NUL-terminated log
    // prefix and `msg`), then a precision and a pointer to at least that many bytes: `%.*s`
    // reads no further.
    unsafe {
        kernel::bindings::_printk(
            c"\x014%s: %s \"%.*s\"\n".as_char_ptr(),
            crate::__LOG_PREFIX.as_ptr(),
            msg.as_char_ptr(),
            len,
            text.as_ptr(),
        )
    };
}
