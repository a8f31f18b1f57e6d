// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_stress: the rig's reliability and security tool (issue 6), for either vfio-pci.
 *
 *   tokens PF VF0,VF1,...,VFn OPS SECONDS
 *       Threads open VFs with the right, a wrong, no, and a stale token while another sets new
 *       PF tokens with VFIO_DEVICE_FEATURE and opens/closes the PF; one more opens and closes
 *       VFn-1 through its group (each time its first open, so the PF's VF user count moves),
 *       and one binds VFn through its cdev with the right, a wrong or no token. The other VFs
 *       stay open. Invariants: no open succeeds with a token the PF never had; an open with
 *       the current token succeeds while nothing changes it (a read lock against the setter);
 *       a GET of the token is refused; at the end, with everything closed, the PF opens
 *       without a token (no VF user left). Appends every token set to /tmp/tokens.
 *   unbind-pf PF VF TOKEN SECONDS
 *       Opens VF with TOKEN, registers the device request eventfd, unbinds PF in a thread: the
 *       request must arrive; the VF is closed then; the unbind must end within SECONDS.
 *   hold BDF [TOKEN]       opens BDF and keeps it open until killed; prints "held".
 *   failnth N open BDF [TOKEN] | failnth N write FILE VALUE
 *       Makes the N-th fault-injectable call of the operation fail (/proc/thread-self/fail-nth)
 *       and prints "injected=0|1 err=ERRNO".
 *   fuzz PF VF TOKEN COUNT SEED
 *       COUNT random and mutated strings through VFIO_GROUP_GET_DEVICE_FD on the VF's and the
 *       PF's groups (token set by opening the PF with TOKEN, VF held open). Prints counts per
 *       errno and a hash of the results, equal for two drivers that behave the same.
 *   secrets TOKENFILE DIR...
 *       Looks for each token of TOKENFILE (text, upper case, no dashes, raw bytes) in the
 *       kernel log and in every readable file under the DIRs. Prints the hits.
 * Prints "violation: ..." for every broken invariant; exits non-zero if there was one.
 */
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

static atomic_int violations;

#define violation(...) do { printf("violation: " __VA_ARGS__); putchar('\n'); fflush(stdout); \
			    atomic_fetch_add(&violations, 1); } while (0)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void random_token(char out[37])
{
	uuid_t u;

	uuid_generate_random(u);
	uuid_unparse_lower(u, out);
}

static int set_token(int pf_fd, const char *token)
{
	struct { struct vfio_device_feature f; uuid_t u; } feat = {
		.f.argsz = sizeof(feat),
		.f.flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_PCI_VF_TOKEN,
	};

	if (uuid_parse(token, feat.u))
		return -EINVAL;
	return ioctl(pf_fd, VFIO_DEVICE_FEATURE, &feat) ? -errno : 0;
}

/* ---- tokens ---------------------------------------------------------------------------- */

#define MAX_VFS 8
#define MAX_TOKENS 65536

static struct {
	const char *pf;
	const char *vf[MAX_VFS];
	int nvf, pf_group, vf_group[MAX_VFS], pf_fd;
	pthread_rwlock_t token_lock;	/* readers: "nothing changes the token meanwhile" */
	pthread_mutex_t list_lock;
	char current[37];
	char (*ever)[37];		/* every token the PF was given, in order */
	int never;
	atomic_int ops, right, wrong, none, stale, sets, pf_opens, cycles, cdev_binds;
	char cdev[300];
	int iommufd;
	int target;
	double deadline;
	FILE *tokens_out;
} st;

static int more(void)
{
	return atomic_load(&st.ops) < st.target && now() < st.deadline && !atomic_load(&violations);
}

static int ever_set(const char *t)
{
	int found = 0;

	pthread_mutex_lock(&st.list_lock);
	for (int i = 0; i < st.never && !found; i++)
		found = !strcmp(st.ever[i], t);
	pthread_mutex_unlock(&st.list_lock);
	return found;
}

