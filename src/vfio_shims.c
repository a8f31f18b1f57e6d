// SPDX-License-Identifier: GPL-2.0
/* Static inline helpers of the kernel headers, made callable from Rust. Nothing else. In the
 * kernel tree this is rust/helpers/ratelimit.c (`make patches`). */
#include <linux/ratelimit.h>
#include "vfio_shims.h"

void rust_helper_ratelimit_state_init(struct ratelimit_state *rs, int interval,
				      int burst)
{
	ratelimit_state_init(rs, interval, burst);
}
