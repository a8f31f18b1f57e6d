// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_diff_fuzz: random programs over vfio-pci's user interface, for a differential run (the
 * same programs against C vfio-pci and the Rust driver; every result must be the same).
 * Usage:
 *   vfio_diff_fuzz [-v | -r] FIRST COUNT CALLS PF VF0 VF1 PLAIN
 *       programs FIRST..FIRST+COUNT-1 (each its own seed), CALLS calls each. Prints one line
 *       per program, "P SEED HASH", a hash of every call's result; -v prints the calls too,
 *       and the program's words ("words seedN WORD...", a corpus line).
 *       Ends with "fuzz: programs=N calls=M" and the calls and seconds per operation.
 *       -r: with racers, threads that change from sysfs what the programs work on while they
 *       run (the PF's sriov_numvfs 0 and 2, the plain NIC and VF1 unbound and bound again,
 *       the writable module parameters). Results then depend on timing: no run compares
 *       them, it checks that the kernel stays sound. Prints "racers: ..." with what they did.
 *   vfio_diff_fuzz [-v] -p CORPUS PF VF0 VF1 PLAIN
 *       the programs of the file CORPUS ("NAME WORD..." per line), "P NAME HASH" for each.
 *   vfio_diff_fuzz -g CORPUS SEED ITERS PF VF0 VF1 PLAIN
 *       coverage-guided (KCOV): ITERS programs mutated from the corpus; those that reach new
 *       code of vfio_pci or vfio_pci_core printed as "CORPUS NAME WORD...", the coverage as
 *       "cov ..." lines (every 60 s and at the end; on stderr too, as "# cov ..."), then
 *       "fn MODULE reached|unreached NAME".
 *   vfio_diff_fuzz -d CORPUS PF VF0 VF1 PLAIN
 *       the corpus distilled: the programs, shortest first, that reach code no earlier one did.
 *
 * A program is a list of operation words: each seeds the choices of one operation (a seeded
 * program draws its words from its seed). A program starts from nothing open, opens the PF
 * with the token U0 (no VF open: this sets the PF's token), then runs its operations over the
 * resources it holds: group fds (the container attached or not), a container with the
 * type1v2 IOMMU, an iommufd with an IOAS, device fds from VFIO_GROUP_GET_DEVICE_FD (right,
 * wrong, near-miss, hostile strings) and from the cdev with VFIO_DEVICE_BIND_IOMMUFD (with,
 * without, a wrong or a bad token pointer), and on device fds every device ioctl (GET_INFO,
 * GET_REGION_INFO, GET_IRQ_INFO, SET_IRQS without eventfds, RESET, FEATURE with every flag
 * combination and size, hot-reset info, token SET, an unknown one), config space reads and
 * writes, region reads and mmaps at random offsets and sizes; now and then, with everything
 * closed, SR-IOV off and on, the plain NIC rebound from sysfs, or the driver reloaded (its .ko
 * named by $VFIO_FUZZ_MODULE, with an ids= list; unset: SR-IOV on only). It closes everything at its
 * end, so that a program depends on its words alone and can be replayed (-v) to show where
 * two drivers differ. Results print without fd numbers or pointers.
 */
#include "vfio_stress.h"
#include "vfio_kcov.h"
#include "vfio_fuzz_corpus.h"
#include <ctype.h>
#include <linux/iommufd.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/syscall.h>

#define NDEV 4
#define MAXFD 8
#define MAXOPS 12

static const char *const U[3] = {
	"1a2b3c4d-0000-4000-8000-00000000f0f0",	/* U0: set at the start of every program */
	"5e6f7a8b-1111-4111-8111-11111111e1e1",
	"9c0d1e2f-2222-4222-8222-22222222d2d2",
};
static const char *dev_name[NDEV];
static char cdev_path[NDEV][300];
static int verbose;

static unsigned long long hash;
static unsigned long calls_per_op[MAXOPS], ncalls;
static double secs_per_op[MAXOPS];
static unsigned long opened[2];	/* device fds got: group path, cdev path */
static void emit(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	for (const char *p = line; *p; p++)
		hash = (hash ^ (unsigned char)*p) * 0x100000001b3ULL;
	hash = (hash ^ '\n') * 0x100000001b3ULL;
	if (verbose)
		printf("  %s\n", line);
}

/* The result of a call that returned R with errno set when R < 0. */
static const char *res(long r)
{
	return r < 0 ? vg_errname(errno) : "0";
}

/* Resources of one program. */
static int group[NDEV], container, iommufd;
static unsigned int ioas;
static struct { int fd, dev; char path; } dfd[MAXFD];
static char token[37];	/* the token the PF has now, as far as the program set it */

/* The racers (-r): each loops over its sysfs writes until the programs are done. */
static atomic_int racing;
static atomic_long raced[4], race_errors;

/* Writes VAL to the sysfs file PATH: 0, or the negative errno of the open or the write. */
static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		r = -errno;
	close(fd);
	return r;
}