static void remember(const char *t)
{
	pthread_mutex_lock(&st.list_lock);
	if (st.never < MAX_TOKENS)
		snprintf(st.ever[st.never++], 37, "%s", t);
	fprintf(st.tokens_out, "%s\n", t);
	fflush(st.tokens_out);
	pthread_mutex_unlock(&st.list_lock);
}

static void stale_token(char out[37], unsigned int r)
{
	pthread_mutex_lock(&st.list_lock);
	snprintf(out, 37, "%s", st.ever[r % st.never]);
	pthread_mutex_unlock(&st.list_lock);
}

/* One open of a held VF; returns after closing what it opened. */
static void open_held_vf(unsigned int r)
{
	int v = r % (st.nvf - 2), fd, kind = (r / 8) % 4;
	char tok[37];

	switch (kind) {
	case 0:	/* the current token, which cannot change meanwhile: must succeed */
		pthread_rwlock_rdlock(&st.token_lock);
		fd = vg_open_device(st.vf_group[v], st.vf[v], st.current);
		if (fd < 0)
			violation("VF %s refused the current token: %s", st.vf[v], vg_errname(-fd));
		pthread_rwlock_unlock(&st.token_lock);
		atomic_fetch_add(&st.right, 1);
		break;
	case 1:	/* a token nobody ever set: must be refused with EACCES */
		random_token(tok);
		fd = vg_open_device(st.vf_group[v], st.vf[v], tok);
		if (fd >= 0 || fd != -EACCES)
			violation("VF %s with a never-set token: %s", st.vf[v], fd >= 0 ? "opened" : vg_errname(-fd));
		atomic_fetch_add(&st.wrong, 1);
		break;
	case 2:	/* no token: EACCES, the PF is bound to vfio-pci */
		fd = vg_open_device(st.vf_group[v], st.vf[v], NULL);
		if (fd >= 0 || fd != -EACCES)
			violation("VF %s without a token: %s", st.vf[v], fd >= 0 ? "opened" : vg_errname(-fd));
		atomic_fetch_add(&st.none, 1);
		break;
	default: /* an older token, racing with the setter: may go either way, if it was set */
		stale_token(tok, r);
		fd = vg_open_device(st.vf_group[v], st.vf[v], tok);
		if (fd >= 0 && !ever_set(tok))
			violation("VF %s opened with a token never set", st.vf[v]);
		if (fd < 0 && fd != -EACCES)
			violation("VF %s with a stale token: %s", st.vf[v], vg_errname(-fd));
		atomic_fetch_add(&st.stale, 1);
		break;
	}
	if (fd >= 0)
		close(fd);
	atomic_fetch_add(&st.ops, 1);
}

static void *opener(void *arg)
{
	unsigned int r = (unsigned int)(long)arg * 2654435761u;

	while (more()) {
		r = r * 1103515245u + 12345u;
		open_held_vf(r >> 4);
	}
	return NULL;
}

/* Sets new tokens; between two, opens the PF (it has VF users: the token is required). */
static void *setter(void *arg)
{
	char tok[37];
	int fd, err;

	(void)arg;
	while (more()) {
		random_token(tok);
		pthread_rwlock_wrlock(&st.token_lock);
		remember(tok);
		err = set_token(st.pf_fd, tok);
		if (err)
			violation("FEATURE SET of the PF token: %s", vg_errname(-err));
		else
			memcpy(st.current, tok, sizeof(tok));
		pthread_rwlock_unlock(&st.token_lock);
		atomic_fetch_add(&st.sets, 1);

		pthread_rwlock_rdlock(&st.token_lock);
		fd = vg_open_device(st.pf_group, st.pf, st.current);
		if (fd < 0)
			violation("PF refused its current token: %s", vg_errname(-fd));
		else
			close(fd);
		pthread_rwlock_unlock(&st.token_lock);
		random_token(tok);
		fd = vg_open_device(st.pf_group, st.pf, tok);
		if (fd != -EACCES)
			violation("PF with a never-set token while VFs are open: %s",
				  fd >= 0 ? "opened" : vg_errname(-fd));
		if (fd >= 0)
			close(fd);
		{
			struct vfio_device_feature get = {
				.argsz = sizeof(get) + 16,
				.flags = VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_PCI_VF_TOKEN,
			};
			char buf[sizeof(get) + 16];

			memcpy(buf, &get, sizeof(get));
			if (ioctl(st.pf_fd, VFIO_DEVICE_FEATURE, buf) == 0 || errno != EINVAL)
				violation("FEATURE GET of the PF token was not refused with EINVAL");
		}
		atomic_fetch_add(&st.pf_opens, 2);
		atomic_fetch_add(&st.ops, 4);
	}
	return NULL;
}

