# SPDX-License-Identifier: GPL-2.0
# Out-of-tree build of vfio-pci in Rust, and the project's entry points.
#   make                 build against the running kernel (KDIR=/lib/modules/$(uname -r)/build)
#   make rig             setup + rig kernel (cached) + module + selftests
#   make demo            boot the rig VM and show the VF token flow
#   make check           every test; ends with "N passed, N failed"
#   make bench           Rust driver vs C vfio-pci in one VM boot: table, results/*.json, *.png
#   make stress          races, teardown, fault injection, hostile input on the debug kernel
KDIR ?= /lib/modules/$(shell uname -r)/build
LLVM ?= -19
export LLVM

.PHONY: all modules clean rig demo check clippy bench stress
all modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clippy:
	$(MAKE) -C $(KDIR) M=$(CURDIR) CLIPPY=1 modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean

rig:
	scripts/rig.sh

demo:
	scripts/demo.sh

check:
	scripts/check.sh

bench:
	scripts/bench.sh

stress:
	scripts/stress.sh
