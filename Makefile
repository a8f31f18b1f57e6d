# SPDX-License-Identifier: GPL-2.0
# Out-of-tree build of vfio-pci in Rust, and the project's entry points.
#   make                 build against the running kernel (KDIR=/lib/modules/$(uname -r)/build)
#   make rig             setup + rig kernel (cached) + module + selftests
#   make demo            boot the rig VM and show the VF token flow
#   make check           every test; ends with "N passed, N failed"
#   make check-kernels   the debian suite on every Debian kernel with Rust (KERNELS="sid-7.2-rt ...")
#   make bench           Rust driver vs C vfio-pci in one VM boot: table, results/*.json, *.png
#   make stress          races, teardown, fault injection, hostile input on the debug kernel
#   make fuzz-vm         the differential fuzzer's long run (C and Rust, same programs)
#   make deb             the Debian package vfio-pci-rs-dkms (dist/*.deb)
#   make patches         the module as a patch series against Linux 7.3 (dist/patches/)
#   make intree          the series applied, built and tested in the rig (scripts/intree/check.sh)
KDIR ?= /lib/modules/$(shell uname -r)/build
# Kbuild is the file the kernel tree carries, where Kconfig sets the symbol.
kbuild_args := CONFIG_VFIO_PCI_RS=m

# The module is compiled with the kernel's own compiler, as Kbuild requires: LLVM (with the
# kernel's clang major as suffix, e.g. the rig's LLVM=-19) only for a clang-built kernel, else
# the CC named by the kernel's CONFIG_CC_VERSION_TEXT (Debian: x86_64-linux-gnu-gcc-14).
# LLVM=... or CC=... on the command line still win.
kconfig_val = $(shell sed -n 's/^$(1)=//p' $(KDIR)/.config 2>/dev/null)
ifeq ($(call kconfig_val,CONFIG_CC_IS_CLANG),y)
ifeq ($(origin LLVM),undefined)
LLVM := -$(shell echo $$(( $(call kconfig_val,CONFIG_CLANG_VERSION) / 10000 )))
endif
export LLVM
else
# An LLVM in the environment must not turn a gcc kernel's module build to clang.
unexport LLVM
ifneq ($(origin CC),command line)
kernel_cc := $(firstword $(subst ",,$(call kconfig_val,CONFIG_CC_VERSION_TEXT)))
kbuild_args += $(if $(kernel_cc),CC=$(kernel_cc))
endif
endif

.PHONY: all modules clean rig demo check check-kernels clippy bench stress fuzz-vm deb patches intree
all modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(kbuild_args) modules

clippy:
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(kbuild_args) CLIPPY=1 modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(kbuild_args) clean

rig:
	scripts/rig.sh

demo:
	scripts/demo.sh

check:
	scripts/check.sh

check-kernels:
	scripts/check-kernels.sh $(KERNELS)

bench:
	scripts/bench.sh

stress:
	scripts/stress.sh

fuzz-vm:
	scripts/fuzz-vm.sh

deb:
	scripts/debian/mkdeb.sh

patches:
	scripts/intree/mkpatches.sh

intree:
	scripts/intree/check.sh
