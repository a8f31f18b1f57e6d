// SPDX-License-Identifier: GPL-2.0

//! Rate limiting of log lines as the C `*_ratelimited` printers do it (`___ratelimit` with
//! `DEFAULT_RATELIMIT_INTERVAL` 5 s and `DEFAULT_RATELIMIT_BURST` 10), one state per call
//! site, including the "callbacks suppressed" line when a new window starts.

use core::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};
use kernel::{bindings, prelude::*, str::CStr};

const INTERVAL_NS: u64 = 5_000_000_000;
const BURST: u32 = 10;

/// One rate limit window per C call site. Lock-free: C takes the state with a trylock and
/// drops the line when that fails; here racing callers may only miscount by a line or two,
/// and a refused open (what an attacker hammers) costs no lock.
pub(crate) struct RateLimit {
    begin_ns: AtomicU64,
    printed: AtomicU32,
    missed: AtomicU32,
}

impl RateLimit {
    /// A limit whose first window starts at its first use.
    pub(crate) const fn new() -> Self {
        Self {
            begin_ns: AtomicU64::new(0),
            printed: AtomicU32::new(0),
            missed: AtomicU32::new(0),
        }
    }

    /// Whether one more line may be printed. When a window ends with lines dropped, prints
    /// C's "`func`: N callbacks suppressed" first.
    pub(crate) fn allow(&self, func: &CStr) -> bool {
        // SAFETY: `ktime_get_mono_fast_ns` has no preconditions and is safe in any context.
        let now = unsafe { bindings::ktime_get_mono_fast_ns() };
        let mut begin = self.begin_ns.load(Relaxed);
        if begin == 0 {
            begin = match self.begin_ns.compare_exchange(0, now, Relaxed, Relaxed) {
                Ok(_) => now,
                Err(current) => current,
            };
        }
        // Only the caller that moves the window on resets it and reports the dropped lines.
        if now.saturating_sub(begin) > INTERVAL_NS
            && self
                .begin_ns
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
