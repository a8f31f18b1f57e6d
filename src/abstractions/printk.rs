// SPDX-License-Identifier: GPL-2.0

//! Log lines as C prints them: [`warn_quoted`] quotes raw bytes as `%s` does, and
//! [`RateLimit`] limits a call site as the C `*_ratelimited` printers do: one kernel
//! `struct ratelimit_state` per call site (C's `DEFINE_RATELIMIT_STATE` with
//! `DEFAULT_RATELIMIT_INTERVAL` 5 s and `DEFAULT_RATELIMIT_BURST` 10), asked through the
//! kernel's own `___ratelimit()`. So the semantics are C's exactly: at most a burst per
//! window, a contended caller neither waits nor takes a line beyond the burst, and the first
//! caller of a window after drops prints "`func`: N callbacks suppressed".
//!
//! C headers: [`include/linux/ratelimit.h`](srctree/include/linux/ratelimit.h),
//! [`include/linux/printk.h`](srctree/include/linux/printk.h)

use crate::bindings;
use core::sync::atomic::{AtomicU8, Ordering};
use kernel::{ffi::c_int, prelude::*, str::CStr, types::Opaque};

/// `RateLimit::state` values.
const UNINIT: u8 = 0;
const INITIALISING: u8 = 1;
const READY: u8 = 2;

/// The rate limit of one call site.
///
/// # Examples
///
/// A message printed at most as often as C's `pr_info_ratelimited` would, set up once:
///
/// ```
/// use crate::abstractions::printk::RateLimit;
///
/// static REFUSED: RateLimit = RateLimit::new();
///
/// fn setup() {
///     REFUSED.init();
/// }
///
/// fn refuse() -> Result {
///     if REFUSED.allow(c"refuse") {
///         pr_info!("refused\n");
///     }
///     Err(EPERM)
/// }
/// ```
///
/// # Invariants
///
/// `limit` is written by `init` alone, while `state` is `INITIALISING`, which one caller only
/// can set; once `state` is `READY` (stored with release) it is an initialised
/// `ratelimit_state`.
pub(crate) struct RateLimit {
    limit: Opaque<bindings::ratelimit_state>,
    /// Whether `limit` is set up. Its spinlock's initialiser depends on the kernel's lock
    /// debugging options, so it is set up at run time (`init`), once.
    state: AtomicU8,
}

// SAFETY: by the type invariant `limit` is written by one thread only, before `READY`; after
// it is only used through `___ratelimit`, which takes the state's own spinlock.
unsafe impl Sync for RateLimit {}

impl RateLimit {
    /// A limit to be set up with [`RateLimit::init`] before use.
    pub(crate) const fn new() -> Self {
        Self {
            limit: Opaque::zeroed(),
            state: AtomicU8::new(UNINIT),
        }
    }

    /// Sets the limit up; only the first call does something.
    pub(crate) fn init(&self) {
        if self
            .state
            .compare_exchange(UNINIT, INITIALISING, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
        {
            return;
        }
        // SAFETY: only this caller moved `state` from `UNINIT`, and no caller uses `limit`
        // before `READY`.
        unsafe {
            bindings::ratelimit_state_init(
                self.limit.get(),
                bindings::DEFAULT_RATELIMIT_INTERVAL as c_int,
                bindings::DEFAULT_RATELIMIT_BURST as c_int,
            )
        };
        // INVARIANT: initialised just above.
        self.state.store(READY, Ordering::Release);
    }

    /// Whether one more line may be printed, as C's `__ratelimit()` at a call site in the
    /// function `func`. A limit not set up yet never limits (as C's with a zero interval).
    pub(crate) fn allow(&self, func: &CStr) -> bool {
        if self.state.load(Ordering::Acquire) != READY {
            return true;
        }
        // SAFETY: by the type invariant the state is set up (`READY`, acquired);
        // `___ratelimit` locks it itself and only reads `func`, a NUL-terminated string.
        unsafe { bindings::___ratelimit(self.limit.get(), func.as_char_ptr()) != 0 }
    }
}

/// Logs `MSG "TEXT"` at `KERN_WARNING` with the module's prefix, `text`'s bytes as they are,
/// as C's `pr_warn("%s \"%s\"\n", ...)` prints them: `pr_warn!` takes UTF-8 text only.
pub(crate) fn warn_quoted(msg: &CStr, text: &[u8]) {
    use kernel::str::CStrExt;
    // Longer text is cut at `c_int::MAX` bytes, as `%.*s` can print no more.
    let len = kernel::ffi::c_int::try_from(text.len()).unwrap_or(kernel::ffi::c_int::MAX);
    // SAFETY: a KERN_WARNING format taking two C strings (the module's NUL-terminated log
    // prefix and `msg`), then a precision and a pointer to at least that many bytes: `%.*s`
    // reads no further.
    unsafe {
        bindings::_printk(
            c"\x014%s: %s \"%.*s\"\n".as_char_ptr(),
            crate::__LOG_PREFIX.as_ptr(),
            msg.as_char_ptr(),
            len,
            text.as_ptr(),
        )
    };
}