/* First open and last close of VFn-1: moves the PF's VF user count. */
static void *cycler(void *arg)
{
	int v = st.nvf - 2, fd;

	(void)arg;
	while (more()) {
		pthread_rwlock_rdlock(&st.token_lock);
		fd = vg_open_device(st.vf_group[v], st.vf[v], st.current);
		if (fd < 0)
			violation("VF %s (first open) refused the current token: %s", st.vf[v], vg_errname(-fd));
		pthread_rwlock_unlock(&st.token_lock);
		if (fd >= 0)
			close(fd);
		atomic_fetch_add(&st.cycles, 1);
		atomic_fetch_add(&st.ops, 1);
	}
	return NULL;
}

/* The cdev path on VFn: bind with the current token (must succeed), a never-set or no token
 * (must be refused with EACCES before the device is opened). */
static void *cdev_binder(void *arg)
{
	unsigned int i = 0;
	char tok[37];
	int fd;

	(void)arg;
	while (more()) {
		switch (i++ % 5) {
		case 0:
			pthread_rwlock_rdlock(&st.token_lock);
			fd = vg_cdev_bind(st.cdev, st.iommufd, st.current);
			if (fd < 0)
				violation("cdev bind of %s refused the current token: %s", st.vf[st.nvf - 1],
					  vg_errname(-fd));
			pthread_rwlock_unlock(&st.token_lock);
			break;
		case 1: case 2:
			random_token(tok);
			fd = vg_cdev_bind(st.cdev, st.iommufd, tok);
			if (fd != -EACCES)
				violation("cdev bind of %s with a never-set token: %s", st.vf[st.nvf - 1],
					  fd >= 0 ? "bound" : vg_errname(-fd));
			break;
		default:
			fd = vg_cdev_bind(st.cdev, st.iommufd, NULL);
			if (fd != -EACCES)
				violation("cdev bind of %s without a token: %s", st.vf[st.nvf - 1],
					  fd >= 0 ? "bound" : vg_errname(-fd));
			break;
		}
		if (fd >= 0)
			close(fd);
		atomic_fetch_add(&st.cdev_binds, 1);
		atomic_fetch_add(&st.ops, 1);
	}
	return NULL;
}

