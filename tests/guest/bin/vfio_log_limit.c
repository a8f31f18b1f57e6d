// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_log_limit: the rate limit of the VF token log lines under concurrent refusals, checked
 * against what C's ___ratelimit() does per call site (DEFINE_RATELIMIT_STATE of
 * pci_info_ratelimited(): 10 lines per 5 s window). THREADS threads per site have opens
 * refused on the group path for SECONDS seconds; then, once every window has run out, one
 * more refusal per site starts a last window (refused again until it prints). The kernel
 * log of the run is read back:
 *   burst         every window of a site printed exactly 10 lines while its threads were
 *                 refusing (thousands of times a window; one that began as they stopped, 1
 *                 to 10), and the last window 1 line
 *   windows       every site printed again in each new window: 3 windows at least, their
 *                 first lines 4.5 s apart at least (the interval is 5 s)
 *   suppressed    one "vfio_pci_core_match_token_uuid: N callbacks suppressed" line per window
 *                 that followed a window with drops: a full window (BURST lines) while the
 *                 threads were refusing, maybe one that began as they stopped; none after a
 *                 window of fewer lines
 *   conservation  every refusal was either printed or counted in one of those N
 * The end of the refusals is marked in the kernel log ("vfio_log_limit: refusals end"), so
 * that windows are placed on the log's own clock. Prints "CHECK <name> 0" or
 * "CHECK <name> EILSEQ" per check and the windows of every site; exits with the number of
 * failed checks.
 * Usage: vfio_log_limit SECONDS THREADS [hold=BDF:TOKEN] SITE...
 *   SITE  BDF or BDF:TOKEN: an open refused with a VF token line; no two sites may log the
 *         same line (device and message), and nothing else may log VF token lines meanwhile
 *   hold  a device kept open during the run (a VF, so that its PF needs a token)
 */
#include <stdbool.h>
#include "vfio_stress.h"
#include "vfio_ratelimit.h"

#define BURST 10
#define INTERVAL 5.0
#define MAX_SITES 8
#define MAX_LINES 4096
#define MAX_WINDOWS 16
#define END_MARK "vfio_log_limit: refusals end"

static struct site {
	char bdf[16];
	char str[128];
	int group;
	atomic_long refused;
	atomic_long opened;
} sites[MAX_SITES];
static int nsites;
static double deadline;

/* One group fd per device: a group can be opened once only. */
static struct { char bdf[16]; int fd; } groups[MAX_SITES + 1];
static int ngroups;

static int group_of(const char *bdf)
{
	int i;

	for (i = 0; i < ngroups; i++)
		if (!strcmp(groups[i].bdf, bdf))
			return groups[i].fd;
	snprintf(groups[ngroups].bdf, sizeof(groups[ngroups].bdf), "%s", bdf);
	groups[ngroups].fd = vg_open_group(bdf);
	return groups[ngroups++].fd;
}

/* BDF[:TOKEN] into the device and its VFIO_GROUP_GET_DEVICE_FD string. */
static void parse_site(const char *arg, char bdf[16], char str[128])
{
	snprintf(bdf, 16, "%.12s", arg);
	if (strlen(arg) > 13)
		snprintf(str, 128, "%.12s vf_token=%s", arg, arg + 13);
	else
		snprintf(str, 128, "%.12s", arg);
}

static void refuse_once(struct site *s)
{
	int fd = ioctl(s->group, VFIO_GROUP_GET_DEVICE_FD, s->str);

	if (fd >= 0) {
		close(fd);
		atomic_fetch_add(&s->opened, 1);
	} else {
		atomic_fetch_add(&s->refused, 1);
	}
}

static void *hammer(void *arg)
{
	struct site *s = arg;

	while (now() < deadline)
		refuse_once(s);
	return NULL;
}

/* The VF token lines of the run, by text. */
static struct key {
	char text[192];
	double at[MAX_LINES];
	int n;
} keys[MAX_SITES + 1];
static int nkeys;
static long suppressed_lines, suppressed_sum;
static int overflow;
static double refusals_end = -1;

static void read_log(int kmsg)
{
	static struct kmsg_record r;
	double ts;
	long m;
	int i;

	while (kmsg_next(kmsg, &r)) {
		ts = r.ts_us / 1e6;
		if (sscanf(r.msg, "vfio_pci_core_match_token_uuid: %ld callbacks suppressed", &m) == 1) {
			suppressed_lines++;
			suppressed_sum += m;
			continue;
		}
		if (strstr(r.msg, END_MARK)) {
			refusals_end = ts;
			continue;
		}
		if (!strstr(r.msg, "VF token"))
			continue;
		for (i = 0; i < nkeys && strcmp(keys[i].text, r.msg); i++)
			;
		if (i == nkeys) {
			if (nkeys == MAX_SITES + 1) {
				overflow = 1;
				continue;
			}
			snprintf(keys[nkeys++].text, sizeof(keys[0].text), "%s", r.msg);
		}
		if (keys[i].n == MAX_LINES)
			overflow = 1;
		else
			keys[i].at[keys[i].n++] = ts;
	}
}

static long total_lines(void)
{
	long n = 0;

	for (int i = 0; i < nkeys; i++)
		n += keys[i].n;
	return n;
}

static int check(const char *name, bool ok)
{
	printf("CHECK %s %s\n", name, ok ? "0" : "EILSEQ");
	return !ok;
}

