/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Waiting for the rate-limit windows of the VF token log lines to close. C logs these lines
 * with pci_info_ratelimited(): one window per call site, 10 lines per 5 s of jiffies; a window
 * opens with the first call after the previous one closed, and that call prints. So no window
 * opened after the last VF token line in the kernel log, and every one has closed once 5 s of
 * jiffies have passed since. The wait counts jiffies (times(), in USER_HZ ticks), not the
 * log's clock nor any sleep: on a loaded host a TCG guest's ticks fall behind both (measured:
 * windows 8.5-10 s long on the log's clock). It ends at once when no such line is in the log
 * or the last one is a minute old on the log's clock.
 */
#ifndef VFIO_RATELIMIT_H
#define VFIO_RATELIMIT_H

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/times.h>
#include <unistd.h>
#include "vfio_kmsg.h"

#define VFIO_RL_INTERVAL_US 5000000LL
#define VFIO_RL_MARGIN_US 600000LL
#define VFIO_RL_OLD_US 60000000LL

/* The VF token lines C logs with pci_info_ratelimited() (the Rust driver's are the same). */
#define REQUIRED "VF token required to access device"
#define INCORRECT "Incorrect VF token provided for device"
#define PF_NOT_BOUND "VF token incorrectly provided, PF not bound to vfio-pci"
#define NOT_PF_OR_VF "VF token incorrectly provided, not a PF or VF"
static const char *const vfio_rl_lines[] = { REQUIRED, INCORRECT, PF_NOT_BOUND, NOT_PF_OR_VF };

/* Jiffies since boot in microseconds, as times() gives them (USER_HZ ticks). */
static long long vfio_rl_jiffies_us(void)
{
	struct tms t;

	return (long long)times(&t) * 1000000LL / sysconf(_SC_CLK_TCK);
}

/*
 * Waits until every window has closed. The log's clock is read from a line WHO writes to
 * /dev/kmsg. Returns the microseconds of jiffies waited; without /dev/kmsg, waits the whole
 * interval.
 */
static long long vfio_rl_settle(const char *who)
{
	static struct kmsg_record r;
	long long last = -1, now = -1, start, waited;
	char mark[160];
	int rd, wr, i;

	snprintf(mark, sizeof(mark), "%s: waiting for the rate-limit windows to close\n", who);
	rd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	wr = open("/dev/kmsg", O_WRONLY);
	/* One write() per record (dprintf() fails there: /dev/kmsg refuses its seek). */
	if (rd >= 0 && wr >= 0 && write(wr, mark, strlen(mark)) > 0) {
		mark[strlen(mark) - 1] = 0;
		while (kmsg_next(rd, &r)) {
			if (!strncmp(r.msg, mark, strlen(mark))) {
				now = r.ts_us;
				continue;
			}
			for (i = 0; i < (int)(sizeof(vfio_rl_lines) / sizeof(vfio_rl_lines[0])); i++)
				if (strstr(r.msg, vfio_rl_lines[i]))
					last = r.ts_us;
		}
	}
	if (rd >= 0)
		close(rd);
	if (wr >= 0)
		close(wr);
	if (now >= 0 && (last < 0 || now - last >= VFIO_RL_OLD_US))
		return 0;
	start = vfio_rl_jiffies_us();
	while ((waited = vfio_rl_jiffies_us() - start) < VFIO_RL_INTERVAL_US + VFIO_RL_MARGIN_US)
		usleep(50000);
	return waited;
}

#endif
