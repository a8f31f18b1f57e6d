/* SPDX-License-Identifier: GPL-2.0 */
/* Out-of-line copies of static inline helpers the Rust side needs (see vfio_shims.c); named as
 * the kernel's rust/helpers/ name them, so the Rust side calls `bindings::ratelimit_state_init`
 * in and out of tree. */
#ifndef VFIO_RS_SHIMS_H
#define VFIO_RS_SHIMS_H
struct ratelimit_state;
void rust_helper_ratelimit_state_init(struct ratelimit_state *rs, int interval,
				      int burst);
#endif