static void race_write(const char *path, const char *val)
{
	if (write_file(path, val))
		atomic_fetch_add(&race_errors, 1);
}

static void *racer(void *arg)
{
	long which = (long)arg;
	char a[160], b[160];

	switch (which) {
	case 0:	/* SR-IOV off and on: waits for a program to close the VFs it holds */
		snprintf(a, sizeof(a), "/sys/bus/pci/devices/%s/sriov_numvfs", dev_name[0]);
		break;
	case 1:	/* the plain NIC unbound and bound again */
	case 2:	/* VF1 unbound, and bound again through its driver_override */
		snprintf(a, sizeof(a), "/sys/bus/pci/drivers/vfio-pci/unbind");
		snprintf(b, sizeof(b), which == 1 ? "/sys/bus/pci/drivers/vfio-pci/bind" :
		         "/sys/bus/pci/drivers_probe");
		break;
	}
	for (unsigned int i = 0; atomic_load(&racing); i++) {
		switch (which) {
		case 0:
			race_write(a, i % 2 ? "2" : "0");
			break;
		case 1:
		case 2:
			race_write(i % 2 ? b : a, dev_name[which == 1 ? 3 : 2]);
			break;
		default: /* the writable parameters: read at the next probe or open */
			race_write("/sys/module/vfio_pci/parameters/nointxmask", i % 2 ? "Y" : "N");
			race_write("/sys/module/vfio_pci/parameters/disable_idle_d3", i % 3 ? "N" : "Y");
		}
		atomic_fetch_add(&raced[which], 1);
		usleep(20000 + 10000 * which);
	}
	return NULL;
}

static int group_of(int d)
{
	return vg_group_fd(dev_name[d]);
}

static int free_slot(void)
{
	for (int i = 0; i < MAXFD; i++)
		if (dfd[i].fd < 0)
			return i;
	return -1;
}

static int any_dev_slot(void)
{
	int used[MAXFD], n = 0;

	for (int i = 0; i < MAXFD; i++)
		if (dfd[i].fd >= 0)
			used[n++] = i;
	return n ? used[rnd(n)] : -1;
}

static void keep_dev(int fd, int d, char path)
{
	int s = free_slot();

	if (fd < 0)
		return;
	opened[path == 'c']++;
	if (s < 0) {
		close(fd);
		return;
	}
	dfd[s].fd = fd;
	dfd[s].dev = d;
	dfd[s].path = path;
}

/* A match string for VFIO_GROUP_GET_DEVICE_FD. */
static void match_string(char *buf, size_t len, int d)
{
	const char *name = dev_name[rnd(5) ? d : rnd(NDEV)];
	char near[37];

	switch (rnd(8)) {
	case 0:
		snprintf(buf, len, "%s", name);
		break;
	case 1:	/* the token the program last set */
		snprintf(buf, len, "%s vf_token=%s", name, token);
		break;
	case 2:	/* a near miss: one character off */
		snprintf(near, sizeof(near), "%s", U[rnd(3)]);
		near[rnd(36)] = "0-gZ \t="[rnd(7)];
		snprintf(buf, len, "%s vf_token=%s", name, near);
		break;
	case 3:	/* grammar near misses */
		snprintf(buf, len, "%s%s%s", name,
			 (const char *[]){ " vf_token", " vf_token=", "  vf_token=", " vf_token= ",
					   "vf_token=", " VF_TOKEN=", " vf_token=%" }[rnd(7)],
			 rnd(2) ? U[rnd(3)] : "");
		break;
	case 4:	/* upper case, or no dashes */
		snprintf(buf, len, "%s vf_token=%s", name, U[rnd(3)]);
		for (char *p = strstr(buf, "=") + 1; *p; p++)
			*p = rnd(2) ? (char)toupper(*p) : *p;
		break;
	default: /* any of the three tokens */
		snprintf(buf, len, "%s vf_token=%s", name, U[rnd(3)]);
	}
}

static unsigned int op_open_group(void)
{
	int d = rnd(NDEV), fd;

	if (group[d] >= 0) {
		close(group[d]);
		group[d] = -1;
		emit("close group %d", d);
		return 1;
	}
	fd = group_of(d);
	emit("open group %d -> %s", d, res(fd));
	group[d] = fd;
	return 1;
}

