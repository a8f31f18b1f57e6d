// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_pci_vf_token_test: the SR-IOV VF token of vfio-pci, on both ways of opening a device:
 *   group path  a VFIO_TYPE1v2_IOMMU container + /dev/vfio/N group + VFIO_GROUP_GET_DEVICE_FD
 *               "BDF" or "BDF vf_token=UUID";
 *   cdev path   /dev/vfio/devices/vfioX + /dev/iommu + VFIO_DEVICE_BIND_IOMMUFD, with
 *               VFIO_DEVICE_BIND_FLAG_TOKEN and token_uuid_ptr for a token.
 * The vfio selftest library (libvfio) opens the containers, groups, cdevs and iommufds and
 * makes the token calls it has; the test makes its own ioctls only where a step must see a
 * refused call the library would assert on, or passes arguments the library does not build
 * (malformed strings, bind and feature arguments).
 *
 * The devices come from the environment (every one is needed; the tests skip otherwise):
 *   PF       an SR-IOV PF bound to vfio-pci, with at least two VFs created through it
 *   VF0 VF1  two VFs of PF, bound to vfio-pci
 *   PLAIN    a device bound to vfio-pci that is neither a PF nor a VF
 *   HOST_VF  a VF bound to vfio-pci whose PF is bound to another driver (e.g. igb)
 * e.g.  PF=0000:01:00.0 VF0=0000:01:10.0 VF1=0000:01:10.2 PLAIN=0000:03:00.0 \
 *       HOST_VF=0000:02:10.0 vfio_pci_vf_token_test
 * No other process may use these devices while the test runs.
 *
 * The expectations are those of the C vfio-pci of Linux 7.3: vfio_pci_core_match(),
 * vfio_pci_core_match_token_uuid(), vfio_pci_core_feature_token() and vfio_df_check_token().
 * Besides the harness' output, every step prints one line
 *   REC <case> <errno name, or 0>
 * (for a sysfs step: 0, the errno of the read, or EILSEQ for another value) and, when the
 * kernel logged a VF token line during the step (read from /dev/kmsg),
 *   LOG <case> <that log line>
 * so that two runs, e.g. against two drivers, can be compared case by case; a step also
 * fails if the log line is not the one C logs. A step that must succeed and that the
 * library makes (opening a group, setting the token with VFIO_DEVICE_FEATURE) ends its test
 * through the library's assertion when it fails, without its REC line. C rate-limits the
 * log lines with pci_info_ratelimited(), 10 per 5 s per call site: the tests before the
 * "ratelimit" fixture log at most 10 lines of each message, so that none is dropped, and the
 * "ratelimit" fixture (last; it first waits for their windows to close, vfio_ratelimit.h)
 * checks the per-call-site limits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/vfio.h>
#include <uuid/uuid.h>

#include <libvfio.h>

#include "kselftest_harness.h"
#include "vfio_ratelimit.h"

#define U1 "52ac9bff-3a88-4fbd-901a-0d767c3b6c97"
#define U1_UPPER "52AC9BFF-3A88-4FBD-901A-0D767C3B6C97"
#define U2 "88594674-90a0-47a9-aea8-9d9b352ac08a"
#define U3 "1c3b3d0e-7a2f-4b41-9f64-3e5a0c2d8b17"

#define TIMEOUT 120

/* One way of opening devices, and what a test has open through it. */
struct ctx {
	const char *path;		/* "group" or "cdev": the prefix of case names */
	bool cdev;
	const char *pf, *vf0, *vf1, *plain, *host_vf;
	struct iommu *iommu;		/* the container (group path) or the iommufd (cdev path) */
	struct {			/* group path: each IOMMU group, set up once */
		int nr;
		struct vfio_pci_device *dev;	/* its group_fd, added to the container */
	} groups[8];
	int ngroups;
	int kmsg;
	char logline[256];		/* the first VF token line of the last step */
	int nlogged;
};

static const char *ename(int err)
{
	const char *name;

	if (!err)
		return "0";
	name = strerrorname_np(err);
	return name ? name : "E?";
}

static void record(struct ctx *c, const char *name, int err)
{
	printf("REC %s.%s %s\n", c->path, name, ename(err));
	fflush(stdout);
}

/* Skips the kernel log written so far. */
static void log_begin(struct ctx *c)
{
	c->logline[0] = 0;
	c->nlogged = 0;
	if (c->kmsg >= 0)
		lseek(c->kmsg, 0, SEEK_END);
}

/* Prints (and keeps the first of) the VF token lines logged since log_begin(). */
static void log_end(struct ctx *c, const char *name)
{
	static struct kmsg_record r;

	if (c->kmsg < 0)
		return;
	while (kmsg_next(c->kmsg, &r)) {
		if (!strstr(r.msg, "VF token"))
			continue;
		printf("LOG %s.%s %s\n", c->path, name, r.msg);
		if (!c->nlogged++)
			snprintf(c->logline, sizeof(c->logline), "%s", r.msg);
	}
	fflush(stdout);
}

