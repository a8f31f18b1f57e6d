/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the rig's stress tools: a count of broken invariants, each printed as
 * "violation: ...", a clock, random tokens and the PF token SET. Each tool exits non-zero if
 * it saw a violation.
 */
#ifndef VFIO_STRESS_H
#define VFIO_STRESS_H

#define _GNU_SOURCE
#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <sys/klog.h>
#include <sys/stat.h>
#include <time.h>
#include <uuid/uuid.h>
#include "vfio_group.h"

static atomic_int violations __attribute__((unused));

#define violation(...) do { printf("violation: " __VA_ARGS__); putchar('\n'); fflush(stdout); \
			    atomic_fetch_add(&violations, 1); } while (0)

/* A xorshift generator: the fuzzers' programs follow from their seed (set rng) alone. */
static unsigned long long rng __attribute__((unused));

static inline unsigned int rnd(unsigned int n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (unsigned int)(rng % n) : 0;
}

static inline double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline void random_token(char out[37])
{
	uuid_t u;

	uuid_generate_random(u);
	uuid_unparse_lower(u, out);
}

static inline int set_token(int pf_fd, const char *token)
{
	struct { struct vfio_device_feature f; uuid_t u; } feat = {
		.f.argsz = sizeof(feat),
		.f.flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_PCI_VF_TOKEN,
	};

	if (uuid_parse(token, feat.u))
		return -EINVAL;
	return ioctl(pf_fd, VFIO_DEVICE_FEATURE, &feat) ? -errno : 0;
}

#endif