static int cmd_tokens(char **argv)
{
	pthread_rwlockattr_t attr;
	pthread_t th[8];
	char list[256], *save, *p, *users_path;
	int held[MAX_VFS], n = 0, fd;
	double t0 = now();
	FILE *f;

	st.pf = argv[0];
	snprintf(list, sizeof(list), "%s", argv[1]);
	for (p = strtok_r(list, ",", &save); p && st.nvf < MAX_VFS; p = strtok_r(NULL, ",", &save))
		st.vf[st.nvf++] = strdup(p);
	st.target = atoi(argv[2]);
	st.deadline = t0 + atoi(argv[3]);
	if (st.nvf < 3) {
		fprintf(stderr, "tokens: needs at least three VFs\n");
		return 2;
	}
	st.ever = calloc(MAX_TOKENS, 37);
	st.tokens_out = fopen("/tmp/tokens", "a");
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&st.token_lock, &attr);
	pthread_mutex_init(&st.list_lock, NULL);
	st.pf_group = vg_open_group(st.pf);
	/* Not VFn's group: a group opened on the legacy path makes its cdev EBUSY. */
	for (int i = 0; i < st.nvf - 1; i++)
		st.vf_group[i] = vg_open_group(st.vf[i]);
	st.iommufd = open("/dev/iommu", O_RDWR);
	if (st.pf_group < 0 || !st.ever || !st.tokens_out || st.iommufd < 0 ||
	    vg_cdev_path(st.vf[st.nvf - 1], st.cdev, sizeof(st.cdev))) {
		perror("tokens: setup");
		return 2;
	}
	/* No VF is open: opening the PF with a token sets it. */
	random_token(st.current);
	remember(st.current);
	st.pf_fd = vg_open_device(st.pf_group, st.pf, st.current);
	if (st.pf_fd < 0) {
		violation("PF open with a token while no VF is open: %s", vg_errname(-st.pf_fd));
		return 1;
	}
	for (int i = 0; i < st.nvf - 2; i++) {
		held[i] = vg_open_device(st.vf_group[i], st.vf[i], st.current);
		if (held[i] < 0) {
			violation("VF %s refused the token set by opening the PF: %s", st.vf[i], vg_errname(-held[i]));
			return 1;
		}
	}
	for (long i = 0; i < 3; i++)
		pthread_create(&th[n++], NULL, opener, (void *)i);
	pthread_create(&th[n++], NULL, setter, NULL);
	pthread_create(&th[n++], NULL, cycler, NULL);
	pthread_create(&th[n++], NULL, cdev_binder, NULL);
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < st.nvf - 2; i++)
		close(held[i]);
	close(st.pf_fd);
	/* Every VF closed: no VF user left, so the PF needs no token, and the count shows 0. */
	fd = vg_open_device(st.pf_group, st.pf, NULL);
	if (fd < 0)
		violation("PF without a token after every VF closed: %s (VF users left?)", vg_errname(-fd));
	else
		close(fd);
	if (asprintf(&users_path, "/sys/bus/pci/devices/%s/vf_token_users", st.pf) > 0 &&
	    (f = fopen(users_path, "r"))) {
		int users = -1;

		if (fscanf(f, "%d", &users) != 1 || users != 0)
			violation("vf_token_users is %d after every VF closed", users);
		fclose(f);
	}
	printf("tokens: ops=%d right=%d wrong=%d none=%d stale=%d sets=%d pf_opens=%d cycles=%d "
	       "cdev_binds=%d seconds=%.0f violations=%d\n", atomic_load(&st.ops), atomic_load(&st.right),
	       atomic_load(&st.wrong), atomic_load(&st.none), atomic_load(&st.stale),
	       atomic_load(&st.sets), atomic_load(&st.pf_opens), atomic_load(&st.cycles),
	       atomic_load(&st.cdev_binds), now() - t0, atomic_load(&violations));
	if (atomic_load(&st.ops) < st.target)
		violation("only %d of %d operations in the time allowed", atomic_load(&st.ops), st.target);
	return atomic_load(&violations) ? 1 : 0;
}

/* ---- unbind-pf ------------------------------------------------------------------------- */

static atomic_int unbind_done, unbind_err;
static const char *unbind_bdf;

static void *unbinder(void *arg)
{
	int fd = open("/sys/bus/pci/drivers/vfio-pci/unbind", O_WRONLY);

	(void)arg;
	if (fd < 0 || write(fd, unbind_bdf, strlen(unbind_bdf)) < 0)
		atomic_store(&unbind_err, errno);
	if (fd >= 0)
		close(fd);
	atomic_store(&unbind_done, 1);
	return NULL;
}

