#!/usr/bin/env bash
# make patches: the module as a patch series against the kernel source the rig uses
# (linux-source-7.3), written from the same files as the out-of-tree build (nothing to keep in
# step by hand). What differs is only where each file goes, and what the kernel tree already
# has in place of the out-of-tree parts (the bindings crate, rust/helpers/, a public struct):
#   1. vfio/pci: struct vfio_pci_vf_token public (src/vfio_pci_core_priv.h's definition, which
#      must be word for word the one it moves out of vfio_pci_core.c);
#   2. rust: vfio: the bindings of the vfio headers, the one C helper (src/vfio_shims.c's body
#      in rust/helpers/), the layer (src/abstractions/vfio*) as kernel::vfio, behind the
#      Kconfig bool RUST_VFIO_PCI_CORE_ABSTRACTIONS, and its MAINTAINERS entry;
#   3. vfio/pci: the driver in drivers/vfio/pci/rust/ (Kconfig, Kbuild, src/).
# Usage: mkpatches.sh [OUTDIR]   (default dist/patches; prints the series' files)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../common.sh"
out=${1:-$TOP/dist/patches}
ksrc=$CACHE/src/linux-source-$KVER
[ -f "$ksrc/drivers/vfio/pci/vfio_pci_core.c" ] || "$TOP/scripts/setup.sh" >&2
[ -f "$ksrc/drivers/vfio/pci/vfio_pci_core.c" ] || die "no linux-source-$KVER in $ksrc"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GIT_AUTHOR_NAME="vfio-pci-rs developers" GIT_AUTHOR_EMAIL="vfio-pci-rs@example.org"
export GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL
# The project's last commit dates the series: the same tree gives the same patches.
GIT_AUTHOR_DATE=$(git -C "$TOP" log -1 --format=%cI 2>/dev/null || date -u +%FT%TZ)
export GIT_AUTHOR_DATE GIT_COMMITTER_DATE=$GIT_AUTHOR_DATE
signoff="Signed-off-by: $GIT_AUTHOR_NAME <$GIT_AUTHOR_EMAIL>"

# The base: the kernel's versions of the files the series changes (a patch names only those).
base_files="MAINTAINERS drivers/vfio/pci/Kconfig drivers/vfio/pci/Makefile
	drivers/vfio/pci/vfio_pci_core.c include/linux/vfio_pci_core.h rust/bindings/bindings_helper.h
	rust/helpers/helpers.c rust/kernel/lib.rs"
for f in $base_files; do install -D -m 644 "$ksrc/$f" "$work/$f"; done
git -C "$work" init -q
git -C "$work" add -A
git -C "$work" commit -q -m "linux-source-$KVER"

commit() { # SUBJECT BODY
	git -C "$work" add -A
	git -C "$work" commit -q -F - <<-MSG
	$1

	$2

	$signoff
	MSG
}
# edit FILE PYTHON: FILE's text as `s`, rewritten by the Python statements (no apostrophe in
# them: they are single-quoted).
edit() {
	python3 - "$work/$1" "$2" <<-'PY'
	import sys
	path, code = sys.argv[1], sys.argv[2]
	s = open(path).read()
	def after(anchor, text):
	    global s
	    assert s.count(anchor) == 1, f"{path}: {anchor!r} found {s.count(anchor)} times"
	    s = s.replace(anchor, anchor + text)
	def before(anchor, text):
	    global s
	    assert s.count(anchor) == 1, f"{path}: {anchor!r} found {s.count(anchor)} times"
	    s = s.replace(anchor, text + anchor)
	def cut(text):
	    global s
	    assert s.count(text) == 1, f"{path}: the text to move is not there once:\n{text}"
	    s = s.replace(text, "")
	exec(code)
	open(path, "w").write(s)
	PY
}

