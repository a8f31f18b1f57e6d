// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_bench: times the VF token paths of a vfio-pci driver, per call, with
 * clock_gettime(CLOCK_MONOTONIC). Used by the rig's bench suite to compare the Rust
 * driver with the C vfio-pci.
 * Usage: PF=BDF VF0=BDF [ITERS=N] [OPEN_ITERS=M] vfio_bench TOKEN
 * (VF0 a VF of PF, both bound to vfio-pci; N defaults to 1000; M, the iterations of the two
 * metrics that open the device, to N: each successful open resets the VF, ~0.2 s). Metrics:
 *   feature_set        VFIO_DEVICE_FEATURE_PCI_VF_TOKEN SET on the open PF fd
 *   group_open_close   VFIO_GROUP_GET_DEVICE_FD "VF0 vf_token=TOKEN" + close(devfd)
 *   wrong_token        VFIO_GROUP_GET_DEVICE_FD with another token (EACCES expected)
 *   cdev_open_close    open /dev/vfio/devices/vfioX + VFIO_DEVICE_BIND_IOMMUFD with
 *                      VFIO_DEVICE_BIND_FLAG_TOKEN + close
 * Prints "BENCH <metric> n=N median_ns=.. p99_ns=.. min_ns=.." per metric; exits 1 if an
 * operation failed other than expected.
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

static const char *wrong = "00000000-1111-4222-8333-444444444444";
static uint64_t *samples;
static int iters;

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
		printf("BENCH %s n=0 failed\n", metric);
		return;
	}
	qsort(samples, n, sizeof(*samples), cmp_u64);
	if (p99 >= n)
		p99 = n - 1;
	printf("BENCH %s n=%d median_ns=%llu p99_ns=%llu min_ns=%llu\n", metric, n,
	       (unsigned long long)samples[n / 2], (unsigned long long)samples[p99],
	       (unsigned long long)samples[0]);
	fflush(stdout);
}

/* Opens the group of BDF and puts it into CONTAINER (type1v2 set once). */
static int open_group(const char *bdf, int container)
{
	char path[256], link[256], *n;
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	len = readlink(path, link, sizeof(link) - 1);
	if (len < 0)
		return -1;
	link[len] = 0;
	n = strrchr(link, '/');
	snprintf(path, sizeof(path), "/dev/vfio/%s", n + 1);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return -1;
	if (ioctl(fd, VFIO_GROUP_SET_CONTAINER, &container)) {
		close(fd);
		return -1;
	}
	/* The first group makes the IOMMU settable; EBUSY-free for the later ones. */
	ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU);
	return fd;
}

/* /dev/vfio/devices/vfioX of BDF, into PATH. */
static int cdev_of(const char *bdf, char *path, size_t size)
{
	char dir[256];
	struct dirent *e;
	DIR *d;
	int found = -1;

	snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s/vfio-dev", bdf);
	d = opendir(dir);
	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "vfio", 4)) {
			snprintf(path, size, "/dev/vfio/devices/%.64s", e->d_name);
			found = 0;
			break;
		}
	closedir(d);
	return found;
}

int main(int argc, char **argv)
{
	const char *pf = getenv("PF"), *vf = getenv("VF0"), *s = getenv("ITERS");
	const char *so = getenv("OPEN_ITERS");
	char vfstr[128], wrongstr[128], cdev[256];
	int container, pfgroup, vfgroup, pffd, iommufd, fd, i, n, open_iters, bad = 0;
	struct { struct vfio_device_feature f; uuid_t u; } feat = {
		.f.argsz = sizeof(feat),
		.f.flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_PCI_VF_TOKEN,
	};
	uuid_t token;
	uint64_t t0;

	if (argc != 2 || !pf || !vf || uuid_parse(argv[1], token)) {
		fprintf(stderr, "usage: PF=BDF VF0=BDF [ITERS=N] vfio_bench TOKEN\n");
		return 2;
	}
	iters = s ? atoi(s) : 1000;
	if (iters <= 0)
		iters = 1000;
	open_iters = so ? atoi(so) : iters;
	if (open_iters <= 0 || open_iters > iters)
		open_iters = iters;
	samples = calloc(iters, sizeof(*samples));
	memcpy(feat.u, token, sizeof(token));

	container = open("/dev/vfio/vfio", O_RDWR);
	pfgroup = open_group(pf, container);
	vfgroup = open_group(vf, container);
	if (container < 0 || pfgroup < 0 || vfgroup < 0) {
		perror("vfio_bench: container/groups");
		return 1;
	}
	/* Opening the PF with a token while no VF is open sets the token. */
	snprintf(vfstr, sizeof(vfstr), "%s vf_token=%s", pf, argv[1]);
	pffd = ioctl(pfgroup, VFIO_GROUP_GET_DEVICE_FD, vfstr);
	if (pffd < 0) {
		perror("vfio_bench: open PF with token");
		return 1;
	}

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

	snprintf(vfstr, sizeof(vfstr), "%s vf_token=%s", vf, argv[1]);
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

	snprintf(wrongstr, sizeof(wrongstr), "%s vf_token=%s", vf, wrong);
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

	/* The cdev refuses to bind while the VF's group is open. */
	close(vfgroup);
	iommufd = open("/dev/iommu", O_RDWR);
	if (iommufd < 0 || cdev_of(vf, cdev, sizeof(cdev))) {
		fprintf(stderr, "cdev_open_close: no /dev/iommu or vfio cdev of %s\n", vf);
		report("cdev_open_close", 0);
		return 1;
	}
	for (i = n = 0; i < open_iters; i++) {
		struct vfio_device_bind_iommufd bind = {
			.argsz = sizeof(bind),
			.flags = VFIO_DEVICE_BIND_FLAG_TOKEN,
			.iommufd = iommufd,
			.token_uuid_ptr = (uintptr_t)token,
		};

		t0 = now_ns();
		fd = open(cdev, O_RDWR);
		if (fd < 0 || ioctl(fd, VFIO_DEVICE_BIND_IOMMUFD, &bind)) {
			fprintf(stderr, "cdev_open_close: %s %s\n", fd < 0 ? "open" : "bind",
				strerror(errno));
			if (fd >= 0)
				close(fd);
			bad = 1;
			break;
		}
		close(fd);
		samples[n++] = now_ns() - t0;
	}
	report("cdev_open_close", n);

	close(iommufd);
	close(pffd);
	close(pfgroup);
	close(container);
	return bad;
}