static int cmd_unbind_pf(char **argv)
{
	const char *pf = argv[0], *vf = argv[1], *token = argv[2];
	int secs = atoi(argv[3]), group, dev, efd;
	struct { struct vfio_irq_set s; int fd; } irq = {
		.s.argsz = sizeof(irq),
		.s.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
		.s.index = VFIO_PCI_REQ_IRQ_INDEX,
		.s.count = 1,
	};
	struct pollfd pfd;
	pthread_t th;
	double t0;
	uint64_t v;

	group = vg_open_group(vf);
	if (group < 0 || (dev = vg_open_device(group, vf, token)) < 0) {
		violation("unbind-pf: cannot open VF %s", vf);
		return 1;
	}
	efd = eventfd(0, EFD_CLOEXEC);
	irq.fd = efd;
	if (ioctl(dev, VFIO_DEVICE_SET_IRQS, &irq)) {
		violation("unbind-pf: request eventfd not accepted: %s", vg_errname(errno));
		return 1;
	}
	unbind_bdf = pf;
	t0 = now();
	pthread_create(&th, NULL, unbinder, NULL);
	pfd.fd = efd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, secs * 1000) != 1 || read(efd, &v, sizeof(v)) != sizeof(v)) {
		violation("unbind-pf: no device request within %ds", secs);
		return 1;
	}
	printf("unbind-pf: device request after %.2fs", now() - t0);
	if (atomic_load(&unbind_done))
		violation("unbind-pf: the PF unbind ended while its VF was still open");
	close(dev);
	close(group);
	while (!atomic_load(&unbind_done) && now() - t0 < secs)
		usleep(10000);
	if (!atomic_load(&unbind_done)) {
		violation("unbind-pf: PF unbind still blocked %ds after the VF was closed", secs);
		return 1;
	}
	pthread_join(th, NULL);
	printf(", unbind done after %.2fs, err=%s\n", now() - t0, vg_errname(atomic_load(&unbind_err)));
	if (atomic_load(&unbind_err))
		violation("unbind-pf: unbind failed");
	return atomic_load(&violations) ? 1 : 0;
}

/* ---- hold, failnth ---------------------------------------------------------------------- */

static int cmd_hold(char **argv)
{
	int group = vg_open_group(argv[0]), fd;

	fd = group < 0 ? -errno : vg_open_device(group, argv[0], argv[1]);
	printf("%s %s\n", fd < 0 ? "refused" : "held", fd < 0 ? vg_errname(-fd) : argv[0]);
	fflush(stdout);
	if (fd < 0)
		return 1;
	for (;;)
		pause();
}

static int fail_nth_fd(void)
{
	return open("/proc/thread-self/fail-nth", O_RDWR);
}

static void arm(int f, int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%d", n);

	if (pwrite(f, buf, len, 0) != len)
		perror("fail-nth");
}

/* After the operation: 1 if the fault was injected (fail-nth reads 0), and disarms. */
static int disarm(int f)
{
	char buf[16] = "";
	int injected = pread(f, buf, sizeof(buf) - 1, 0) > 0 && atoi(buf) == 0;

	arm(f, 0);
	return injected;
}

static int cmd_failnth(char **argv)
{
	int n = atoi(argv[0]), f = fail_nth_fd(), err = 0, injected;

	if (f < 0) {
		perror("failnth: /proc/thread-self/fail-nth");
		return 2;
	}
	if (!strcmp(argv[1], "open")) {
		int group = vg_open_group(argv[2]), fd;

		if (group < 0) {
			perror("failnth: group");
			return 2;
		}
		arm(f, n);
		fd = vg_open_device(group, argv[2], argv[3]);
		injected = disarm(f);
		err = fd < 0 ? -fd : 0;
		if (fd >= 0)
			close(fd);
	} else if (!strcmp(argv[1], "write")) {
		int fd = open(argv[2], O_WRONLY);

		if (fd < 0) {
			perror("failnth: open");
			return 2;
		}
		arm(f, n);
		if (write(fd, argv[3], strlen(argv[3])) < 0)
			err = errno;
		injected = disarm(f);
		close(fd);
	} else {
		return 2;
	}
	printf("injected=%d err=%s\n", injected, vg_errname(err));
	return 0;
}

/* ---- fuzz ------------------------------------------------------------------------------ */

static unsigned long long rng;

static unsigned int rnd(unsigned int n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (unsigned int)(rng % n) : 0;
}

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

/* ---- secrets --------------------------------------------------------------------------- */

#define MAX_PATTERNS 4096

static struct { char text[40]; size_t len; } pat[MAX_PATTERNS];
static int npat, hits;
static long files, bytes;

