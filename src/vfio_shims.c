// SPDX-License-Identifier: GPL-2.0
/* Static inline helpers of the kernel headers, made callable from Rust. Nothing else. */
#include <linux/ratelimit.h>
#include "vfio_shims.h"

/* What DEFINE_RATELIMIT_STATE() of dev_info_ratelimited() sets up, done at run time: the
 * spinlock's initialiser depends on the kernel's lock debugging options. */
void vfio_rs_ratelimit_init(struct ratelimit_state *rs)
{
	ratelimit_state_init(rs, DEFAULT_RATELIMIT_INTERVAL, DEFAULT_RATELIMIT_BURST);
}
