/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Waiting for the rate-limit windows of the VF token log lines to close, read from the kernel
 * log rather than slept for. C logs these lines with pci_info_ratelimited(): one window per
 * call site, 10 lines per 5 s; a window opens with the first call after the previous one
 * closed, and that call prints. So no window opened after the last VF token line in the log,
 * and every one has closed 5 s after that line (plus a margin for the jiffies that the
 * windows count in). The wait ends at once when that line is older.
 */
#ifndef VFIO_RATELIMIT_H
#define VFIO_RATELIMIT_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define VFIO_RL_INTERVAL_US 5000000LL
#define VFIO_RL_MARGIN_US 600000LL

/* The VF token lines C logs with pci_info_ratelimited() (the Rust driver's are the same). */
#define REQUIRED "VF token required to access device"
#define INCORRECT "Incorrect VF token provided for device"
#define PF_NOT_BOUND "VF token incorrectly provided, PF not bound to vfio-pci"
#define NOT_PF_OR_VF "VF token incorrectly provided, not a PF or VF"
static const char *const vfio_rl_lines[] = { REQUIRED, INCORRECT, PF_NOT_BOUND, NOT_PF_OR_VF };

/*
 * Waits until every window has closed. The log's clock is read from a line WHO writes to
 * /dev/kmsg (the time stamps are the kernel's, not any user clock). Returns the microseconds
 * waited; without /dev/kmsg, sleeps the whole interval and a second.
 */
static long long vfio_rl_settle(const char *who)
{
	/* A read must hold a whole record (up to 8 KiB with its dictionary) or fails EINVAL. */
	static char rec[16384];
	long long last = -1, now = -1, ts, wait;
	char mark[160];
	int rd, wr, i;
	ssize_t n;

	snprintf(mark, sizeof(mark), "%s: waiting for the rate-limit windows to close\n", who);
	rd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	wr = open("/dev/kmsg", O_WRONLY);
	/* One write() per record (dprintf() fails there: /dev/kmsg refuses its seek). */
	if (rd < 0 || wr < 0 || write(wr, mark, strlen(mark)) < 0) {
		if (rd >= 0)
			close(rd);
		if (wr >= 0)
			close(wr);
		sleep(6);
		return 6000000;
	}
	close(wr);
	mark[strlen(mark) - 1] = 0;
	/* One record per read: "PRIO,SEQ,TS_USEC,FLAGS;MESSAGE\n", then continuation lines. */
	for (;;) {
		char *msg, *p;

		n = read(rd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)	/* records overwritten while reading: go on */
			continue;
		if (n <= 0)
			break;
		rec[n] = 0;
		msg = strchr(rec, ';');
		p = strchr(rec, ',');
		if (!msg || !p || !(p = strchr(p + 1, ',')))
			continue;
		ts = strtoll(p + 1, NULL, 10);
		msg++;
		if (!strncmp(msg, mark, strlen(mark))) {
			now = ts;
			continue;
		}
		for (i = 0; i < (int)(sizeof(vfio_rl_lines) / sizeof(vfio_rl_lines[0])); i++)
			if (strstr(msg, vfio_rl_lines[i]))
				last = ts;
	}
	close(rd);
	if (now < 0) {
		sleep(6);
		return 6000000;
	}
	wait = last < 0 ? 0 : last + VFIO_RL_INTERVAL_US + VFIO_RL_MARGIN_US - now;
	if (wait > 0)
		usleep(wait);
	return wait > 0 ? wait : 0;
}

#endif