static void add_patterns(const char *token)
{
	uuid_t u;
	char s[37], nodash[33];
	int j = 0;

	if (uuid_parse(token, u) || npat + 5 > MAX_PATTERNS)
		return;
	uuid_unparse_lower(u, s);
	for (int i = 0; s[i]; i++)
		if (s[i] != '-')
			nodash[j++] = s[i];
	nodash[j] = 0;
#define ADD(str, n) do { memcpy(pat[npat].text, str, n); pat[npat++].len = n; } while (0)
	ADD(s, 36);
	uuid_unparse_upper(u, s);
	ADD(s, 36);
	ADD(nodash, 32);
	for (int i = 0; i < 32; i++)
		nodash[i] = (char)(nodash[i] >= 'a' ? nodash[i] - 32 : nodash[i]);
	ADD(nodash, 32);
	ADD((char *)u, 16);
}

static void scan(const char *what, const char *data, size_t len)
{
	for (int p = 0; p < npat; p++)
		if (len >= pat[p].len && memmem(data, len, pat[p].text, pat[p].len)) {
			printf("secrets: token %d found in %s\n", p / 5, what);
			hits++;
		}
}

static void alarm_handler(int sig)
{
	(void)sig;
}

static void scan_tree(const char *dir)
{
	static char buf[1 << 20];
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[4096];
		struct stat sb;
		ssize_t n;
		int fd;

		if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &sb))
			continue;
		if (S_ISDIR(sb.st_mode)) {
			scan_tree(path);
			continue;
		}
		if (!S_ISREG(sb.st_mode) || !(sb.st_mode & 0444))
			continue;
		/* A PCI BAR or ROM read touches the device, not the driver's state: skip. */
		if (!strncmp(e->d_name, "resource", 8) || !strcmp(e->d_name, "rom"))
			continue;
		/* Some debugfs files block (trace_pipe): give each read a second. */
		alarm(1);
		fd = open(path, O_RDONLY | O_NONBLOCK);
		n = fd < 0 ? -1 : read(fd, buf, sizeof(buf));
		alarm(0);
		if (fd >= 0)
			close(fd);
		if (n <= 0)
			continue;
		files++;
		bytes += n;
		scan(path, buf, n);
	}
	closedir(d);
}

static int cmd_secrets(char **argv)
{
	struct sigaction sa = { .sa_handler = alarm_handler };
	FILE *f = fopen(argv[0], "r");
	char line[128], *log;
	int n;

	sigaction(SIGALRM, &sa, NULL);
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		add_patterns(line);
	}
	if (!npat) {
		violation("secrets: no token in %s", argv[0]);
		return 1;
	}
	n = klogctl(10, NULL, 0);	/* SYSLOG_ACTION_SIZE_BUFFER */
	log = malloc(n > 0 ? n : 1);
	n = log ? klogctl(3, log, n) : -1;	/* SYSLOG_ACTION_READ_ALL */
	if (n > 0)
		scan("the kernel log", log, n);
	for (int i = 1; argv[i]; i++)
		scan_tree(argv[i]);
	printf("secrets: tokens=%d kernel-log-bytes=%d files=%ld bytes=%ld hits=%d\n", npat / 5, n,
	       files, bytes, hits);
	return hits ? 1 : 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 6 && !strcmp(argv[1], "tokens"))
		return cmd_tokens(argv + 2);
	if (argc >= 6 && !strcmp(argv[1], "unbind-pf"))
		return cmd_unbind_pf(argv + 2);
	if (argc >= 3 && !strcmp(argv[1], "hold"))
		return cmd_hold(argv + 2);
	if (argc >= 5 && !strcmp(argv[1], "failnth"))
		return cmd_failnth(argv + 2);
	if (argc >= 7 && !strcmp(argv[1], "fuzz"))
		return cmd_fuzz(argv + 2);
	if (argc >= 4 && !strcmp(argv[1], "secrets"))
		return cmd_secrets(argv + 2);
	fprintf(stderr, "usage: see the comment at the top of vfio_stress.c\n");
	return 2;
}