static unsigned int op_set_container(void)
{
	int d = rnd(NDEV), r;

	if (container < 0)
		container = open("/dev/vfio/vfio", O_RDWR);
	if (group[d] < 0 || container < 0) {
		emit("set_container %d: none", d);
		return 1;
	}
	if (rnd(4) == 0) {
		r = ioctl(group[d], VFIO_GROUP_UNSET_CONTAINER);
		emit("unset_container %d -> %s", d, res(r));
		return 1;
	}
	r = ioctl(group[d], VFIO_GROUP_SET_CONTAINER, &container);
	emit("set_container %d -> %s", d, res(r));
	r = ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU);
	emit("set_iommu -> %s", res(r));
	return 1;
}

static unsigned int op_get_device_fd(void)
{
	int d = rnd(NDEV), fd, r;
	unsigned int n = 1;
	char buf[160];

	/* Mostly with the group open and in a container with an IOMMU, so that opens get far. */
	if (group[d] < 0 && rnd(4)) {
		group[d] = group_of(d);
		emit("open group %d -> %s", d, res(group[d]));
		n++;
		if (group[d] >= 0 && rnd(8)) {
			if (container < 0)
				container = open("/dev/vfio/vfio", O_RDWR);
			r = ioctl(group[d], VFIO_GROUP_SET_CONTAINER, &container);
			emit("set_container %d -> %s", d, res(r));
			r = ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU);
			emit("set_iommu -> %s", res(r));
			n += 2;
		}
	}
	if (group[d] < 0) {
		emit("get_device_fd %d: no group", d);
		return n;
	}
	match_string(buf, sizeof(buf), d);
	fd = ioctl(group[d], VFIO_GROUP_GET_DEVICE_FD, buf);
	/* Which device a string names is in the string: printed with it. */
	emit("get_device_fd %d \"%s\" -> %s", d, buf, res(fd));
	keep_dev(fd, d, 'g');
	return n;
}

static unsigned int op_cdev_bind(void)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	int d = rnd(NDEV), fd, r, how = rnd(6);
	uuid_t u;

	if (iommufd < 0) {
		struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };

		iommufd = open("/dev/iommu", O_RDWR);
		r = iommufd < 0 ? -1 : ioctl(iommufd, IOMMU_IOAS_ALLOC, &alloc);
		emit("open iommufd, ioas -> %s", res(r));
		ioas = alloc.out_ioas_id;
	}
	fd = open(cdev_path[d], O_RDWR);
	if (fd < 0) {
		emit("open cdev %d -> %s", d, res(fd));
		return 1;
	}
	bind.iommufd = iommufd;
	switch (how) {
	case 0:	/* no token */
		break;
	case 1:	/* a pointer the kernel cannot read */
		bind.flags = VFIO_DEVICE_BIND_FLAG_TOKEN;
		bind.token_uuid_ptr = 8;
		break;
	case 2:	/* an unknown flag */
		bind.flags = 1u << (1 + rnd(31));
		break;
	default:
		uuid_parse(how == 3 ? token : U[rnd(3)], u);
		bind.flags = VFIO_DEVICE_BIND_FLAG_TOKEN;
		bind.token_uuid_ptr = (uintptr_t)u;
	}
	if (rnd(8) == 0)
		bind.argsz = rnd(2) ? offsetof(struct vfio_device_bind_iommufd, out_devid) : 4;
	r = ioctl(fd, VFIO_DEVICE_BIND_IOMMUFD, &bind);
	emit("cdev_bind %d how=%d argsz=%u -> %s", d, how, bind.argsz, res(r));
	if (r) {
		close(fd);
		return 1;
	}
	if (rnd(2)) {
		struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at), .pt_id = ioas };

		r = ioctl(fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at);
		emit("attach ioas -> %s", res(r));
	}
	keep_dev(fd, d, 'c');
	return 1;
}

static unsigned int op_close(void)
{
	int s = any_dev_slot();

	if (s < 0) {
		emit("close: none");
		return 1;
	}
	emit("close dev %d (%c)", dfd[s].dev, dfd[s].path);
	close(dfd[s].fd);
	dfd[s].fd = -1;
	return 1;
}