# 1. The token struct, public. The text moved is the module's copy, which must be the kernel's.
struct=$(sed -n '/^struct vfio_pci_vf_token {/,/^};/p' "$TOP/src/vfio_pci_core_priv.h")
[ -n "$struct" ] || die "no struct vfio_pci_vf_token in src/vfio_pci_core_priv.h"
STRUCT=$struct edit drivers/vfio/pci/vfio_pci_core.c 'import os; cut(os.environ["STRUCT"] + "\n\n")' ||
	die "vfio_pci_core.c of linux-source-$KVER does not define struct vfio_pci_vf_token as src/vfio_pci_core_priv.h does"
STRUCT=$struct edit include/linux/vfio_pci_core.h 'import os; after("""	struct rcu_head		rcu;
};
""", """
/*
 * The SR-IOV VF token of a PF bound to a vfio_pci_core driver (vdev->vf_token):
 * its UUID, which users of its VFs must present, and how many of its VFs are
 * open, both under @lock.
 */
""" + os.environ["STRUCT"].replace("lock;", "lock;\t/* protects uuid and users */") + "\n")'
commit "vfio/pci: make struct vfio_pci_vf_token public" \
"A vfio_pci_core driver that implements the VF token itself (the Rust
vfio-pci of this series) reads and sets the token where vfio_pci_core
keeps it, so that the core's own open/close counting and the checks of
C variant drivers see the same token. Move the definition from
vfio_pci_core.c to <linux/vfio_pci_core.h>; no change in layout or
behaviour."

# 2. The vfio layer as kernel::vfio, with the one static inline it calls (as rust/helpers/ keeps
# them: the C body is the out-of-tree shim's).
{
	sed -n '1p' "$TOP/src/vfio_shims.c"
	echo
	echo '#include <linux/ratelimit.h>'
	echo
	sed -n '/^void rust_helper_/,/^}/p' "$TOP/src/vfio_shims.c" |
		sed -e '1s/^/__rust_helper /' -e '2s/^\t\t\t\t      /\t\t\t\t\t\t    /'
} > "$work/rust/helpers/ratelimit.c"
grep -q '^__rust_helper void rust_helper_ratelimit_state_init(' "$work/rust/helpers/ratelimit.c" ||
	die "src/vfio_shims.c has no rust_helper_ratelimit_state_init()"
edit rust/helpers/helpers.c 'before("#include \"rbtree.c\"\n", "#include \"ratelimit.c\"\n")'

edit rust/bindings/bindings_helper.h 'before("#include <linux/wait.h>\n", "#include <linux/vfio.h>\n#include <linux/vfio_pci_core.h>\n")'
edit rust/kernel/lib.rs 'before("pub mod workqueue;\n", "#[cfg(CONFIG_RUST_VFIO_PCI_CORE_ABSTRACTIONS)]\npub mod vfio;\n")'
edit drivers/vfio/pci/Kconfig 'after("""config VFIO_PCI_INTX
	def_bool y if !S390
	depends on VFIO_PCI_CORE
""", """
config RUST_VFIO_PCI_CORE_ABSTRACTIONS
	bool "Rust abstractions for vfio_pci_core variant drivers"
	depends on RUST && VFIO=y
	select VFIO_PCI_CORE
	help
	  The vfio module of the kernel crate: what a vfio_pci_core variant
	  driver in Rust is written on (kernel::vfio::pci): the driver
	  trait, the device, its open protocol, the VF token and the
	  registration of the PCI driver. It calls vfio_pci_core, which it
	  builds in: say Y here for a Rust vfio_pci_core driver.
""")'
mkdir -p "$work/rust/kernel/vfio"
cp "$TOP/src/abstractions/vfio.rs" "$work/rust/kernel/vfio.rs"
cp -r "$TOP/src/abstractions/vfio/." "$work/rust/kernel/vfio/"
edit MAINTAINERS 'before("VFIO PDS PCI DRIVER\n", """VFIO PCI DRIVER [RUST]
M:	vfio-pci-rs developers <vfio-pci-rs@example.org>
L:	kvm@vger.kernel.org
L:	rust-for-linux@vger.kernel.org
S:	Maintained
F:	rust/helpers/ratelimit.c
F:	rust/kernel/vfio.rs
F:	rust/kernel/vfio/

