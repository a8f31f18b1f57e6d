// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_bench: times the VF token paths of a vfio-pci driver, per call, with
 * clock_gettime(CLOCK_MONOTONIC). Used by the rig's bench suite to compare the Rust
 * driver with the C vfio-pci; runs as well on a real host (static, needs only libuuid).
 *
 * Usage: PF=BDF VF0=BDF [ITERS=N] [OPEN_ITERS=M] [METRICS=a,b] [HOLD=K] [TAG=s] vfio_bench TOKEN
 *        vfio_bench probe BDF N
 * VF0 is a VF of PF, both bound to vfio-pci. N defaults to 1000; M, the iterations of the
 * metrics that open the VF (each open resets it when the VF has a reset method), to N.
 * Metrics (METRICS selects, default all, in this order):
 *   feature_set        VFIO_DEVICE_FEATURE_PCI_VF_TOKEN SET on the open PF fd
 *   group_open_close   VFIO_GROUP_GET_DEVICE_FD "VF0 vf_token=TOKEN" + close(devfd)
 *   wrong_token        VFIO_GROUP_GET_DEVICE_FD with another token (EACCES expected)
 *   no_token           VFIO_GROUP_GET_DEVICE_FD with the bare VF name (EACCES expected)
 *   cdev_open_close    open /dev/vfio/devices/vfioX + VFIO_DEVICE_BIND_IOMMUFD with
 *                      VFIO_DEVICE_BIND_FLAG_TOKEN + close
 * HOLD=K: the VFs virtfn1..virtfnK of PF are kept open (with the token) while the metrics
 * run: the scaling points. They are held through their cdevs when cdev_open_close is selected,
 * else through their groups (kernels without vfio cdev). TAG is appended to each metric's name.
 * The PF is opened with the token first (on the group path if a group metric is selected,
 * else on the cdev path), which sets the token as no VF is open yet. /dev/iommu is opened
 * only when a cdev is used, so the group metrics run on kernels without IOMMUFD.
 * "probe BDF N": N times unbind BDF from its driver and time the write of BDF to
 * /sys/bus/pci/drivers_probe (driver_override must name the driver): metric pf_probe.
 * Prints "BENCH <metric><TAG> n=N median_ns=.. p99_ns=.. min_ns=.." per metric; exits 1 if
 * an operation failed other than expected.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/vfio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <uuid/uuid.h>
#include "vfio_group.h"

#define MAX_HOLD 256

static const char *wrong = "00000000-1111-4222-8333-444444444444";
static const char *tag = "";
static uint64_t *samples;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *metric, int n)
{
	int p99 = (n * 99) / 100;

	if (n == 0) {
		printf("BENCH %s%s n=0 failed\n", metric, tag);
		return;
	}
	qsort(samples, n, sizeof(*samples), cmp_u64);
	if (p99 >= n)
		p99 = n - 1;
	printf("BENCH %s%s n=%d median_ns=%llu p99_ns=%llu min_ns=%llu\n", metric, tag, n,
	       (unsigned long long)samples[n / 2], (unsigned long long)samples[p99],
	       (unsigned long long)samples[0]);
	fflush(stdout);
}

/* Whether METRIC is selected by the comma-separated list SEL (NULL: all). */
static int selected(const char *sel, const char *metric)
{
	size_t len = strlen(metric);
	const char *p = sel;

	if (!sel)
		return 1;
	while ((p = strstr(p, metric))) {
		if ((p == sel || p[-1] == ',') && (p[len] == ',' || !p[len]))
			return 1;
		p += len;
	}
	return 0;
}

/* Writes S to the sysfs file PATH; 0 or -1. */
static int write_sysfs(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok ? 0 : -1;
}

/* probe BDF N: times the (re)bind of BDF to the driver its driver_override names. */
static int probe(const char *bdf, int n)
{
	char path[256];
	uint64_t t0;
	int i;

	samples = calloc(n, sizeof(*samples));
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind", bdf);
		if (!access(path, F_OK) && write_sysfs(path, bdf)) {
			perror("vfio_bench: unbind");
			return 1;
		}
		t0 = now_ns();
		if (write_sysfs("/sys/bus/pci/drivers_probe", bdf)) {
			perror("vfio_bench: drivers_probe");
			return 1;
		}
		samples[i] = now_ns() - t0;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
		if (access(path, F_OK)) {
			fprintf(stderr, "vfio_bench: %s did not bind\n", bdf);
			return 1;
		}
	}
	report("pf_probe", n);
	return 0;
}