/* Whether the last step logged exactly "vfio-pci BDF: MSG", or nothing if MSG is NULL. */
static bool logged(struct ctx *c, const char *bdf, const char *msg)
{
	char want[256];

	if (c->kmsg < 0)
		return true;	/* no kernel log to check */
	if (!msg)
		return c->nlogged == 0;
	snprintf(want, sizeof(want), "vfio-pci %s: %s", bdf, msg);
	return c->nlogged == 1 && !strcmp(c->logline, want);
}

/*
 * One step: runs CALL (which returns 0 or an errno), records it, and expects the errno
 * EXPECT and the log line "vfio-pci BDF: MSG" (no VF token line when MSG is NULL).
 */
#define STEP_LOG(c, name, expect, bdf, msg, call) do {				\
	int __err;								\
										\
	log_begin(c);								\
	__err = (call);								\
	record(c, name, __err);							\
	log_end(c, name);							\
	EXPECT_EQ(expect, __err)						\
		TH_LOG("%s.%s: expected %s, got %s", (c)->path, name,		\
		       ename(expect), ename(__err));				\
	EXPECT_TRUE(logged(c, bdf, msg))					\
		TH_LOG("%s.%s: kernel logged \"%s\" (%d lines), expected \"%s\"",	\
		       (c)->path, name, (c)->logline, (c)->nlogged,		\
		       (msg) ? (const char *)(msg) : "");			\
} while (0)

#define STEP(c, name, expect, call) STEP_LOG(c, name, expect, NULL, NULL, call)

static void dev_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * The library's device that holds BDF's IOMMU group on the group path: the group is opened
 * and added to the container once (a group file opens only once at a time), and serves every
 * device of the group.
 */
static struct vfio_pci_device *group_of(struct ctx *c, const char *bdf)
{
	struct vfio_pci_device *dev;
	int nr = sysfs_iommu_group_get(bdf), i;

	for (i = 0; i < c->ngroups; i++)
		if (c->groups[i].nr == nr)
			return c->groups[i].dev;
	VFIO_ASSERT_LT(c->ngroups, (int)ARRAY_SIZE(c->groups));
	dev = vfio_pci_device_alloc(bdf, c->iommu);
	vfio_pci_group_setup(dev, bdf);
	vfio_container_set_iommu(dev);
	c->groups[c->ngroups].nr = nr;
	c->groups[c->ngroups].dev = dev;
	c->ngroups++;
	return dev;
}

/* A fresh fd of BDF's vfio cdev, not bound yet. */
static int cdev_open(struct ctx *c, const char *bdf)
{
	struct vfio_pci_device *dev = vfio_pci_device_alloc(bdf, c->iommu);
	int fd;

	vfio_pci_cdev_open(dev, bdf);
	fd = dev->fd;
	vfio_pci_device_free(dev);
	return fd;
}

/* Opens BDF with TOKEN (a UUID string, or NULL for none): 0 and *fd, or the errno. */
static int dev_open(struct ctx *c, const char *bdf, const char *token, int *fd)
{
	struct vfio_pci_device *group;
	int err;

	if (!c->cdev) {
		group = group_of(c, bdf);
		__vfio_pci_group_get_device_fd(group, bdf, token);
		*fd = group->fd;
		return *fd < 0 ? errno : 0;
	}
	*fd = cdev_open(c, bdf);
	err = -__vfio_device_bind_iommufd(*fd, c->iommu->iommufd, token);
	if (err)
		dev_close(fd);
	return err;
}

/* Opens and at once closes BDF: the errno of the open. */
static int try_open(struct ctx *c, const char *bdf, const char *token)
{
	int fd, err = dev_open(c, bdf, token, &fd);

	if (!err)
		close(fd);
	return err;
}

/* VFIO_GROUP_GET_DEVICE_FD with the string STR on BDF's group, closed at once. */
static int try_group_str(struct ctx *c, const char *bdf, const char *str)
{
	int fd = ioctl(group_of(c, bdf)->group_fd, VFIO_GROUP_GET_DEVICE_FD, str);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/* VFIO_DEVICE_BIND_IOMMUFD with BIND on a fresh fd of BDF's cdev, closed at once. */
static int try_bind(struct ctx *c, const char *bdf, struct vfio_device_bind_iommufd bind)
{
	int fd = cdev_open(c, bdf), err;

	err = ioctl(fd, VFIO_DEVICE_BIND_IOMMUFD, &bind) ? errno : 0;
	close(fd);
	return err;
}

/* The library's VF_TOKEN SET, for a step that must succeed (the library asserts it): 0. */
static int set_token(int fd, const char *token)
{
	vfio_device_set_vf_token(fd, token);
	return 0;
}

/* VFIO_DEVICE_FEATURE with FLAGS and DATASZ bytes of data, TOKEN (or zeroes) first. */
static int feature(int fd, __u32 flags, const char *token, __u32 datasz)
{
	struct {
		struct vfio_device_feature hdr;
		__u8 data[32];
	} arg = {
		.hdr.argsz = sizeof(arg.hdr) + datasz,
		.hdr.flags = flags,
	};

	if (token && uuid_parse(token, arg.data))
		return EDOM;
	return ioctl(fd, VFIO_DEVICE_FEATURE, &arg) ? errno : 0;
}

#define TOKEN_SET (VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_PCI_VF_TOKEN)

/* VF_TOKEN SET whose header is readable but whose data is on an inaccessible page. */
static int feature_data_fault(int fd)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct vfio_device_feature *hdr;
	char *p;
	int err;

	p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return errno;
	if (mprotect(p + pg, pg, PROT_NONE)) {
		err = errno;
		munmap(p, 2 * pg);
		return err;
	}
	hdr = (struct vfio_device_feature *)(p + pg - sizeof(*hdr));
	hdr->argsz = sizeof(*hdr) + sizeof(uuid_t);
	hdr->flags = TOKEN_SET;
	err = ioctl(fd, VFIO_DEVICE_FEATURE, hdr) ? errno : 0;
	munmap(p, 2 * pg);
	return err;
}

