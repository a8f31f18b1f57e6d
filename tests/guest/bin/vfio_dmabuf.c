// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_dmabuf: VFIO_DEVICE_FEATURE_DMA_BUF (export of a BAR slice as a dma-buf, 7.3 with
 * CONFIG_VFIO_PCI_DMABUF) on a device opened on the group path; one line per case, "DMABUF
 * case result", the result 0 or the errno name, for the suites to compare C and Rust.
 * Usage: vfio_dmabuf BDF
 */
#include <stdint.h>
#include <stdlib.h>
#include "vfio_group.h"

/* GET of REGION's [offset, offset + length) with FLAGS in the payload: the fd is closed at once. */
static const char *dmabuf(int dev, uint32_t feature_flags, uint32_t region, uint32_t flags,
			  uint32_t nr_ranges, uint64_t offset, uint64_t length)
{
	struct {
		struct vfio_device_feature hdr;
		struct vfio_device_feature_dma_buf get;
		struct vfio_region_dma_range range;
	} __attribute__((packed)) arg = {
		.hdr = { .argsz = sizeof(arg), .flags = feature_flags | VFIO_DEVICE_FEATURE_DMA_BUF },
		.get = { .region_index = region, .open_flags = O_RDWR | O_CLOEXEC, .flags = flags,
			 .nr_ranges = nr_ranges },
		.range = { .offset = offset, .length = length },
	};
	int ret = ioctl(dev, VFIO_DEVICE_FEATURE, &arg);

	if (ret < 0)
		return vg_errname(errno);
	if (feature_flags & VFIO_DEVICE_FEATURE_GET)
		close(ret);
	return "0";
}

int main(int argc, char **argv)
{
	int group, dev;

	if (argc != 2) {
		fprintf(stderr, "usage: vfio_dmabuf BDF\n");
		return 2;
	}
	group = vg_open_group(argv[1]);
	dev = group < 0 ? -errno : vg_open_device(group, argv[1], NULL);
	if (dev < 0) {
		printf("DMABUF open %s\n", vg_errname(-dev));
		return 1;
	}
	printf("DMABUF probe_get %s\n", dmabuf(dev, VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET, 0, 0, 1, 0, 4096));
	printf("DMABUF bar0_page %s\n", dmabuf(dev, VFIO_DEVICE_FEATURE_GET, 0, 0, 1, 0, 4096));
	printf("DMABUF set_refused %s\n", dmabuf(dev, VFIO_DEVICE_FEATURE_SET, 0, 0, 1, 0, 4096));
	printf("DMABUF flags_nonzero %s\n", dmabuf(dev, VFIO_DEVICE_FEATURE_GET, 0, 1, 1, 0, 4096));
	printf("DMABUF no_ranges %s\n", dmabuf(dev, VFIO_DEVICE_FEATURE_GET, 0, 0, 0, 0, 4096));
	printf("DMABUF unaligned %s\n", dmabuf(dev, VFIO_DEVICE_FEATURE_GET, 0, 0, 1, 100, 4096));
	printf("DMABUF rom_region %s\n", dmabuf(dev, VFIO_DEVICE_FEATURE_GET, 6, 0, 1, 0, 4096));
	printf("DMABUF beyond_bar %s\n", dmabuf(dev, VFIO_DEVICE_FEATURE_GET, 0, 0, 1, 1ull << 40, 4096));
	close(dev);
	close(group);
	return 0;
}
