// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_failnth: one operation with its N-th fault-injectable call failed. Usage:
 *   vfio_failnth N open BDF [TOKEN] | vfio_failnth N write FILE VALUE
 *       Makes the N-th fault-injectable call of the operation fail (/proc/thread-self/fail-nth)
 *       and prints "injected=0|1 err=ERRNO".
 */
#include "vfio_stress.h"

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

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: vfio_failnth N open BDF [TOKEN] | vfio_failnth N write FILE VALUE\n");
		return 2;
	}
	return cmd_failnth(argv + 1);
}