/* The PF's vf_token_users, or -1 if the driver has no such attribute (C vfio-pci). */
static int vf_token_users(const char *pf)
{
	char path[PATH_MAX];
	int n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vf_token_users", pf);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &n) != 1)
		n = -2;
	fclose(f);
	return n;
}

#define EXPECT_USERS(c, n) do {						\
	int __users = vf_token_users((c)->pf);				\
									\
	if (__users != -1)						\
		EXPECT_EQ(n, __users) TH_LOG("%s/vf_token_users", (c)->pf);		\
} while (0)

/* The devices from the environment, and the library's container or iommufd of the path. */
static bool ctx_init(struct ctx *c, bool cdev)
{
	memset(c, 0, sizeof(*c));
	c->kmsg = -1;
	c->cdev = cdev;
	c->path = cdev ? "cdev" : "group";
	c->pf = getenv("PF");
	c->vf0 = getenv("VF0");
	c->vf1 = getenv("VF1");
	c->plain = getenv("PLAIN");
	c->host_vf = getenv("HOST_VF");
	if (!c->pf || !c->vf0 || !c->vf1 || !c->plain || !c->host_vf)
		return false;
	c->kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	c->iommu = iommu_init(cdev ? MODE_IOMMUFD : MODE_VFIO_TYPE1V2_IOMMU);
	return true;
}

static void ctx_fini(struct ctx *c)
{
	int i;

	for (i = 0; i < c->ngroups; i++) {
		close(c->groups[i].dev->group_fd);
		vfio_pci_device_free(c->groups[i].dev);
	}
	c->ngroups = 0;
	if (c->iommu)
		iommu_cleanup(c->iommu);
	c->iommu = NULL;
	if (c->kmsg >= 0)
		close(c->kmsg);
	c->kmsg = -1;
}

#define NEED_DEVICES "set PF, VF0, VF1, PLAIN and HOST_VF (see the top of the source)"
/* Kernels without CONFIG_VFIO_DEVICE_CDEV (Debian's 7.3, for one) have only the group path. */
#define NEED_CDEV "no vfio device cdev in this kernel (CONFIG_VFIO_DEVICE_CDEV, CONFIG_IOMMUFD)"
static bool have_cdev(void)
{
	return access("/dev/vfio/devices", F_OK) == 0 && access("/dev/iommu", F_OK) == 0;
}

/* The token rules, on both paths. */
FIXTURE(token) {
	struct ctx c;
};

FIXTURE_VARIANT(token) {
	bool cdev;
};

FIXTURE_VARIANT_ADD(token, group) {
	.cdev = false,
};

FIXTURE_VARIANT_ADD(token, cdev) {
	.cdev = true,
};

FIXTURE_SETUP(token)
{
	if (variant->cdev && !have_cdev())
		SKIP(return, NEED_CDEV);
	if (!ctx_init(&self->c, variant->cdev))
		SKIP(return, NEED_DEVICES);
}

FIXTURE_TEARDOWN(token)
{
	ctx_fini(&self->c);
}

/* PF, VF, neither, and the VF of a PF that vfio-pci does not drive. */
TEST_F_TIMEOUT(token, roles, TIMEOUT)
{
	struct ctx *c = &self->c;

	STEP(c, "roles.pf.no_token", 0, try_open(c, c->pf, NULL));
	STEP(c, "roles.pf.token", 0, try_open(c, c->pf, U1));
	STEP_LOG(c, "roles.vf0.no_token", EACCES, c->vf0, REQUIRED, try_open(c, c->vf0, NULL));
	STEP(c, "roles.vf0.token", 0, try_open(c, c->vf0, U1));
	STEP(c, "roles.plain.no_token", 0, try_open(c, c->plain, NULL));
	STEP_LOG(c, "roles.plain.token", EINVAL, c->plain, NOT_PF_OR_VF,
		 try_open(c, c->plain, U1));
	STEP_LOG(c, "roles.host_vf.token", EINVAL, c->host_vf, PF_NOT_BOUND,
		 try_open(c, c->host_vf, U1));
	STEP(c, "roles.host_vf.no_token", 0, try_open(c, c->host_vf, NULL));
}