int main(int argc, char **argv)
{
	bool burst = true, windows = true;
	long refused = 0, opened = 0, lines = 0, min_suppressed = 0, max_suppressed = 0;
	pthread_t tids[MAX_SITES * 16];
	int nthreads = 0, threads, kmsg, mark, held = -1, a, i, t, fails = 0;
	double seconds;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 4) {
		fprintf(stderr, "usage: vfio_log_limit SECONDS THREADS [hold=BDF:TOKEN] SITE...\n");
		return 2;
	}
	seconds = atof(argv[1]);
	threads = atoi(argv[2]);
	if (threads < 1 || threads > 16)
		return 2;
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (kmsg < 0) {
		perror("/dev/kmsg");
		return 2;
	}
	for (a = 3; a < argc; a++) {
		char bdf[16];

		if (!strncmp(argv[a], "hold=", 5)) {
			const char *spec = argv[a] + 5;
			int group;

			snprintf(bdf, sizeof(bdf), "%.12s", spec);
			group = group_of(bdf);
			held = group < 0 ? -errno :
			       vg_open_device(group, bdf, strlen(spec) > 13 ? spec + 13 : NULL);
			if (held < 0) {
				printf("hold %s: %s\n", bdf, vg_errname(-held));
				return 2;
			}
			continue;
		}
		if (nsites == MAX_SITES)
			return 2;
		parse_site(argv[a], sites[nsites].bdf, sites[nsites].str);
		sites[nsites].group = group_of(sites[nsites].bdf);
		if (sites[nsites].group < 0) {
			printf("group of %s: %s\n", sites[nsites].bdf, strerror(errno));
			return 2;
		}
		nsites++;
	}
	/* Every window of the runs before has run out: each site starts a new one. */
	printf("settle: %.1f s for the windows before\n", vfio_rl_settle("vfio_log_limit") / 1e6);
	lseek(kmsg, 0, SEEK_END);
	deadline = now() + seconds;
	for (i = 0; i < nsites; i++)
		for (t = 0; t < threads; t++)
			if (!pthread_create(&tids[nthreads], NULL, hammer, &sites[i]))
				nthreads++;
	for (t = 0; t < nthreads; t++)
		pthread_join(tids[t], NULL);
	mark = open("/dev/kmsg", O_WRONLY);
	if (mark < 0 || write(mark, END_MARK "\n", strlen(END_MARK) + 1) < 0)
		perror("/dev/kmsg");
	if (mark >= 0)
		close(mark);
	printf("settle: %.1f s after the refusals\n", vfio_rl_settle("vfio_log_limit") / 1e6);
	/*
	 * The last window, site by site: the first refusal once the window has run out prints.
	 * The settle counted the jiffies the windows count; a refusal that still came too
	 * early (before the settle counted jiffies, one came while a window ran 3 s long on the
	 * log's clock of a loaded host) is suppressed: refused again until one prints (each is
	 * counted, and the ones suppressed are in the "callbacks suppressed" line of the one
	 * that prints). More than one refusal is reported.
	 */
	read_log(kmsg);
	for (i = 0; i < nsites; i++) {
		long before = total_lines();

		for (t = 0; t < 80 && total_lines() == before; t++) {
			refuse_once(&sites[i]);
			usleep(250000);
			read_log(kmsg);
		}
		if (t > 1)
			printf("site \"%s\": the last window opened after %d refusals\n", sites[i].str, t);
	}
	usleep(500000);
	read_log(kmsg);
	if (held >= 0)
		close(held);

	for (i = 0; i < nsites; i++) {
		printf("site \"%s\": %ld refused, %ld opened\n", sites[i].str,
		       atomic_load(&sites[i].refused), atomic_load(&sites[i].opened));
		refused += atomic_load(&sites[i].refused);
		opened += atomic_load(&sites[i].opened);
	}
	for (i = 0; i < nkeys; i++) {
		struct key *k = &keys[i];
		double start[MAX_WINDOWS];
		int size[MAX_WINDOWS], nw = 0, l, w;

		for (l = 0; l < k->n; l++) {
			if (!l || k->at[l] - k->at[l - 1] > INTERVAL / 2) {
				if (nw == MAX_WINDOWS)
					break;
				start[nw] = k->at[l];
				size[nw++] = 0;
			}
			size[nw - 1]++;
		}
		lines += k->n;
		/*
		 * A window is followed by a "suppressed" line when it dropped calls: one with
		 * fewer than BURST lines dropped none; a full one dropped some while the threads
		 * were refusing (thousands of calls a window), and may not have when it began as
		 * they stopped (it may have got exactly BURST calls).
		 */
		for (w = 0; w + 1 < nw; w++) {
			if (size[w] != BURST)
				continue;
			max_suppressed++;
			if (start[w] < refusals_end - 0.1)
				min_suppressed++;
		}
		printf("line \"%s\": %d lines, windows", k->text, k->n);
		for (w = 0; w < nw; w++)
			printf(" %d@+%.2fs", size[w], start[w] - start[0]);
		printf(" (refusals ended at +%.2fs)\n", nw ? refusals_end - start[0] : 0);
		for (w = 0; w < nw; w++) {
			if (start[w] > refusals_end)
				burst &= w == nw - 1 && size[w] == 1;
			else if (start[w] < refusals_end - 0.1)
				burst &= size[w] == BURST;
			else
				burst &= size[w] <= BURST;
		}
		windows &= nw >= 3;
		for (w = 1; w < nw; w++)
			windows &= start[w] - start[w - 1] >= INTERVAL - 0.5;
	}
	printf("%ld refused, %ld opened; %ld lines, %ld suppressed lines counting %ld\n",
	       refused, opened, lines, suppressed_lines, suppressed_sum);
	fails += check("sites", nkeys == nsites && !opened && !overflow && refusals_end >= 0);
	fails += check("burst", nkeys && burst);
	fails += check("windows", nkeys && windows);
	fails += check("suppressed", suppressed_lines >= min_suppressed &&
				     suppressed_lines <= max_suppressed);
	fails += check("conservation", refused == lines + suppressed_sum);
	return fails;
}
