/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the rig's guest tools. Group path: one type1 container, a group fd per
 * device (opened and attached once, before any thread starts), and VFIO_GROUP_GET_DEVICE_FD
 * with or without a VF token. Cdev path: VFIO_DEVICE_BIND_IOMMUFD with or without a token.
 */
#ifndef VFIO_GROUP_H
#define VFIO_GROUP_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <uuid/uuid.h>

static int vg_container = -1;

/* Opens the group of a PCI device (/dev/vfio/N): fd, or -1 with errno set. */
static inline int vg_group_fd(const char *bdf)
{
	char path[320], link[256], *n;
	ssize_t len;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	len = readlink(path, link, sizeof(link) - 1);
	if (len < 0)
		return -1;
	link[len] = 0;
	n = strrchr(link, '/');
	snprintf(path, sizeof(path), "/dev/vfio/%s", n ? n + 1 : link);
	return open(path, O_RDWR);
}

/* The group fd of a PCI device, attached to the one container; -1 with errno set. */
static inline int vg_open_group(const char *bdf)
{
	int fd = vg_group_fd(bdf);

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

/* The cdev of BDF (/dev/vfio/devices/vfioN) into out; 0 or -errno. */
static inline int vg_cdev_path(const char *bdf, char *out, size_t len)
{
	char path[300];
	struct dirent *e;
	DIR *dir;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vfio-dev", bdf);
	dir = opendir(path);
	if (!dir)
		return -errno;
	out[0] = 0;
	while ((e = readdir(dir)))
		if (!strncmp(e->d_name, "vfio", 4)) {
			snprintf(out, len, "/dev/vfio/devices/%.200s", e->d_name);
			break;
		}
	closedir(dir);
	return out[0] ? 0 : -ENOENT;
}

/* Opens CDEV and binds it to IOMMUFD, with VFIO_DEVICE_BIND_FLAG_TOKEN when TOKEN is not
 * NULL. fd, or -errno. */
static inline int vg_cdev_bind(const char *cdev, int iommufd, const char *token)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind), .iommufd = iommufd };
	uuid_t u;
	int fd = open(cdev, O_RDWR), e;

	if (fd < 0)
		return -errno;
	if (token) {
		if (uuid_parse(token, u)) {
			close(fd);
			return -EINVAL;
		}
		bind.flags = VFIO_DEVICE_BIND_FLAG_TOKEN;
		bind.token_uuid_ptr = (uintptr_t)u;
	}
	if (!ioctl(fd, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		return fd;
	e = errno;
	close(fd);
	return -e;
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
	case EPERM: return "EPERM";
	case EBADF: return "EBADF";
	case EIO: return "EIO";
	default: return strerror(e);
	}
}

#endif