""")'
commit "rust: add vfio_pci_core variant driver abstractions" \
"kernel::vfio::pci is what a vfio_pci_core variant driver is written
on: a vtable Driver trait whose ops default to those of vfio_pci_core,
the device with its calling context in the type (Init, Open,
DeviceLocked), an open protocol the compiler holds (enable, then
finish_enable, or the core's disable on drop), per-device data
initialised in place, the overridable ops (ioctl, read,
device_feature) as values that can be passed to the core, the VF token
of a PF under its lock, and the registration of the driver's struct
pci_driver with an id table matched through driver_override only.

vfio_pci_core must be built in for the kernel crate to call it:
RUST_VFIO_PCI_CORE_ABSTRACTIONS selects it, as
RUST_FW_LOADER_ABSTRACTIONS selects FW_LOADER.

The printers of kernel::vfio users limit their log lines per call site,
as the C *_ratelimited() printers do: a helper for
ratelimit_state_init(), which sets up a struct ratelimit_state at run
time (the initialiser of its spinlock depends on the lock debugging
options)."

# 3. The driver, from the out-of-tree module's own files.
drv=drivers/vfio/pci/rust
mkdir -p "$work/$drv/src/policy" "$work/$drv/src/abstractions"
cp "$TOP/Kconfig" "$TOP/Kbuild" "$work/$drv/"
for f in vfio_pci_main.rs driver.rs params.rs denylist.rs fill_ids.rs policy.rs policy/ids.rs \
	policy_abi.rs abstractions.rs abstractions/module_param.rs abstractions/pci_driver.rs \
	abstractions/printk.rs; do
	cp "$TOP/src/$f" "$work/$drv/src/$f"
done
edit drivers/vfio/pci/Kconfig 'before("if VFIO_PCI\n", "source \"drivers/vfio/pci/rust/Kconfig\"\n\n")'
# shellcheck disable=SC2016 # make's $(...), not the shell's
edit drivers/vfio/pci/Makefile 'after("obj-$(CONFIG_VFIO_PCI) += vfio-pci.o\n", "obj-$(CONFIG_VFIO_PCI_RS) += rust/\n")'
edit MAINTAINERS 'before("F:	rust/helpers/ratelimit.c\n", "F:	drivers/vfio/pci/rust/\n")'
commit "vfio/pci: add vfio-pci in Rust" \
"A drop-in replacement for vfio-pci, with the SR-IOV VF token
implemented in Rust: the same driver name (vfio-pci), module name
(vfio_pci) and parameters, the same errnos and log lines. The token
rules are plain Rust without kernel dependencies (src/policy.rs), the
driver is safe code on kernel::vfio.

It cannot be built beside the C driver (VFIO_PCI=n): both register the
PCI driver \"vfio-pci\" from a module vfio_pci, and a user or tool
binds devices by that name. What the kernel crate lacks and is not
vfio (parameters writable from sysfs, per-call-site rate limits, a
lookup of a PCI driver by name) stays with the driver, in
src/abstractions/, as candidates for the kernel crate."

# The series, with its cover letter.
rm -rf "$out"
mkdir -p "$out"
git -C "$work" format-patch -q --cover-letter --no-signature -o "$out" HEAD~3 >/dev/null
cover=$(ls "$out"/0000-*.patch)
python3 - "$cover" "$here/cover-letter.txt" <<'PY'
import sys
path, text = sys.argv[1], open(sys.argv[2]).read()
subject, _, blurb = text.partition("\n\n")
s = open(path).read()
assert "*** SUBJECT HERE ***" in s and "*** BLURB HERE ***" in s
s = s.replace("*** SUBJECT HERE ***", subject.strip()).replace("*** BLURB HERE ***", blurb.rstrip())
open(path, "w").write(s)
PY
ls "$out"/*.patch