static void op_info(int fd, int d)
{
	struct vfio_device_info info = { .argsz = rnd(4) ? sizeof(info) : rnd(40) };
	struct vfio_region_info reg = { .argsz = rnd(4) ? sizeof(reg) : rnd(40), .index = rnd(12) };
	struct vfio_irq_info irq = { .argsz = rnd(4) ? sizeof(irq) : rnd(24), .index = rnd(8) };
	long r;

	switch (rnd(3)) {
	case 0:
		r = ioctl(fd, VFIO_DEVICE_GET_INFO, &info);
		emit("dev %d get_info argsz=%u -> %s flags=%#x regions=%u irqs=%u", d, info.argsz,
		     res(r), info.flags, info.num_regions, info.num_irqs);
		break;
	case 1:
		r = ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, &reg);
		emit("dev %d region %u -> %s flags=%#x size=%#llx offset=%#llx", d, reg.index,
		     res(r), reg.flags, (unsigned long long)reg.size,
		     (unsigned long long)reg.offset);
		break;
	default:
		r = ioctl(fd, VFIO_DEVICE_GET_IRQ_INFO, &irq);
		emit("dev %d irq %u -> %s flags=%#x count=%u", d, irq.index, res(r), irq.flags,
		     irq.count);
	}
}

static void op_feature(int fd, int d)
{
	static const unsigned int feats[] = {
		VFIO_DEVICE_FEATURE_PCI_VF_TOKEN, VFIO_DEVICE_FEATURE_PCI_VF_TOKEN,
		VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY, VFIO_DEVICE_FEATURE_LOW_POWER_EXIT,
		VFIO_DEVICE_FEATURE_MIGRATION, VFIO_DEVICE_FEATURE_DMA_LOGGING_START, 0, 99,
	};
	struct { struct vfio_device_feature f; unsigned char data[32]; } ft;
	unsigned int flags = feats[rnd(8)];
	long r;

	memset(&ft, 0, sizeof(ft));
	flags |= (unsigned int[]){ VFIO_DEVICE_FEATURE_SET, VFIO_DEVICE_FEATURE_GET,
				   VFIO_DEVICE_FEATURE_PROBE,
				   VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_SET,
				   VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET, 0,
				   1u << (19 + rnd(13)) }[rnd(7)];
	ft.f.flags = flags;
	ft.f.argsz = rnd(3) ? sizeof(struct vfio_device_feature) + 16 : rnd(sizeof(ft) + 1);
	if ((flags & VFIO_DEVICE_FEATURE_MASK) == VFIO_DEVICE_FEATURE_PCI_VF_TOKEN)
		uuid_parse(U[rnd(3)], ft.data);
	r = ioctl(fd, VFIO_DEVICE_FEATURE, &ft);
	emit("dev %d feature flags=%#x argsz=%u -> %s", d, flags, ft.f.argsz, res(r));
	if (!r && flags == (VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_PCI_VF_TOKEN) &&
	    ft.f.argsz >= sizeof(struct vfio_device_feature) + 16)
		uuid_unparse_lower(ft.data, token);
}

static void op_config_read(int fd, int d)
{
	struct vfio_region_info reg = { .argsz = sizeof(reg), .index = VFIO_PCI_CONFIG_REGION_INDEX };
	unsigned char buf[16];
	unsigned int off = rnd(4) ? rnd(64) : rnd(4200), len = (unsigned int[]){ 1, 2, 4, 3, 8, 16 }[rnd(6)];
	char hex[40] = "";
	ssize_t r;

	if (ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, &reg)) {
		emit("dev %d config info -> %s", d, res(-1));
		return;
	}
	r = pread(fd, buf, len, reg.offset + off);
	/* Bytes of the header that no program changes and no device state moves (ids, class,
	 * header type: not command and status) are printed; beyond, only the result. */
	for (ssize_t i = 0; i < r && i < 16; i++)
		if (off + i < 16 && (off + i < 4 || off + i >= 8))
			snprintf(hex + 2 * i, 3, "%02x", buf[i]);
		else
			snprintf(hex + 2 * i, 3, "..");
	emit("dev %d config read %u+%u -> %s %zd %s", d, off, len, r < 0 ? res(-1) : "0", r, hex);
}

/* A config space write (the command register, a BAR, the capabilities: vfio-pci virtualizes
 * them); the result only, as what the write changes shows in later reads' results. */
static void op_config_write(int fd, int d)
{
	struct vfio_region_info reg = { .argsz = sizeof(reg), .index = VFIO_PCI_CONFIG_REGION_INDEX };
	unsigned int off = rnd(4) ? 4 + rnd(60) : rnd(4200), len = (unsigned int[]){ 1, 2, 4 }[rnd(3)];
	unsigned int val = rnd(2) ? 0 : (unsigned int)rng;
	ssize_t r;

	if (ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, &reg)) {
		emit("dev %d config info -> %s", d, res(-1));
		return;
	}
	r = pwrite(fd, &val, len, reg.offset + off);
	emit("dev %d config write %u+%u -> %s %zd", d, off, len, r < 0 ? res(-1) : "0", r);
}

/* A read of a region other than config space (a BAR, the ROM, VGA), or an mmap of it: the
 * result and size only (device registers move on their own). */
