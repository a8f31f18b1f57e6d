/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading the kernel log from /dev/kmsg, one record per read(): "PRIO,SEQ,TS_USEC,FLAGS;
 * MESSAGE\n", then the record's dictionary lines. The time stamps are the log's clock
 * (local_clock()), not the jiffies that rate limits count.
 */
#ifndef VFIO_KMSG_H
#define VFIO_KMSG_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A read must hold a whole record (up to 8 KiB with its dictionary), or it fails EINVAL. */
#define KMSG_RECORD_MAX 16384

struct kmsg_record {
	char buf[KMSG_RECORD_MAX];
	long long ts_us;	/* the log's clock, in microseconds */
	char *msg;		/* the message's first line, in buf */
};

/*
 * Reads the next record of FD (opened O_RDONLY | O_NONBLOCK) into R. Returns 1, or 0 when
 * no record is left. Records overwritten while reading (EPIPE) are skipped.
 */
static int kmsg_next(int fd, struct kmsg_record *r)
{
	char *p;
	ssize_t n;

	for (;;) {
		n = read(fd, r->buf, sizeof(r->buf) - 1);
		if (n < 0 && errno == EPIPE)
			continue;
		if (n <= 0)
			return 0;
		r->buf[n] = 0;
		r->msg = strchr(r->buf, ';');
		p = strchr(r->buf, ',');
		if (!r->msg || !p || !(p = strchr(p + 1, ',')))
			continue;
		r->ts_us = strtoll(p + 1, NULL, 10);
		r->msg++;
		r->msg[strcspn(r->msg, "\n")] = 0;
		return 1;
	}
}

#endif