/* The PF's user sets the token by opening the PF with one; VFs need exactly that token. */
TEST_F_TIMEOUT(token, set_by_open, TIMEOUT)
{
	struct ctx *c = &self->c;

	STEP(c, "open.pf.set_token", 0, try_open(c, c->pf, U1));
	STEP_LOG(c, "open.vf0.wrong_token", EACCES, c->vf0, INCORRECT, try_open(c, c->vf0, U2));
	STEP(c, "open.vf0.right_token", 0, try_open(c, c->vf0, U1));
	STEP(c, "open.vf1.right_token", 0, try_open(c, c->vf1, U1));
	STEP(c, "open.pf.new_token", 0, try_open(c, c->pf, U2));
	STEP(c, "open.vf0.new_token", 0, try_open(c, c->vf0, U2));
	STEP(c, "open.vf1.new_token", 0, try_open(c, c->vf1, U2));
}

/* VFIO_DEVICE_FEATURE_PCI_VF_TOKEN: SET only, on a PF only. */
TEST_F_TIMEOUT(token, feature, TIMEOUT)
{
	struct ctx *c = &self->c;
	int pf, vf0, plain, host_vf;

	STEP(c, "feature.pf.open", 0, dev_open(c, c->pf, U1, &pf));
	STEP(c, "feature.pf.set", 0, set_token(pf, U2));
	STEP_LOG(c, "feature.vf0.old_token", EACCES, c->vf0, INCORRECT,
		 try_open(c, c->vf0, U1));
	STEP(c, "feature.vf0.new_token", 0, try_open(c, c->vf0, U2));

	STEP(c, "feature.pf.get", EINVAL,
	     feature(pf, VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_PCI_VF_TOKEN, NULL, 16));
	STEP(c, "feature.pf.probe", 0,
	     feature(pf, VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_PCI_VF_TOKEN, NULL, 0));
	STEP(c, "feature.pf.probe_set", 0,
	     feature(pf, VFIO_DEVICE_FEATURE_PROBE | TOKEN_SET, NULL, 0));
	STEP(c, "feature.pf.probe_get", EINVAL,
	     feature(pf, VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET |
		     VFIO_DEVICE_FEATURE_PCI_VF_TOKEN, NULL, 0));
	STEP(c, "feature.pf.neither_get_nor_set", EINVAL,
	     feature(pf, VFIO_DEVICE_FEATURE_PCI_VF_TOKEN, U2, 16));
	STEP(c, "feature.pf.short_argsz", EINVAL, feature(pf, TOKEN_SET, U2, 15));
	STEP(c, "feature.pf.no_data", EINVAL, feature(pf, TOKEN_SET, NULL, 0));
	STEP(c, "feature.pf.long_argsz", 0, feature(pf, TOKEN_SET, U2, 32));
	STEP(c, "feature.pf.bad_arg_pointer", EFAULT,
	     ioctl(pf, VFIO_DEVICE_FEATURE, (void *)1) ? errno : 0);
	STEP(c, "feature.pf.bad_data_pointer", EFAULT, feature_data_fault(pf));
	STEP(c, "feature.vf0.token_kept", 0, try_open(c, c->vf0, U2));

	STEP(c, "feature.vf0.open", 0, dev_open(c, c->vf0, U2, &vf0));
	STEP(c, "feature.vf0.set", ENOTTY, feature(vf0, TOKEN_SET, U3, 16));
	STEP(c, "feature.vf0.probe", ENOTTY,
	     feature(vf0, VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_PCI_VF_TOKEN, NULL, 0));
	STEP(c, "feature.vf0.get", ENOTTY,
	     feature(vf0, VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_PCI_VF_TOKEN, NULL, 16));
	/* SET does not look at the users: it works while a VF is open. */
	STEP(c, "feature.pf.set_vf_open", 0, set_token(pf, U3));
	STEP(c, "feature.vf1.token_set_vf_open", 0, try_open(c, c->vf1, U3));
	dev_close(&vf0);

	STEP(c, "feature.plain.open", 0, dev_open(c, c->plain, NULL, &plain));
	STEP(c, "feature.plain.set", ENOTTY, feature(plain, TOKEN_SET, U3, 16));
	STEP(c, "feature.plain.probe", ENOTTY,
	     feature(plain, VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_PCI_VF_TOKEN,
		     NULL, 0));
	dev_close(&plain);
	STEP(c, "feature.host_vf.open", 0, dev_open(c, c->host_vf, NULL, &host_vf));
	STEP(c, "feature.host_vf.set", ENOTTY, feature(host_vf, TOKEN_SET, U3, 16));
	dev_close(&host_vf);
	dev_close(&pf);
}

/*
 * While a VF is open the PF needs the token; once every VF is closed, opening the PF with
 * a token sets it again. On the group path a device may be opened more than once (only
 * the first open counts as a user); the cdev path refuses a second bind with EINVAL, after
 * the token check.
 */
