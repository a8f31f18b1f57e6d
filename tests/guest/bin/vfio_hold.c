// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_hold: opens a vfio-pci device on the group path and keeps it open until killed;
 * prints "held BDF" once open (or "refused ERRNO"). Usage: vfio_hold BDF [TOKEN]
 */
#include "vfio_stress.h"

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

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: vfio_hold BDF [TOKEN]\n");
		return 2;
	}
	return cmd_hold(argv + 1);
}