static void op_region(int fd, int d)
{
	struct vfio_region_info reg = { .argsz = sizeof(reg), .index = rnd(9) };
	unsigned char buf[8];
	unsigned long off;
	void *map;
	ssize_t r;

	if (ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, &reg)) {
		emit("dev %d region %u info -> %s", d, reg.index, res(-1));
		return;
	}
	off = reg.size && rnd(4) ? (rnd((unsigned int)(reg.size > 1u << 20 ? 1u << 20 : reg.size)) & ~3UL) : rnd(1u << 16);
	if (rnd(3)) {
		r = pread(fd, buf, (unsigned int[]){ 1, 2, 4, 8 }[rnd(4)], reg.offset + off);
		emit("dev %d region %u read +%#lx -> %s %zd", d, reg.index, off, r < 0 ? res(-1) : "0", r);
		return;
	}
	map = mmap(NULL, 4096, PROT_READ | (rnd(2) ? PROT_WRITE : 0), MAP_SHARED, fd,
		   reg.offset + (rnd(4) ? 0 : off & ~4095UL));
	emit("dev %d region %u mmap -> %s", d, reg.index, map == MAP_FAILED ? res(-1) : "0");
	if (map != MAP_FAILED)
		munmap(map, 4096);
}

/* VFIO_DEVICE_SET_IRQS without eventfds: mask, unmask, or a trigger disabled (count 0), on
 * any index, with a bad flag or size now and then. */
static void op_set_irqs(int fd, int d)
{
	struct { struct vfio_irq_set s; int data[2]; } set = {
		.s.argsz = rnd(6) ? sizeof(struct vfio_irq_set) : rnd(24),
		.s.index = rnd(6),
		.s.flags = VFIO_IRQ_SET_DATA_NONE |
			   (unsigned int[]){ VFIO_IRQ_SET_ACTION_MASK, VFIO_IRQ_SET_ACTION_UNMASK,
					     VFIO_IRQ_SET_ACTION_TRIGGER, 1u << (6 + rnd(26)) }[rnd(4)],
		.s.count = rnd(3) ? rnd(2) : rnd(64),
	};
	long r;

	if (set.s.flags & VFIO_IRQ_SET_ACTION_TRIGGER)
		set.s.count = rnd(4) ? 0 : set.s.count;
	r = ioctl(fd, VFIO_DEVICE_SET_IRQS, &set);
	emit("dev %d set_irqs index=%u flags=%#x count=%u argsz=%u -> %s", d, set.s.index,
	     set.s.flags, set.s.count, set.s.argsz, res(r));
}

/* One call on an open device; a reset (a function-level reset: slow) one time in 200. */
static void device_call(int fd, int d)
{
	struct vfio_pci_hot_reset_info hr = { .argsz = sizeof(hr) };
	long r;

	switch (rnd(200)) {
	case 0:
		r = ioctl(fd, VFIO_DEVICE_RESET);
		emit("dev %d reset -> %s", d, res(r));
		break;
	case 1: case 2: case 3: case 4: case 5: case 6: case 7: case 8: case 9: case 10:
		r = ioctl(fd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, &hr);
		emit("dev %d hot_reset_info -> %s count=%u", d, res(r), hr.count);
		break;
	case 11: case 12:	/* an ioctl vfio does not have */
		r = ioctl(fd, _IO(VFIO_TYPE, VFIO_BASE + 30 + rnd(40)), 0);
		emit("dev %d unknown ioctl -> %s", d, res(r));
		break;
	default:
		switch (rnd(9)) {
		case 0: case 1: op_info(fd, d); break;
		case 2: case 3: op_feature(fd, d); break;
		case 4: op_config_write(fd, d); break;
		case 5: op_region(fd, d); break;
		case 6: op_set_irqs(fd, d); break;
		default: op_config_read(fd, d);
		}
	}
}

/* A burst of calls on one open device: opens and binds cost a reset each, ioctls on an open
 * device microseconds, so most calls are these. Each call of the burst counts as a call. */
static unsigned int op_device(void)
{
	int s = any_dev_slot();
	unsigned int n = 1 + rnd(32);

	if (s < 0) {
		emit("device op: none");
		return 1;
	}
	for (unsigned int i = 0; i < n; i++)
		device_call(dfd[s].fd, dfd[s].dev);
	return n;
}

static void close_all(void);

/* The driver under test unloaded and loaded again ($VFIO_FUZZ_MODULE, its .ko) from the
 * program's own thread, so that KCOV sees its init, exit and parameter parsing: with an ids=
 * list (right, full, or wrong) whose log lines the suite compares. SR-IOV is disabled first:
 * on 7.3 a PF's remove with VFs (an unload or unbind) warns on a lockdep kernel, for C and
 * Rust alike (vfio_pci_core_unregister_device() disables SR-IOV without the PCI rescan lock
 * that pci_stop_and_remove_bus_device() asserts; docs/stress.md). The PF and the plain NIC come
 * back through their driver_override, the VFs through SR-IOV enabled again. */