TEST_F_TIMEOUT(token, users, TIMEOUT)
{
	struct ctx *c = &self->c;
	int pf, vf0, vf1, again = -1;

	STEP(c, "users.pf.set_token", 0, try_open(c, c->pf, U1));
	EXPECT_USERS(c, 0);
	STEP(c, "users.vf0.open", 0, dev_open(c, c->vf0, U1, &vf0));
	EXPECT_USERS(c, 1);
	STEP_LOG(c, "users.pf.no_token_vf_open", EACCES, c->pf, REQUIRED,
		 try_open(c, c->pf, NULL));
	STEP_LOG(c, "users.pf.wrong_token_vf_open", EACCES, c->pf, INCORRECT,
		 try_open(c, c->pf, U2));
	STEP(c, "users.pf.right_token_vf_open", 0, dev_open(c, c->pf, U1, &pf));
	STEP(c, "users.vf1.open", 0, dev_open(c, c->vf1, U1, &vf1));
	EXPECT_USERS(c, 2);
	STEP(c, "users.pf.feature_set_vfs_open", 0, set_token(pf, U2));
	STEP_LOG(c, "users.pf.second_open_old_token", EACCES, c->pf, INCORRECT,
		 try_open(c, c->pf, U1));
	STEP(c, "users.pf.second_open_new_token", c->cdev ? EINVAL : 0,
	     try_open(c, c->pf, U2));
	dev_close(&pf);
	dev_close(&vf0);
	EXPECT_USERS(c, 1);
	STEP_LOG(c, "users.pf.no_token_one_vf_open", EACCES, c->pf, REQUIRED,
		 try_open(c, c->pf, NULL));
	STEP(c, "users.vf1.second_open", c->cdev ? EINVAL : 0, dev_open(c, c->vf1, U2, &again));
	dev_close(&again);
	EXPECT_USERS(c, 1);
	dev_close(&vf1);
	EXPECT_USERS(c, 0);
	STEP(c, "users.pf.no_token_no_vf_open", 0, try_open(c, c->pf, NULL));
	STEP(c, "users.pf.new_token_no_vf_open", 0, try_open(c, c->pf, U3));
	STEP(c, "users.vf0.new_token", 0, try_open(c, c->vf0, U3));
	STEP(c, "users.vf1.new_token", 0, try_open(c, c->vf1, U3));
	EXPECT_USERS(c, 0);
}

/*
 * A child opens BDF with TOKEN, reports the errno through *report and, once told to (or
 * killed), exits without closing anything. Returns the child's pid.
 */
static pid_t open_in_child(struct ctx *c, const char *bdf, const char *token, int *report,
			   int *go)
{
	int up[2], down[2], fd, err;
	char byte;
	pid_t pid;

	if (pipe(up) || pipe(down))
		return -1;
	pid = fork();
	if (pid == 0) {
		err = dev_open(c, bdf, token, &fd);
		if (write(up[1], &err, sizeof(err)) != sizeof(err))
			_exit(1);
		if (read(down[0], &byte, 1) < 0)
			_exit(1);
		_exit(0);	/* the device fd is closed by the exit */
	}
	close(up[1]);
	close(down[0]);
	*report = up[0];
	*go = down[1];
	return pid;
}

static int child_result(int report)
{
	int err;

	if (read(report, &err, sizeof(err)) != sizeof(err))
		return EPIPE;
	return err;
}

/* A VF left open by a process is closed when the process exits or is killed. */
TEST_F_TIMEOUT(token, closed_by_exit, TIMEOUT)
{
	struct ctx *c = &self->c;
	int report, go, status;
	pid_t pid;

	STEP(c, "exit.pf.set_token", 0, try_open(c, c->pf, U1));
	pid = open_in_child(c, c->vf0, U1, &report, &go);
	ASSERT_LT(0, pid);
	STEP(c, "exit.child.vf0_open", 0, child_result(report));
	EXPECT_USERS(c, 1);
	STEP_LOG(c, "exit.pf.no_token_child_has_vf", EACCES, c->pf, REQUIRED,
		 try_open(c, c->pf, NULL));
	EXPECT_EQ(1, write(go, "x", 1));
	EXPECT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(report);
	close(go);
	EXPECT_USERS(c, 0);
	STEP(c, "exit.pf.new_token_after_exit", 0, try_open(c, c->pf, U2));
	STEP(c, "exit.vf0.new_token_after_exit", 0, try_open(c, c->vf0, U2));

	pid = open_in_child(c, c->vf1, U2, &report, &go);
	ASSERT_LT(0, pid);
	STEP(c, "exit.child.vf1_open", 0, child_result(report));
	EXPECT_USERS(c, 1);
	EXPECT_EQ(0, kill(pid, SIGKILL));
	EXPECT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	close(report);
	close(go);
	EXPECT_USERS(c, 0);
	STEP(c, "exit.pf.new_token_after_kill", 0, try_open(c, c->pf, U3));
	STEP(c, "exit.vf1.new_token_after_kill", 0, try_open(c, c->vf1, U3));
}

/* The VF token in the string of VFIO_GROUP_GET_DEVICE_FD: vfio_pci_core_match(). */
FIXTURE(grammar) {
	struct ctx c;
};

FIXTURE_SETUP(grammar)
{
	if (!ctx_init(&self->c, false))
		SKIP(return, NEED_DEVICES);
}

FIXTURE_TEARDOWN(grammar)
{
	ctx_fini(&self->c);
}

