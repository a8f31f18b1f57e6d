/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Group-path helpers shared by the rig's guest tools: one type1 container, a group fd per
 * device (opened and attached once, before any thread starts), and VFIO_GROUP_GET_DEVICE_FD
 * with or without a VF token.
 */
#ifndef VFIO_GROUP_H
#define VFIO_GROUP_H

#include <errno.h>
#include <fcntl.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int vg_container = -1;

/* The group fd of a PCI device, attached to the one container; -1 with errno set. */
static inline int vg_open_group(const char *bdf)
{
	char path[320], link[256], *n;
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	len = readlink(path, link, sizeof(link) - 1);
	if (len < 0)
		return -1;
	link[len] = 0;
	n = strrchr(link, '/');
	snprintf(path, sizeof(path), "/dev/vfio/%s", n ? n + 1 : link);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return -1;
	if (vg_container < 0)
		vg_container = open("/dev/vfio/vfio", O_RDWR);
	if (vg_container < 0 || ioctl(fd, VFIO_GROUP_SET_CONTAINER, &vg_container)) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	/* Fails with EBUSY once set: the container keeps its first IOMMU type. */
	ioctl(vg_container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU);
	return fd;
}

/* Opens BDF in GROUP, with " vf_token=TOKEN" when TOKEN is not NULL. fd, or -errno. */
static inline int vg_open_device(int group, const char *bdf, const char *token)
{
	char buf[128];
	int fd;

	if (token)
		snprintf(buf, sizeof(buf), "%s vf_token=%s", bdf, token);
	else
		snprintf(buf, sizeof(buf), "%s", bdf);
	fd = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, buf);
	return fd < 0 ? -errno : fd;
}

static inline const char *vg_errname(int e)
{
	switch (e) {
	case 0: return "0";
	case EACCES: return "EACCES";
	case EINVAL: return "EINVAL";
	case ENODEV: return "ENODEV";
	case ENOTTY: return "ENOTTY";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case ENOENT: return "ENOENT";
	case ENOMEM: return "ENOMEM";
	default: return strerror(e);
	}
}

#endif