static void op_reload(const char *sriov_numvfs)
{
	static const char *const ids[] = {
		"", " ids=8086:10ca", " ids=8086:10c9:ffffffff:ffffffff:00020000:00ff0000,1234:5678",
		" ids=zz:10ca,8086",
	};
	const char *ko = getenv("VFIO_FUZZ_MODULE");
	char params[128];
	int a = -ENOENT, b = -ENOENT, c, fd, off;

	snprintf(params, sizeof(params), "enable_sriov=1%s", ids[rnd(4)]);
	off = write_file(sriov_numvfs, "0");
	if (ko) {
		/* A device's last release may still hold the module for a moment. */
		for (int i = 0; i < 100; i++) {
			a = syscall(SYS_delete_module, "vfio_pci", O_NONBLOCK) ? -errno : 0;
			if (a != -EAGAIN && a != -EBUSY)
				break;
			usleep(10000);
		}
		kc_take();	/* its exit code, where it lay */
		fd = open(ko, O_RDONLY | O_CLOEXEC);
		b = fd < 0 ? -errno : syscall(SYS_finit_module, fd, params, 0) ? -errno : 0;
		if (fd >= 0)
			close(fd);
		kc_rebase("vfio_pci");
	}
	c = write_file(sriov_numvfs, "2");
	emit("sysfs reload %s -> sriov off %s, unload %s, load %s, sriov on %s", params,
	     vg_errname(-off), vg_errname(-a), vg_errname(-b), vg_errname(-c));
}

/* Writes where sysfs changes what the program works on, from the program's own thread (so
 * that KCOV sees probe, remove and SR-IOV setup): with everything closed first, since an
 * unbind or an SR-IOV disable waits for the devices' users. */
static unsigned int op_sysfs(void)
{
	char path[160], buf[32];
	int a, b, fd;

	/* The PF's vf_token_users (the Rust driver's own attribute; C has none): read with the
	 * program's devices open, its result left out of the hash. */
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vf_token_users", dev_name[0]);
	fd = open(path, O_RDONLY);
	if (fd >= 0) {
		if (read(fd, buf, sizeof(buf)) < 0)
			buf[0] = 0;
		close(fd);
	}
	close_all();
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/sriov_numvfs", dev_name[0]);
	switch (rnd(3)) {
	case 0:	/* SR-IOV off and on again: the VFs removed, added, probed */
		a = write_file(path, "0");
		b = write_file(path, rnd(4) ? "2" : "3");
		emit("sysfs sriov_numvfs 0 -> %s, on -> %s", vg_errname(-a), vg_errname(-b));
		break;
	case 1:	/* the plain NIC unbound and bound again */
		a = write_file("/sys/bus/pci/drivers/vfio-pci/unbind", dev_name[3]);
		b = write_file("/sys/bus/pci/drivers/vfio-pci/bind", dev_name[3]);
		emit("sysfs rebind plain -> %s, %s", vg_errname(-a), vg_errname(-b));
		break;
	default:
		op_reload(path);
	}
	/* A device's cdev may have a new number. */
	for (int d = 0; d < NDEV; d++)
		if (vg_cdev_path(dev_name[d], cdev_path[d], sizeof(cdev_path[d])))
			snprintf(cdev_path[d], sizeof(cdev_path[d]), "/nonexistent");
	return 2;
}

static const struct { const char *name; unsigned int (*fn)(void); unsigned int weight; } ops[] = {
	{ "open_group", op_open_group, 3 },
	{ "set_container", op_set_container, 2 },
	{ "get_device_fd", op_get_device_fd, 4 },
	{ "cdev_bind", op_cdev_bind, 3 },
	{ "close", op_close, 2 },
	{ "device", op_device, 8 },
	{ "sysfs", op_sysfs, 1 },
};
#define NOPS (sizeof(ops) / sizeof(ops[0]))

static void close_all(void)
{
	for (int i = 0; i < MAXFD; i++)
		if (dfd[i].fd >= 0) {
			close(dfd[i].fd);
			dfd[i].fd = -1;
		}
	for (int d = 0; d < NDEV; d++)
		if (group[d] >= 0) {
			close(group[d]);
			group[d] = -1;
		}
	if (container >= 0)
		close(container);
	if (iommufd >= 0)
		close(iommufd);
	container = iommufd = -1;
}