/* VFIO_GROUP_GET_DEVICE_FD on the group of BDF with the string FMT, ... */
static int try_str(struct ctx *c, const char *bdf, const char *fmt, ...)
{
	char str[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(str, sizeof(str), fmt, ap);
	va_end(ap);
	return try_group_str(c, bdf, str);
}

TEST_F_TIMEOUT(grammar, match_string, TIMEOUT)
{
	struct ctx *c = &self->c;
	const char *vf0 = c->vf0;

	STEP(c, "grammar.pf.set_token", 0, try_open(c, c->pf, U1));
	STEP(c, "grammar.exact", 0, try_str(c, vf0, "%s vf_token=%s", vf0, U1));
	/* Any number of spaces separates options; nothing else does. */
	STEP(c, "grammar.two_spaces", 0, try_str(c, vf0, "%s  vf_token=%s", vf0, U1));
	STEP(c, "grammar.trailing_spaces", 0, try_str(c, vf0, "%s vf_token=%s  ", vf0, U1));
	STEP(c, "grammar.pf.name_and_space", 0, try_str(c, c->pf, "%s ", c->pf));
	STEP(c, "grammar.plain.name_and_space", 0, try_str(c, c->plain, "%s ", c->plain));
	/* Not a space right after the name: not this device; no device matches. */
	STEP(c, "grammar.tab_after_name", ENODEV, try_str(c, vf0, "%s\tvf_token=%s", vf0, U1));
	STEP(c, "grammar.name_prefix", ENODEV, try_str(c, vf0, "%s1 vf_token=%s", vf0, U1));
	STEP(c, "grammar.name_truncated", ENODEV,
	     try_str(c, vf0, "%.*s vf_token=%s", (int)strlen(vf0) - 1, vf0, U1));
	STEP(c, "grammar.leading_space", ENODEV, try_str(c, vf0, " %s vf_token=%s", vf0, U1));
	STEP(c, "grammar.empty_string", ENODEV, try_str(c, vf0, "%s", ""));
	/* After the name and a space, anything but a space or one vf_token= is EINVAL. */
	STEP(c, "grammar.tab_before_option", EINVAL,
	     try_str(c, vf0, "%s \tvf_token=%s", vf0, U1));
	STEP(c, "grammar.tab_after_token", EINVAL, try_str(c, vf0, "%s vf_token=%s\t", vf0, U1));
	STEP(c, "grammar.uppercase_hex", 0, try_str(c, vf0, "%s vf_token=%s", vf0, U1_UPPER));
	STEP(c, "grammar.braces", EINVAL, try_str(c, vf0, "%s vf_token={%s}", vf0, U1));
	STEP(c, "grammar.35_chars", EINVAL, try_str(c, vf0, "%s vf_token=%.35s", vf0, U1));
	STEP(c, "grammar.37_chars", EINVAL, try_str(c, vf0, "%s vf_token=%s0", vf0, U1));
	STEP(c, "grammar.empty_token", EINVAL, try_str(c, vf0, "%s vf_token=", vf0));
	STEP(c, "grammar.no_equals", EINVAL, try_str(c, vf0, "%s vf_token", vf0));
	STEP(c, "grammar.space_after_equals", EINVAL,
	     try_str(c, vf0, "%s vf_token= %s", vf0, U1));
	STEP(c, "grammar.not_hex", EINVAL,
	     try_str(c, vf0, "%s vf_token=g%s", vf0, U1 + 1));
	STEP(c, "grammar.dash_misplaced", EINVAL,
	     try_str(c, vf0, "%s vf_token=52ac9bff3-a88-4fbd-901a-0d767c3b6c97", vf0));
	STEP(c, "grammar.duplicate", EINVAL,
	     try_str(c, vf0, "%s vf_token=%s vf_token=%s", vf0, U1, U1));
	STEP(c, "grammar.unknown_option", EINVAL, try_str(c, vf0, "%s foo=1", vf0));
	STEP(c, "grammar.unknown_after_token", EINVAL,
	     try_str(c, vf0, "%s vf_token=%s foo", vf0, U1));
	STEP(c, "grammar.uppercase_option", EINVAL, try_str(c, vf0, "%s VF_TOKEN=%s", vf0, U1));
	/* The string is parsed before the token rules: no log line. */
	STEP(c, "grammar.plain.empty_token", EINVAL,
	     try_str(c, c->plain, "%s vf_token=", c->plain));
	STEP(c, "grammar.host_vf.empty_token", EINVAL,
	     try_str(c, c->host_vf, "%s vf_token=", c->host_vf));
	STEP(c, "grammar.right_token_again", 0, try_str(c, vf0, "%s vf_token=%s", vf0, U1));
}

/* VFIO_DEVICE_BIND_IOMMUFD arguments around the token. */
FIXTURE(bind) {
	struct ctx c;
};

FIXTURE_SETUP(bind)
{
	if (!have_cdev())
		SKIP(return, NEED_CDEV);
	if (!ctx_init(&self->c, true))
		SKIP(return, NEED_DEVICES);
}

FIXTURE_TEARDOWN(bind)
{
	ctx_fini(&self->c);
}

TEST_F_TIMEOUT(bind, arguments, TIMEOUT)
{
	struct ctx *c = &self->c;
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind),
		.flags = VFIO_DEVICE_BIND_FLAG_TOKEN,
		.iommufd = c->iommu->iommufd,
	};
	uuid_t u1, u2;
	int notfd;

	ASSERT_EQ(0, uuid_parse(U1, u1));
	ASSERT_EQ(0, uuid_parse(U2, u2));
	STEP(c, "bind.pf.set_token", 0, try_open(c, c->pf, U1));

	bind.token_uuid_ptr = 1;
	STEP(c, "bind.vf0.bad_token_pointer", EFAULT, try_bind(c, c->vf0, bind));
	bind.token_uuid_ptr = 0;
	STEP(c, "bind.vf0.null_token_pointer", EFAULT, try_bind(c, c->vf0, bind));
	bind.token_uuid_ptr = (uintptr_t)u1;
	/* Without token_uuid_ptr in argsz, the pointer reads as 0. */
	bind.argsz = offsetof(struct vfio_device_bind_iommufd, token_uuid_ptr);
	STEP(c, "bind.vf0.argsz_without_pointer", EFAULT, try_bind(c, c->vf0, bind));
	bind.argsz = sizeof(bind);
	bind.flags = 2;
	STEP(c, "bind.vf0.unknown_flag", EINVAL, try_bind(c, c->vf0, bind));
	/* Without the flag the pointer is ignored. */
	bind.flags = 0;
	STEP_LOG(c, "bind.vf0.pointer_without_flag", EACCES, c->vf0, REQUIRED,
		 try_bind(c, c->vf0, bind));
	bind.flags = VFIO_DEVICE_BIND_FLAG_TOKEN;
	STEP(c, "bind.vf0.right_token", 0, try_bind(c, c->vf0, bind));

	/* The token check comes before the iommufd: the PF takes the token all the same. */
	notfd = open("/dev/null", O_RDWR);
	ASSERT_LE(0, notfd);
	bind.iommufd = notfd;
	bind.token_uuid_ptr = (uintptr_t)u2;
	STEP(c, "bind.pf.token_not_iommufd", EBADFD, try_bind(c, c->pf, bind));
	close(notfd);
	bind.iommufd = c->iommu->iommufd;
	STEP(c, "bind.vf0.token_set_by_failed_bind", 0, try_bind(c, c->vf0, bind));
	STEP(c, "bind.plain.pointer_without_flag", 0,
	     try_bind(c, c->plain, (struct vfio_device_bind_iommufd){
		     .argsz = sizeof(bind), .iommufd = c->iommu->iommufd,
		     .token_uuid_ptr = (uintptr_t)u2 }));
}

