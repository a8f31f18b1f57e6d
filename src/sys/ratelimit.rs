// SPDX-License-Identifier: GPL-2.0

//! Rate limiting of log lines, with the defaults of the C `*_ratelimited` printers
//! (`DEFAULT_RATELIMIT_INTERVAL` 5 s, `DEFAULT_RATELIMIT_BURST` 10) and one state per call site.

use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use kernel::bindings;

const INTERVAL_NS: u64 = 5_000_000_000;
const BURST: u32 = 10;

/// One rate-limit window; keep one `static` per call site as C does.
pub(crate) struct RateLimit {
    window_start_ns: AtomicU64,
    printed: AtomicU32,
}

impl RateLimit {
    /// A fresh window.
    pub(crate) const fn new() -> Self {
        Self {
            window_start_ns: AtomicU64::new(0),
            printed: AtomicU32::new(0),
        }
    }

    /// Whether one more line may be printed now. Races only blur the window edges.
    pub(crate) fn allow(&self) -> bool {
        // SAFETY: `ktime_get_mono_fast_ns` has no preconditions and is safe in any context.
        let now = unsafe { bindings::ktime_get_mono_fast_ns() }.max(1);
        let start = self.window_start_ns.load(Ordering::Relaxed);
        if (start == 0 || now.saturating_sub(start) >= INTERVAL_NS)
            && self
                .window_start_ns
                .compare_exchange(start, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            self.printed.store(0, Ordering::Relaxed);
        }
        self.printed.fetch_add(1, Ordering::Relaxed) < BURST
    }
}