/* Runs the operation of WORD; returns its calls, and adds the PCs it reached first to *fresh. */
static unsigned int run_op(unsigned long long word, unsigned long *fresh)
{
	unsigned int total = 0, pick, w = 0, n;
	double t;

	rng = word | 1;
	for (unsigned int i = 0; i < NOPS; i++)
		total += ops[i].weight;
	pick = rnd(total);
	while (pick >= ops[w].weight)
		pick -= ops[w++].weight;
	t = now();
	n = ops[w].fn();
	secs_per_op[w] += now() - t;
	calls_per_op[w] += n;
	ncalls += n;
	*fresh += kc_collect();
	return n;
}

static void program_start(void)
{
	int g, fd;

	hash = 0xcbf29ce484222325ULL;
	for (int i = 0; i < MAXFD; i++)
		dfd[i].fd = -1;
	for (int d = 0; d < NDEV; d++)
		group[d] = -1;
	container = iommufd = -1;
	/* The PF opened with U0 while no VF is open: the PF's token is U0. */
	g = group_of(0);
	container = open("/dev/vfio/vfio", O_RDWR);
	if (g >= 0 && !ioctl(g, VFIO_GROUP_SET_CONTAINER, &container))
		ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU);
	fd = vg_open_device(g, dev_name[0], U[0]);
	emit("start -> %s", fd < 0 ? vg_errname(-fd) : "0");
	if (fd >= 0)
		close(fd);
	if (g >= 0)
		close(g);
	close(container);
	container = -1;
	snprintf(token, sizeof(token), "%s", U[0]);
}

static unsigned long program_end(void)
{
	close_all();
	return kc_collect();
}

/* The program of SEED: operations until CALLS calls. */
static void program(unsigned long seed, unsigned int calls)
{
	unsigned long long s = seed * 0x9e3779b97f4a7c15ULL + 1;
	unsigned long fresh = 0;
	struct prog words = { .n = 0 };

	program_start();
	for (unsigned int c = 0; c < calls;) {
		unsigned long long w = next_word(&s);

		if (words.n < MAXWORDS)
			words.w[words.n++] = w;
		c += run_op(w, &fresh);
	}
	program_end();
	/* -v: its words too, as a corpus line (a differing program is minimised from it). */
	if (verbose) {
		snprintf(words.name, sizeof(words.name), "seed%lu", seed);
		prog_print("words ", &words);
	}
}

/* Runs P; returns the PCs it reached that no program had reached. */
static unsigned long run_prog(const struct prog *p)
{
	unsigned long fresh = 0;

	if (verbose)
		printf("program %s\n", p->name);
	program_start();
	for (unsigned int i = 0; i < p->n; i++)
		run_op(p->w[i], &fresh);
	return fresh + program_end();
}

static int shorter(const void *a, const void *b)
{
	const struct prog *x = a, *y = b;

	return (x->n > y->n) - (x->n < y->n);
}

/* -d: the corpus of FILE distilled: its programs run shortest first, and those that reach
 * code none before them reached are printed ("CORPUS NAME WORD..."): a smaller corpus with
 * the coverage of the whole (up to what differs from one run to the next). */
static int distill(const char *file)
{
	if (!kc_on() || corpus_load(file)) {
		fprintf(stderr, "vfio_diff_fuzz: -d needs KCOV and a corpus\n");
		return 2;
	}
	qsort(corpus, ncorpus, sizeof(*corpus), shorter);
	for (unsigned long i = 0; i < ncorpus; i++)
		if (run_prog(&corpus[i]))
			prog_print("CORPUS ", &corpus[i]);
	kc_summary(stdout, "cov ");
	return 0;
}

static void coverage_line(double t0, unsigned long execs)
{
	char prefix[96];

	snprintf(prefix, sizeof(prefix), "# cov t=%.0fs execs=%lu corpus=%lu ", now() - t0, execs,
		 ncorpus);
	kc_summary(stdout, prefix + 2);
	/* and as a KTAP comment on stderr, to follow a long run */
	kc_summary(stderr, prefix);
}

/* -g: coverage-guided. The corpus of FILE run first, then ITERS new programs; each that
 * reaches a PC of the modules under test that no program reached before is kept and printed
 * as "CORPUS NAME WORD...". Coverage is printed every 60 s and at the end, then every
 * function of the modules, reached or not ("fn MODULE reached|unreached NAME"). */