/*
 * From the group path to the cdev path and back on one device, as the upstream selftests
 * do between two variants: a group-path user (in a child, with a DMA mapping) holds the
 * device, is killed and reaped; a cdev bind must then succeed, and while it is bound the
 * group must be refused. The device is free again as soon as its user is reaped, whichever
 * driver drives it: the rig's wait for released files relies on nothing more.
 */
FIXTURE(handover) {
	struct ctx c;
};

FIXTURE_SETUP(handover)
{
	if (!have_cdev())
		SKIP(return, NEED_CDEV);
	if (!ctx_init(&self->c, true))
		SKIP(return, NEED_DEVICES);
}

FIXTURE_TEARDOWN(handover)
{
	ctx_fini(&self->c);
}

#define HANDOVER_DMA_SIZE (16UL << 20)

/*
 * On a container of its own: BDF's group, VFIO_TYPE1v2_IOMMU, a DMA mapping of
 * HANDOVER_DMA_SIZE and the device fd, all left open. 0, or the errno of the mapping or of
 * the device's open (the library asserts on the group's setup).
 */
static int group_user(const char *bdf)
{
	struct iommu *iommu = iommu_init(MODE_VFIO_TYPE1V2_IOMMU);
	struct vfio_pci_device *dev = vfio_pci_device_alloc(bdf, iommu);
	/* On the iommu's list of mappings while the process lives. */
	struct dma_region *region = calloc_assert(1, sizeof(*region));
	int err;

	vfio_pci_group_setup(dev, bdf);
	vfio_container_set_iommu(dev);
	region->size = HANDOVER_DMA_SIZE;
	region->vaddr = mmap(NULL, HANDOVER_DMA_SIZE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region->vaddr == MAP_FAILED)
		return errno;
	err = __iommu_map(iommu, region);
	if (err)
		return -err;
	__vfio_pci_group_get_device_fd(dev, bdf, NULL);
	return dev->fd < 0 ? errno : 0;
}

