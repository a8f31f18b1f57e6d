// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_token_race: the VF token under concurrency, for either vfio-pci. Usage:
 *   vfio_token_race PF VF0,VF1,...,VFn OPS SECONDS
 *       Threads open VFs with the right, a wrong, no, and a stale token while another sets new
 *       PF tokens with VFIO_DEVICE_FEATURE and opens/closes the PF; one more opens and closes
 *       VFn-1 through its group (each time its first open, so the PF's VF user count moves),
 *       and one binds VFn through its cdev with the right, a wrong or no token (where the
 *       kernel has IOMMUFD). The other VFs
 *       stay open. Invariants: no open succeeds with a token the PF never had; an open with
 *       the current token succeeds while nothing changes it (a read lock against the setter);
 *       a GET of the token is refused; at the end, with everything closed, the PF opens
 *       without a token (no VF user left). Appends every token set to /tmp/tokens.
 */
#include "vfio_stress.h"

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
	int have_cdev, no_iommufd;
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
	/* A kernel without IOMMUFD (Debian's) has no vfio cdev: the group path alone. */
	st.iommufd = open("/dev/iommu", O_RDWR);
	have_cdev = st.iommufd >= 0;
	no_iommufd = !have_cdev && errno == ENOENT;
	if (no_iommufd)
		printf("tokens: no /dev/iommu (no IOMMUFD in this kernel): the group path only\n");
	if (st.pf_group < 0 || !st.ever || !st.tokens_out || (!have_cdev && !no_iommufd) ||
	    (have_cdev && vg_cdev_path(st.vf[st.nvf - 1], st.cdev, sizeof(st.cdev)))) {
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
	if (have_cdev)
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

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 5) {
		fprintf(stderr, "usage: vfio_token_race PF VF0,VF1,...,VFn OPS SECONDS\n");
		return 2;
	}
	return cmd_tokens(argv + 1);
}