static int guided(const char *file, unsigned long seed, unsigned long iters)
{
	double t0 = now(), last = t0;
	unsigned long execs = 0;
	struct prog c;

	if (!kc_on()) {
		fprintf(stderr, "vfio_diff_fuzz: -g needs KCOV (/sys/kernel/debug/kcov)\n");
		return 2;
	}
	corpus_load(file);
	for (unsigned long i = 0; i < ncorpus; i++, execs++)
		run_prog(&corpus[i]);
	coverage_line(t0, execs);
	guide_rng = seed * 0x9e3779b97f4a7c15ULL + 1;
	for (unsigned long i = 0; i < iters; i++, execs++) {
		mutate(&c);
		prog_name(&c);
		if (run_prog(&c)) {
			corpus_add(&c);
			prog_print("CORPUS ", &c);
		}
		if (now() - last >= 60) {
			last = now();
			coverage_line(t0, execs);
		}
	}
	coverage_line(t0, execs);
	kc_functions(stdout);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: vfio_diff_fuzz [-v | -r] FIRST COUNT CALLS PF VF0 VF1 PLAIN\n"
			"       vfio_diff_fuzz [-v] -p CORPUS PF VF0 VF1 PLAIN\n"
			"       vfio_diff_fuzz -g CORPUS SEED ITERS PF VF0 VF1 PLAIN\n"
			"       vfio_diff_fuzz -d CORPUS PF VF0 VF1 PLAIN\n");
	return 2;
}

static void devices(char **argv)
{
	for (int d = 0; d < NDEV; d++) {
		dev_name[d] = argv[d];
		if (vg_cdev_path(dev_name[d], cdev_path[d], sizeof(cdev_path[d])))
			snprintf(cdev_path[d], sizeof(cdev_path[d]), "/nonexistent");
	}
}

static void op_stats(void)
{
	for (unsigned int w = 0; w < NOPS; w++)
		printf(" %s=%lu/%.1fs", ops[w].name, calls_per_op[w], secs_per_op[w]);
	printf(" opened=%lu+%lu\n", opened[0], opened[1]);
}

int main(int argc, char **argv)
{
	static const char *const mods[] = { "vfio_pci", "vfio_pci_core" };
	unsigned long first, count;
	unsigned int calls;
	pthread_t racers[4];
	int race = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "-v")) {
		verbose = 1;
		argv++;
		argc--;
	} else if (argc > 1 && !strcmp(argv[1], "-r")) {
		race = 1;
		argv++;
		argc--;
	}
	kc_open(2, mods);
	if (getenv("VFIO_FUZZ_MODULE"))
		kc_module_file("vfio_pci", getenv("VFIO_FUZZ_MODULE"));
	if (argc == 7 && !strcmp(argv[1], "-p")) {
		if (corpus_load(argv[2])) {
			fprintf(stderr, "vfio_diff_fuzz: cannot read %s\n", argv[2]);
			return 2;
		}
		devices(argv + 3);
		for (unsigned long i = 0; i < ncorpus; i++) {
			run_prog(&corpus[i]);
			printf("P %s %016llx\n", corpus[i].name, hash);
		}
		printf("fuzz: programs=%lu calls=%lu", ncorpus, ncalls);
		op_stats();
		return 0;
	}
	if (argc == 7 && !strcmp(argv[1], "-d") && !verbose && !race) {
		devices(argv + 3);
		return distill(argv[2]);
	}
	if (argc == 9 && !strcmp(argv[1], "-g") && !verbose && !race) {
		devices(argv + 5);
		return guided(argv[2], strtoul(argv[3], NULL, 0), strtoul(argv[4], NULL, 0));
	}
	if (argc != 8)
		return usage();
	first = strtoul(argv[1], NULL, 0);
	count = strtoul(argv[2], NULL, 0);
	calls = strtoul(argv[3], NULL, 0);
	devices(argv + 4);
	atomic_store(&racing, race);
	for (long w = 0; race && w < 4; w++)
		if (pthread_create(&racers[w], NULL, racer, (void *)w))
			return 2;
	for (unsigned long p = first; p < first + count; p++) {
		if (verbose)
			printf("program %lu\n", p);
		program(p, calls);
		printf("P %lu %016llx\n", p, hash);
		/* A racer's SR-IOV disable waits for the VFs' users: a pause lets it through. */
		if (race)
			usleep(100000);
	}
	printf("fuzz: programs=%lu calls=%lu", count, ncalls);
	op_stats();
	if (kc_on())
		kc_summary(stdout, "cov ");
	if (race) {
		atomic_store(&racing, 0);
		for (int w = 0; w < 4; w++)
			pthread_join(racers[w], NULL);
		printf("racers: sriov_numvfs=%ld plain_rebind=%ld vf1_rebind=%ld params=%ld refused=%ld\n",
		       atomic_load(&raced[0]), atomic_load(&raced[1]), atomic_load(&raced[2]),
		       atomic_load(&raced[3]), atomic_load(&race_errors));
	}
	return 0;
}