/* Opens BDF's group file, /dev/vfio/N, and closes it at once: 0 or the errno. */
static int try_group_file(const char *bdf)
{
	char path[32];
	int fd;

	snprintf_assert(path, sizeof(path), "/dev/vfio/%d", sysfs_iommu_group_get(bdf));
	fd = open(path, O_RDWR);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

TEST_F_TIMEOUT(handover, group_then_cdev, TIMEOUT)
{
	struct ctx *c = &self->c;
	int up[2], err, status, fd;
	pid_t pid;

	ASSERT_EQ(0, pipe(up));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		err = group_user(c->plain);
		if (write(up[1], &err, sizeof(err)) != sizeof(err))
			_exit(1);
		for (;;)
			pause();	/* killed with everything open */
	}
	close(up[1]);
	STEP(c, "handover.child.group_user", 0, child_result(up[0]));
	close(up[0]);
	STEP(c, "handover.cdev_bind_while_group_held", EBUSY, try_open(c, c->plain, NULL));
	EXPECT_EQ(0, kill(pid, SIGKILL));
	EXPECT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	STEP(c, "handover.cdev_bind_after_reap", 0, dev_open(c, c->plain, NULL, &fd));
	STEP(c, "handover.group_file_while_cdev_bound", EBUSY, try_group_file(c->plain));
	dev_close(&fd);
	STEP(c, "handover.group_user_after_cdev_close", 0, group_user(c->plain));
}

/*
 * The SR-IOV side in sysfs: VFs created under a vfio-pci PF are vfio-pci's. The library reads
 * a device's driver; a VF's physfn link and its driver_override file are read here.
 */
static int sysfs_is(const char *bdf, const char *attr, const char *want)
{
	char path[PATH_MAX], buf[PATH_MAX], *val = buf;
	ssize_t len;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf, attr);
	len = readlink(path, buf, sizeof(buf) - 1);
	if (len >= 0) {
		buf[len] = 0;
		val = strrchr(buf, '/') ? strrchr(buf, '/') + 1 : buf;
	} else {
		f = fopen(path, "r");
		if (!f)
			return errno;
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		fclose(f);
		buf[strcspn(buf, "\n")] = 0;
	}
	return strcmp(val, want) ? EILSEQ : 0;
}

/* BDF's driver is WANT: 0, ENOENT without a driver, or EILSEQ for another. */
static int driver_is(const char *bdf, const char *want)
{
	char *driver = sysfs_driver_get(bdf);
	int err = !driver ? ENOENT : strcmp(driver, want) ? EILSEQ : 0;

	free(driver);
	return err;
}

FIXTURE(sriov) {
	struct ctx c;
};

FIXTURE_SETUP(sriov)
{
	if (!ctx_init(&self->c, false))
		SKIP(return, NEED_DEVICES);
	self->c.path = "sysfs";
}

FIXTURE_TEARDOWN(sriov)
{
	ctx_fini(&self->c);
}

TEST_F_TIMEOUT(sriov, sysfs, TIMEOUT)
{
	struct ctx *c = &self->c;

	STEP(c, "sriov.vf0.physfn", 0, sysfs_is(c->vf0, "physfn", c->pf));
	STEP(c, "sriov.vf1.physfn", 0, sysfs_is(c->vf1, "physfn", c->pf));
	STEP(c, "sriov.vf0.driver_override", 0, sysfs_is(c->vf0, "driver_override", "vfio-pci"));
	STEP(c, "sriov.vf1.driver_override", 0, sysfs_is(c->vf1, "driver_override", "vfio-pci"));
	STEP(c, "sriov.vf0.driver", 0, driver_is(c->vf0, "vfio-pci"));
	STEP(c, "sriov.vf1.driver", 0, driver_is(c->vf1, "vfio-pci"));
	STEP(c, "sriov.pf.driver", 0, driver_is(c->pf, "vfio-pci"));
	STEP(c, "sriov.host_vf.other_pf", EILSEQ, sysfs_is(c->host_vf, "physfn", c->pf));
	STEP(c, "sriov.plain.not_virtfn", ENOENT, sysfs_is(c->plain, "physfn", c->pf));
}

/*
 * The log lines are rate limited per call site (pci_info_ratelimited(): 10 per 5 s): the
 * "VF token required" of a VF and that of a PF are two call sites in C. Runs last, after
 * every rate-limit window of the tests before has closed.
 */
FIXTURE(ratelimit) {
	struct ctx c;
};

FIXTURE_SETUP(ratelimit)
{
	if (!ctx_init(&self->c, false))
		SKIP(return, NEED_DEVICES);
}

FIXTURE_TEARDOWN(ratelimit)
{
	ctx_fini(&self->c);
}

TEST_F_TIMEOUT(ratelimit, per_call_site, TIMEOUT)
{
	struct ctx *c = &self->c;
	char name[64];
	int vf0, i;

	if (c->kmsg < 0)
		SKIP(return, "/dev/kmsg is not readable");
	vfio_rl_settle("vfio_pci_vf_token_test");
	STEP(c, "ratelimit.pf.set_token", 0, try_open(c, c->pf, U1));
	STEP(c, "ratelimit.vf0.open", 0, dev_open(c, c->vf0, U1, &vf0));
	for (i = 1; i <= 10; i++) {
		snprintf(name, sizeof(name), "ratelimit.vf1.no_token_%d", i);
		STEP_LOG(c, name, EACCES, c->vf1, REQUIRED, try_open(c, c->vf1, NULL));
	}
	STEP_LOG(c, "ratelimit.pf.no_token_after_10_vf_lines", EACCES, c->pf, REQUIRED,
		 try_open(c, c->pf, NULL));
	dev_close(&vf0);
}

TEST_HARNESS_MAIN
