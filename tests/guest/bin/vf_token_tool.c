// SPDX-License-Identifier: GPL-2.0
/*
 * vf_token_tool: opens vfio-pci devices through the group path, with or without a VF token,
 * in one process, and prints one line per step with the errno. Used by the rig's demo and
 * driver suites. Usage: vf_token_tool STEP...
 *   open:BDF[:TOKEN]   VFIO_GROUP_GET_DEVICE_FD with "BDF" or "BDF vf_token=TOKEN"
 *   raw:STRING         VFIO_GROUP_GET_DEVICE_FD with STRING (group of the last open BDF)
 *   set:TOKEN          VFIO_DEVICE_FEATURE_PCI_VF_TOKEN SET on the last opened device
 *   close:BDF          close the device fd opened for BDF
 *   users:BDF          print the PF's vf_token_users
 *   cfg:BDF            read the vendor and device id from config space through BDF's open fd
 *   reset:BDF          VFIO_DEVICE_RESET on BDF's open fd
 *   settle:WHO         wait until the VF token lines' rate-limit windows have closed
 *                      (vfio_ratelimit.h; WHO names the wait in the kernel log)
 * Exits with the number of steps whose result differs from an expectation suffix "=ERRNO"
 * (e.g. open:0000:01:10.0=EACCES, open:0000:01:00.0:UUID=0).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <uuid/uuid.h>
#include "vfio_group.h"
#include "vfio_ratelimit.h"

static struct { char bdf[32]; int group; int dev; } devs[16];
static int ndevs, last = -1;

#define ename vg_errname

static int group_of(const char *bdf)
{
	int i, fd;

	for (i = 0; i < ndevs; i++)
		if (!strcmp(devs[i].bdf, bdf))
			return i;
	fd = vg_open_group(bdf);
	if (fd < 0)
		return -1;
	i = ndevs++;
	snprintf(devs[i].bdf, sizeof(devs[i].bdf), "%s", bdf);
	devs[i].group = fd;
	devs[i].dev = -1;
	return i;
}

static int do_open(const char *bdf, const char *str)
{
	int i = group_of(bdf), fd;

	if (i < 0)
		return errno ? errno : ENODEV;
	last = i;
	fd = ioctl(devs[i].group, VFIO_GROUP_GET_DEVICE_FD, str);
	if (fd < 0)
		return errno;
	devs[i].dev = fd;
	return 0;
}

int main(int argc, char **argv)
{
	int bad = 0;

	for (int a = 1; a < argc; a++) {
		char step[256], *expect, *arg, buf[256];
		int err = 0;

		snprintf(step, sizeof(step), "%s", argv[a]);
		expect = strrchr(step, '=');
		if (expect && strncmp(expect - 8, "vf_token", 8) == 0)
			expect = NULL;
		if (expect)
			*expect++ = 0;
		arg = strchr(step, ':');
		if (!arg)
			return 100;
		*arg++ = 0;
		if (!strcmp(step, "open")) {
			char bdf[32];
			char *tok;

			snprintf(bdf, sizeof(bdf), "%.12s", arg);
			tok = strlen(arg) > 13 ? arg + 13 : NULL;
			if (tok)
				snprintf(buf, sizeof(buf), "%s vf_token=%s", bdf, tok);
			else
				snprintf(buf, sizeof(buf), "%s", bdf);
			err = do_open(bdf, buf);
			printf("open %-58s -> %s\n", buf, ename(err));
		} else if (!strcmp(step, "raw")) {
			char bdf[32];

			snprintf(bdf, sizeof(bdf), "%.12s", arg);
			err = do_open(bdf, arg);
			printf("open \"%s\" -> %s\n", arg, ename(err));
		} else if (!strcmp(step, "set")) {
			struct { struct vfio_device_feature f; uuid_t u; } feat = {
				.f.argsz = sizeof(feat),
				.f.flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_PCI_VF_TOKEN,
			};
			if (uuid_parse(arg, feat.u))
				return 101;
			err = last < 0 || devs[last].dev < 0 ? EBADF :
			      ioctl(devs[last].dev, VFIO_DEVICE_FEATURE, &feat) ? errno : 0;
			printf("set VF token %s on %s -> %s\n", arg, last < 0 ? "?" : devs[last].bdf, ename(err));
		} else if (!strcmp(step, "close")) {
			for (int i = 0; i < ndevs; i++)
				if (!strcmp(devs[i].bdf, arg) && devs[i].dev >= 0) {
					close(devs[i].dev);
					devs[i].dev = -1;
				}
			printf("close %s\n", arg);
		} else if (!strcmp(step, "cfg") || !strcmp(step, "reset")) {
			int fd = -1;

			for (int i = 0; i < ndevs; i++)
				if (!strcmp(devs[i].bdf, arg))
					fd = devs[i].dev;
			if (fd < 0) {
				err = EBADF;
			} else if (!strcmp(step, "reset")) {
				err = ioctl(fd, VFIO_DEVICE_RESET) ? errno : 0;
			} else {
				struct vfio_region_info reg = {
					.argsz = sizeof(reg),
					.index = VFIO_PCI_CONFIG_REGION_INDEX,
				};
				unsigned short id[2];
				ssize_t n;

				if (ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, &reg)) {
					err = errno;
				} else {
					n = pread(fd, id, sizeof(id), reg.offset);
					err = n < 0 ? errno : n != sizeof(id) ? EIO : 0;
				}
				if (!err)
					printf("%s config space: %04x:%04x\n", arg, id[0], id[1]);
			}
			printf("%s %s -> %s\n", step, arg, ename(err));
		} else if (!strcmp(step, "settle")) {
			printf("settle: %.1f s\n", vfio_rl_settle(arg) / 1e6);
		} else if (!strcmp(step, "users")) {
			FILE *f;

			snprintf(buf, sizeof(buf), "/sys/bus/pci/devices/%s/vf_token_users", arg);
			f = fopen(buf, "r");
			if (f && fgets(buf, sizeof(buf), f))
				printf("%s vf_token_users = %s", arg, buf);
			else
				printf("%s vf_token_users: unreadable\n", arg), err = ENOENT;
			if (f)
				fclose(f);
		} else {
			return 102;
		}
		if (expect && strcmp(expect, ename(err))) {
			printf("  ^ expected %s\n", expect);
			bad++;
		}
	}
	return bad;
}
