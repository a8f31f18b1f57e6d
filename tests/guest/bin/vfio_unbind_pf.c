// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_unbind_pf: removing a PF while one of its VFs is open, for either vfio-pci. Usage:
 *   vfio_unbind_pf PF VF TOKEN SECONDS
 *       Opens VF with TOKEN, registers the device request eventfd, unbinds PF in a thread: the
 *       request must arrive; the VF is closed then; the unbind must end within SECONDS.
 */
#include "vfio_stress.h"

static atomic_int unbind_done, unbind_err;
static const char *unbind_bdf;

static void *unbinder(void *arg)
{
	int fd = open("/sys/bus/pci/drivers/vfio-pci/unbind", O_WRONLY);

	(void)arg;
	if (fd < 0 || write(fd, unbind_bdf, strlen(unbind_bdf)) < 0)
		atomic_store(&unbind_err, errno);
	if (fd >= 0)
		close(fd);
	atomic_store(&unbind_done, 1);
	return NULL;
}

static int cmd_unbind_pf(char **argv)
{
	const char *pf = argv[0], *vf = argv[1], *token = argv[2];
	int secs = atoi(argv[3]), group, dev, efd;
	struct { struct vfio_irq_set s; int fd; } irq = {
		.s.argsz = sizeof(irq),
		.s.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
		.s.index = VFIO_PCI_REQ_IRQ_INDEX,
		.s.count = 1,
	};
	struct pollfd pfd;
	pthread_t th;
	double t0;
	uint64_t v;

	group = vg_open_group(vf);
	if (group < 0 || (dev = vg_open_device(group, vf, token)) < 0) {
		violation("unbind-pf: cannot open VF %s", vf);
		return 1;
	}
	efd = eventfd(0, EFD_CLOEXEC);
	irq.fd = efd;
	if (ioctl(dev, VFIO_DEVICE_SET_IRQS, &irq)) {
		violation("unbind-pf: request eventfd not accepted: %s", vg_errname(errno));
		return 1;
	}
	unbind_bdf = pf;
	t0 = now();
	pthread_create(&th, NULL, unbinder, NULL);
	pfd.fd = efd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, secs * 1000) != 1 || read(efd, &v, sizeof(v)) != sizeof(v)) {
		violation("unbind-pf: no device request within %ds", secs);
		return 1;
	}
	printf("unbind-pf: device request after %.2fs", now() - t0);
	if (atomic_load(&unbind_done))
		violation("unbind-pf: the PF unbind ended while its VF was still open");
	close(dev);
	close(group);
	while (!atomic_load(&unbind_done) && now() - t0 < secs)
		usleep(10000);
	if (!atomic_load(&unbind_done)) {
		violation("unbind-pf: PF unbind still blocked %ds after the VF was closed", secs);
		return 1;
	}
	pthread_join(th, NULL);
	printf(", unbind done after %.2fs, err=%s\n", now() - t0, vg_errname(atomic_load(&unbind_err)));
	if (atomic_load(&unbind_err))
		violation("unbind-pf: unbind failed");
	return atomic_load(&violations) ? 1 : 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 5) {
		fprintf(stderr, "usage: vfio_unbind_pf PF VF TOKEN SECONDS\n");
		return 2;
	}
	return cmd_unbind_pf(argv + 1);
}