/* Opens the vfio cdev of BDF (looked up each time, as a user would) and binds it to IOMMUFD
 * with TOKEN; the fd or -1. */
static int cdev_bind(const char *bdf, int iommufd, const char *token)
{
	char path[300];
	int fd;

	if (vg_cdev_path(bdf, path, sizeof(path)))
		return -1;
	fd = vg_cdev_bind(path, iommufd, token);
	return fd < 0 ? -1 : fd;
}

/* Runs the selected metrics on an open PF; returns 1 if one failed. */
static int run_metrics(const char *sel, const char *vf, int iters, int open_iters,
		       const char *token_str, uuid_t token, int pffd, int vfgroup, int iommufd)
{
	struct { struct vfio_device_feature f; uuid_t u; } feat = {
		.f.argsz = sizeof(feat),
		.f.flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_PCI_VF_TOKEN,
	};
	char vfstr[128], wrongstr[128];
	int i, n, fd, bad = 0;
	uint64_t t0;

	memcpy(feat.u, token, sizeof(uuid_t));
	if (selected(sel, "feature_set")) {
		for (i = n = 0; i < iters; i++) {
			t0 = now_ns();
			if (ioctl(pffd, VFIO_DEVICE_FEATURE, &feat)) {
				fprintf(stderr, "feature_set: %s\n", strerror(errno));
				bad = 1;
				break;
			}
			samples[n++] = now_ns() - t0;
		}
		report("feature_set", n);
	}

	snprintf(vfstr, sizeof(vfstr), "%s vf_token=%s", vf, token_str);
	if (selected(sel, "group_open_close")) {
		for (i = n = 0; i < open_iters; i++) {
			t0 = now_ns();
			fd = ioctl(vfgroup, VFIO_GROUP_GET_DEVICE_FD, vfstr);
			if (fd < 0) {
				fprintf(stderr, "group_open_close: %s\n", strerror(errno));
				bad = 1;
				break;
			}
			close(fd);
			samples[n++] = now_ns() - t0;
		}
		report("group_open_close", n);
	}

	snprintf(wrongstr, sizeof(wrongstr), "%s vf_token=%s", vf, wrong);
	if (selected(sel, "wrong_token")) {
		for (i = n = 0; i < iters; i++) {
			t0 = now_ns();
			fd = ioctl(vfgroup, VFIO_GROUP_GET_DEVICE_FD, wrongstr);
			if (fd >= 0 || errno != EACCES) {
				fprintf(stderr, "wrong_token: %s\n", fd >= 0 ? "opened" : strerror(errno));
				if (fd >= 0)
					close(fd);
				bad = 1;
				break;
			}
			samples[n++] = now_ns() - t0;
		}
		report("wrong_token", n);
	}

	if (selected(sel, "no_token")) {
		for (i = n = 0; i < iters; i++) {
			t0 = now_ns();
			fd = ioctl(vfgroup, VFIO_GROUP_GET_DEVICE_FD, vf);
			if (fd >= 0 || errno != EACCES) {
				fprintf(stderr, "no_token: %s\n", fd >= 0 ? "opened" : strerror(errno));
				if (fd >= 0)
					close(fd);
				bad = 1;
				break;
			}
			samples[n++] = now_ns() - t0;
		}
		report("no_token", n);
	}

	/* The cdev refuses to bind while the VF's group is open. */
	if (vfgroup >= 0)
		close(vfgroup);
	if (selected(sel, "cdev_open_close")) {
		for (i = n = 0; i < open_iters; i++) {
			t0 = now_ns();
			fd = cdev_bind(vf, iommufd, token_str);
			if (fd < 0) {
				fprintf(stderr, "cdev_open_close: %s\n", strerror(errno));
				bad = 1;
				break;
			}
			close(fd);
			samples[n++] = now_ns() - t0;
		}
		report("cdev_open_close", n);
	}
	return bad;
}

