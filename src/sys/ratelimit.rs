// SPDX-License-Identifier: GPL-2.0

//! Rate limiting of log lines as the C `*_ratelimited` printers do it (`___ratelimit` with
//! `DEFAULT_RATELIMIT_INTERVAL` 5 s and `DEFAULT_RATELIMIT_BURST` 10), one state per call
//! site, including the "callbacks suppressed" line when a new window starts.

use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering::Relaxed};
use kernel::{bindings, prelude::*, str::CStr};

/// `DEFAULT_RATELIMIT_INTERVAL`: 5 s, in jiffies as C counts it.
const INTERVAL_JIFFIES: usize = 5 * bindings::CONFIG_HZ as usize;
const BURST: u32 = 10;

/// The tick count, read as C's `jiffies` macro does (one volatile load; cheaper than a
/// clock read on every refused open).
fn jiffies() -> usize {
    // SAFETY: `jiffies` is a kernel global that is always mapped; a volatile word load is
    // how C reads it, and a torn read cannot happen for an aligned word on this target.
    unsafe { core::ptr::read_volatile(&raw const bindings::jiffies) }
}

/// One rate limit window per C call site. Lock-free: C takes the state with a trylock and
/// drops the line when that fails; here racing callers may only miscount by a line or two,
/// and a refused open (what an attacker hammers) costs no lock.
pub(crate) struct RateLimit {
    begin: AtomicUsize,
    printed: AtomicU32,
    missed: AtomicU32,
}

impl RateLimit {
    /// A limit whose first window starts at its first use.
    pub(crate) const fn new() -> Self {
        Self {
            begin: AtomicUsize::new(0),
            printed: AtomicU32::new(0),
            missed: AtomicU32::new(0),
        }
    }

    /// Whether one more line may be printed. When a window ends with lines dropped, prints
    /// C's "`func`: N callbacks suppressed" first.
    pub(crate) fn allow(&self, func: &CStr) -> bool {
        let now = jiffies();
        let mut begin = self.begin.load(Relaxed);
        // As C: 0 means not started (jiffies may pass 0 too; C restarts the window then).
        if begin == 0 {
            begin = match self.begin.compare_exchange(0, now, Relaxed, Relaxed) {
                Ok(_) => now,
                Err(current) => current,
            };
        }
        // Only the caller that moves the window on resets it and reports the dropped lines.
        // C: time_is_before_jiffies(begin + interval), which is wrap-safe.
        if now.wrapping_sub(begin) as isize > INTERVAL_JIFFIES as isize
            && self
                .begin
                .compare_exchange(begin, now, Relaxed, Relaxed)
                .is_ok()
        {
            self.printed.store(0, Relaxed);
            let missed = self.missed.swap(0, Relaxed);
            if missed != 0 {
                // SAFETY: a KERN_WARNING format taking a C string and an int, both passed.
                unsafe {
                    bindings::_printk(
                        c"\x014%s: %d callbacks suppressed\n".as_char_ptr(),
                        func.as_char_ptr(),
                        missed,
                    )
                };
            }
        }
        if self.printed.fetch_add(1, Relaxed) < BURST {
            true
        } else {
            // Back off so that `printed` cannot wrap however long the window.
            self.printed.store(BURST, Relaxed);
            self.missed.fetch_add(1, Relaxed);
            false
        }
    }
}
