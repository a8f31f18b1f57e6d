// SPDX-License-Identifier: GPL-2.0

//! Rate limiting of log lines as the C `*_ratelimited` printers do it (`___ratelimit` with
//! `DEFAULT_RATELIMIT_INTERVAL` 5 s and `DEFAULT_RATELIMIT_BURST` 10), one state per call
//! site, including the "callbacks suppressed" line when a new window starts.

use kernel::{bindings, prelude::*, str::CStr};

const INTERVAL_NS: u64 = 5_000_000_000;
const BURST: u32 = 10;

/// One rate limit window; keep one per C call site, under a lock.
pub(crate) struct RateLimit {
    begin_ns: u64,
    printed: u32,
    missed: u32,
}

impl RateLimit {
    /// A limit whose first window starts at its first use.
    pub(crate) const fn new() -> Self {
        Self {
            begin_ns: 0,
            printed: 0,
            missed: 0,
        }
    }

    /// Whether one more line may be printed. When a window ends with lines dropped, prints
    /// C's "`func`: N callbacks suppressed" first.
    pub(crate) fn allow(&mut self, func: &CStr) -> bool {
        // SAFETY: `ktime_get_mono_fast_ns` has no preconditions and is safe in any context.
        let now = unsafe { bindings::ktime_get_mono_fast_ns() };
        if self.begin_ns == 0 {
            self.begin_ns = now;
        }
        if now.saturating_sub(self.begin_ns) > INTERVAL_NS {
            if self.missed != 0 {
                // SAFETY: a KERN_WARNING format taking a C string and an int, both passed.
                unsafe {
                    bindings::_printk(
                        c"\x014%s: %d callbacks suppressed\n".as_char_ptr(),
                        func.as_char_ptr(),
                        self.missed,
                    )
                };
            }
            *self = Self {
                begin_ns: now,
                printed: 0,
                missed: 0,
            };
        }
        if self.printed < BURST {
            self.printed += 1;
            true
        } else {
            self.missed += 1;
            false
        }
    }
}