int main(int argc, char **argv)
{
	const char *pf = getenv("PF"), *vf = getenv("VF0"), *s = getenv("ITERS");
	const char *so = getenv("OPEN_ITERS"), *sel = getenv("METRICS"), *hold = getenv("HOLD");
	int pfgroup = -1, vfgroup = -1, pffd, iommufd = -1, iters, open_iters, i;
	int held[MAX_HOLD], heldgroup[MAX_HOLD], nheld = 0, bad;
	int need_group, need_cdev;
	char pfstr[128];
	uuid_t token;

	if (argc == 4 && !strcmp(argv[1], "probe"))
		return probe(argv[2], atoi(argv[3]) > 0 ? atoi(argv[3]) : 1);
	if (argc != 2 || !pf || !vf || uuid_parse(argv[1], token)) {
		fprintf(stderr, "usage: PF=BDF VF0=BDF [ITERS=N] [OPEN_ITERS=M] [METRICS=a,b] "
			"[HOLD=K] [TAG=s] vfio_bench TOKEN | vfio_bench probe BDF N\n");
		return 2;
	}
	if (getenv("TAG"))
		tag = getenv("TAG");
	iters = s ? atoi(s) : 1000;
	if (iters <= 0)
		iters = 1000;
	open_iters = so ? atoi(so) : iters;
	if (open_iters <= 0)
		open_iters = iters;
	samples = calloc(iters > open_iters ? iters : open_iters, sizeof(*samples));
	need_group = selected(sel, "feature_set") || selected(sel, "group_open_close") ||
		     selected(sel, "wrong_token") || selected(sel, "no_token");
	need_cdev = selected(sel, "cdev_open_close");

	if (need_cdev || !need_group) {
		iommufd = open("/dev/iommu", O_RDWR);
		if (iommufd < 0) {
			perror("vfio_bench: /dev/iommu");
			return 1;
		}
	}
	/* Opening the PF with a token while no VF is open sets the token. */
	if (need_group) {
		pfgroup = vg_open_group(pf);
		vfgroup = vg_open_group(vf);
		if (pfgroup < 0 || vfgroup < 0) {
			perror("vfio_bench: container/groups");
			return 1;
		}
		snprintf(pfstr, sizeof(pfstr), "%s vf_token=%s", pf, argv[1]);
		pffd = ioctl(pfgroup, VFIO_GROUP_GET_DEVICE_FD, pfstr);
	} else {
		pffd = cdev_bind(pf, iommufd, argv[1]);
	}
	if (pffd < 0) {
		perror("vfio_bench: open PF with token");
		return 1;
	}
	for (i = 1; hold && i <= atoi(hold); i++) {
		char path[256], link[256];
		ssize_t len;

		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/virtfn%d", pf, i);
		len = readlink(path, link, sizeof(link) - 1);
		if (len < 0 || nheld == MAX_HOLD) {
			fprintf(stderr, "vfio_bench: hold: no %s (or over %d)\n", path, MAX_HOLD);
			return 1;
		}
		link[len] = 0;
		heldgroup[nheld] = -1;
		if (need_cdev) {
			held[nheld] = cdev_bind(strrchr(link, '/') + 1, iommufd, argv[1]);
		} else {
			heldgroup[nheld] = vg_open_group(strrchr(link, '/') + 1);
			held[nheld] = -1;
			if (heldgroup[nheld] >= 0) {
				held[nheld] = vg_open_device(heldgroup[nheld],
							     strrchr(link, '/') + 1, argv[1]);
				if (held[nheld] < 0) {
					errno = -held[nheld];
					held[nheld] = -1;
				}
			}
		}
		if (held[nheld] < 0) {
			fprintf(stderr, "vfio_bench: hold %s: %s\n", link, strerror(errno));
			return 1;
		}
		nheld++;
	}

	bad = run_metrics(sel, vf, iters, open_iters, argv[1], token, pffd, vfgroup, iommufd);

	for (i = 0; i < nheld; i++) {
		close(held[i]);
		if (heldgroup[i] >= 0)
			close(heldgroup[i]);
	}
	close(pffd);
	if (pfgroup >= 0)
		close(pfgroup);
	if (vg_container >= 0)
		close(vg_container);
	if (iommufd >= 0)
		close(iommufd);
	return bad;
}
