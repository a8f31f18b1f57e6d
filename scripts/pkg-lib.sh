# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2154 # config and krel: set by the script that sources this
# The helpers of the scripts the Debian package ships (DKMS's, and the tree preparation's),
# installed beside them; scripts/common.sh sources it for the project's own scripts.

# die MESSAGE: "WHO: MESSAGE" on stderr, exit 1 (WHO: $die_who, else the script's name).
die() { echo "${die_who:-$(basename "$0" .sh)}: $*" >&2; exit 1; }

# kcfg NAME: NAME's value in the kernel .config named by $config, unquoted; empty when unset.
kcfg() { sed -n "s/^$1=//p" "$config" | sed 's/^"\(.*\)"$/\1/'; }

# skip REASON: DKMS's "skipped" (exit 77) for the kernel $krel, whose C vfio-pci stays: one line.
skip() {
	echo "vfio-pci-rs: not built for $krel, its C vfio-pci stays: $*" >&2
	exit 77
}
