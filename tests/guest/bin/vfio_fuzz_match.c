// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_fuzz_match: hostile match strings through VFIO_GROUP_GET_DEVICE_FD. Usage:
 *   vfio_fuzz_match PF VF TOKEN COUNT SEED
 *       COUNT random and mutated strings through VFIO_GROUP_GET_DEVICE_FD on the VF's and the
 *       PF's groups (token set by opening the PF with TOKEN, VF held open). Prints counts per
 *       errno and a hash of the results, equal for two drivers that behave the same.
 */
#include "vfio_stress.h"

#define FUZZ_MAX 9000

/* One hostile string into buf (NUL-terminated at len; may hold earlier NULs). */
static size_t make_input(char *buf, const char *pf, const char *vf, const char *token)
{
	static const char junk[] = " \t\n=vf_token{}-0123456789abcdefABCDEF:.\xff\x80\xc3\xa9";
	char near[37];
	size_t len, want;
	int muts;

	switch (rnd(10)) {
	case 0:	/* random bytes, any value but NUL */
		len = rnd(300);
		for (size_t i = 0; i < len; i++)
			buf[i] = 1 + rnd(255);
		buf[len] = 0;
		return len;
	case 1:	/* long: around the kernel's PAGE_SIZE limit, and beyond */
		len = snprintf(buf, FUZZ_MAX, "%s vf_token=%s", rnd(2) ? vf : pf, token);
		want = 4090 + rnd(12) + (rnd(4) ? 0 : 4000);
		memset(buf + len, rnd(2) ? ' ' : 'A', want - len);
		buf[want] = 0;
		return want;
	case 2:	/* near-valid UUID: one character off */
		snprintf(near, sizeof(near), "%s", token);
		near[rnd(36)] = junk[rnd(sizeof(junk) - 1)];
		len = snprintf(buf, FUZZ_MAX, "%s vf_token=%s", rnd(2) ? vf : pf, near);
		return len;
	case 3:	/* the right string, so that successes are fuzzed too */
		return snprintf(buf, FUZZ_MAX, "%s vf_token=%s", rnd(2) ? vf : pf, token);
	default: /* a valid-looking string, mutated */
		len = snprintf(buf, FUZZ_MAX, "%s%s%s", rnd(2) ? vf : pf, rnd(4) ? " vf_token=" : "",
			       rnd(4) ? token : "");
		muts = 1 + rnd(4);
		while (muts--) {
			size_t at = rnd(len + 1);

			switch (rnd(6)) {
			case 0:	/* replace a byte (NUL included: the kernel stops there) */
				if (len)
					buf[rnd(len)] = rnd(8) ? junk[rnd(sizeof(junk) - 1)] : 0;
				break;
			case 1:	/* insert a byte */
				if (len + 1 < FUZZ_MAX) {
					memmove(buf + at + 1, buf + at, len - at);
					buf[at] = junk[rnd(sizeof(junk) - 1)];
					len++;
				}
				break;
			case 2:	/* delete a byte */
				if (at < len) {
					memmove(buf + at, buf + at + 1, len - at - 1);
					len--;
				}
				break;
			case 3:	/* flip case */
				if (len)
					buf[rnd(len)] ^= 0x20;
				break;
			case 4:	/* truncate */
				len = at;
				break;
			default: /* repeat the tail */
				if (2 * len - at < 512) {
					memcpy(buf + len, buf + at, len - at);
					len += len - at;
				}
				break;
			}
		}
		buf[len] = 0;
		return len;
	}
}

static int cmd_fuzz(char **argv)
{
	const char *pf = argv[0], *vf = argv[1], *token = argv[2];
	long count = atol(argv[3]);
	int groups[2], pf_fd, vf_fd, counts[6] = { 0 };
	unsigned long long hash = 1469598103934665603ull;
	static char buf[FUZZ_MAX + 1];
	double t0 = now();

	rng = strtoull(argv[4], NULL, 0) | 1;
	groups[0] = vg_open_group(vf);
	groups[1] = vg_open_group(pf);
	if (groups[0] < 0 || groups[1] < 0) {
		perror("fuzz: groups");
		return 2;
	}
	pf_fd = vg_open_device(groups[1], pf, token);
	vf_fd = vg_open_device(groups[0], vf, token);
	if (pf_fd < 0 || vf_fd < 0) {
		violation("fuzz: cannot open PF and VF with the token");
		return 1;
	}
	for (long i = 0; i < count; i++) {
		int g = rnd(10) < 7 ? 0 : 1, fd, e;

		if (rnd(1000) == 0) {	/* a pointer the kernel cannot read */
			fd = ioctl(groups[g], VFIO_GROUP_GET_DEVICE_FD, (char *)8);
		} else {
			make_input(buf, pf, vf, token);
			fd = ioctl(groups[g], VFIO_GROUP_GET_DEVICE_FD, buf);
		}
		e = fd >= 0 ? 0 : errno;
		if (fd >= 0)
			close(fd);
		counts[e == 0 ? 0 : e == EINVAL ? 1 : e == EACCES ? 2 : e == ENODEV ? 3 : e == EFAULT ? 4 : 5]++;
		if (e && e != EINVAL && e != EACCES && e != ENODEV && e != EFAULT)
			violation("fuzz: input %ld gave %s", i, vg_errname(e));
		hash = (hash ^ (unsigned long long)(e + 1)) * 1099511628211ull;
	}
	close(vf_fd);
	close(pf_fd);
	printf("fuzz: inputs=%ld ok=%d EINVAL=%d EACCES=%d ENODEV=%d EFAULT=%d other=%d hash=%016llx seconds=%.0f\n",
	       count, counts[0], counts[1], counts[2], counts[3], counts[4], counts[5], hash, now() - t0);
	return atomic_load(&violations) ? 1 : 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 6) {
		fprintf(stderr, "usage: vfio_fuzz_match PF VF TOKEN COUNT SEED\n");
		return 2;
	}
	return cmd_fuzz(argv + 1);
}
