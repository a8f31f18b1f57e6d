#!/usr/bin/env bash
# make intree: the in-tree series end to end. It is written (make patches) and checked with
# the kernel's checkpatch.pl --strict; applied with git am to a clean linux-source-7.3 and built
# with the driver =m and every Rust file through clippy (scripts/rig.sh intree): no warning in
# the series' files; `make rustfmtcheck` and `make rustdoc` of that tree with no warning; then
# the driver and token suites on that kernel, with C vfio-pci built beside it as the reference
# (each suite compares the two in the same boot), and the kernel crate's doctests (the vfio
# layer's # Examples among them) run by KUnit at that boot; and the same tree with the driver
# built in, booted on the demo suite. Ends "N passed, N failed".
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../common.sh"
PASS=0 FAIL=0
run=$(mktemp -d)
trap 'rm -rf "$run"' EXIT
ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
# check NAME LOG: ok when LOG is empty, else its first lines and not ok.
check() { if [ -s "$2" ]; then head -n 30 "$2" | sed 's/^/#   /'; not_ok "$1"; else ok "$1"; fi; }
finish() { echo "$PASS passed, $FAIL failed"; [ "$FAIL" = 0 ]; exit; }

series=$TOP/dist/patches
if "$here/mkpatches.sh" "$series" > "$run/series"; then
	ok "the series is written ($(grep -c '/000[1-9]-' "$run/series") patches and a cover letter in ${series#"$TOP"/})"
else
	not_ok "make patches"; finish
fi

t0=$(date +%s)
if "$TOP/scripts/rig.sh" intree > "$run/rig.log" 2>&1; then
	ok "the series applies (git am) and builds with the driver =m, C vfio-pci beside it"
else
	tail -n 30 "$run/rig.log" | sed 's/^/#   /'; not_ok "rig intree"; finish
fi
phase_line intree-rig "$t0"
kout=$(cat "$(kernel_record intree)")
tree=$(readlink -f "$kout/source")

# checkpatch's SPDX check runs python3 from PATH, with the distribution's python3-ply.
for p in "$series"/000[1-9]-*.patch; do
	(cd "$tree" && PATH=/usr/bin:$PATH perl scripts/checkpatch.pl --strict -q "$p") > "$run/cp" 2>&1
	check "checkpatch --strict: $(basename "$p")" "$run/cp"
done

# Clippy's and rustc's warnings in the build (CLIPPY=1) that point into the series' files.
awk '/^(warning|error)/ { w = $0 } /^ *--> / && w { print w " at " $2; w = "" }' "$kout/build.log" |
	grep -E ' at (\.\./)*(rust/kernel/vfio|drivers/vfio/pci/rust/|rust/helpers/ratelimit)' > "$run/clippy"
check "CLIPPY=1: no warning in the series' Rust files" "$run/clippy"

mk() { make -s -C "$tree" O="$kout" ARCH=x86_64 LLVM=-19 LOCALVERSION= \
	RUST_LIB_SRC="$CACHE/pkg/rust-src/root/usr/lib/rustlib/src/rust/library" "$@"; }
mk rustfmtcheck > "$run/fmt" 2>&1
check "make rustfmtcheck" "$run/fmt"
mk rustdoc > "$run/doc" 2>&1; rc=$?
{ grep -E '^(warning|error)' "$run/doc"; [ $rc = 0 ] || echo "make rustdoc: exit $rc"; } > "$run/docw"
check "make rustdoc: no warning" "$run/docw"

for suite in driver token; do
	t0=$(date +%s)
	if RIG_VARIANT=intree RIG_TAG=intree "$TOP/scripts/run-vm.sh" "$suite" 2400 > "$run/$suite.log" 2>&1; then
		ok "the $suite suite on the in-tree kernel: $(ktap_counts "$CACHE/logs/$suite-intree.log" |
			awk '{ print $1 " passed, " $2 " failed, " $3 " skipped" }')"
	else
		grep -a 'not ok' "$run/$suite.log" | head -n 20 | sed 's/^/#   /'; tail -n 5 "$run/$suite.log" | sed 's/^/#   /'
		not_ok "the $suite suite on the in-tree kernel"
	fi
	phase_line "intree-$suite" "$t0"
done

# Built in (intree-y): the same tree with VFIO_PCI_RS=y; the demo suite (bind, SR-IOV, the
# token flow on both paths, with the parameter set through sysfs) on it. INTREE_Y=0 leaves it
# out (one kernel build less).
t0=$(date +%s)
if [ "${INTREE_Y:-1}" = 0 ]; then
	echo "# INTREE_Y=0: the built-in variant left out"
elif "$TOP/scripts/rig.sh" intree-y > "$run/rig-y.log" 2>&1; then
	ok "the series builds with the driver built in (=y)"
	if RIG_VARIANT=intree-y RIG_TAG=intree-y "$TOP/scripts/run-vm.sh" demo 2400 > "$run/demo.log" 2>&1; then
		ok "the demo suite on the kernel with the driver built in: $(ktap_counts "$CACHE/logs/demo-intree-y.log" |
			awk '{ print $1 " passed, " $2 " failed, " $3 " skipped" }')"
	else
		grep -a 'not ok' "$run/demo.log" | head -n 20 | sed 's/^/#   /'; tail -n 5 "$run/demo.log" | sed 's/^/#   /'
		not_ok "the demo suite on the kernel with the driver built in"
	fi
else
	tail -n 30 "$run/rig-y.log" | sed 's/^/#   /'; not_ok "rig intree-y"
fi
phase_line intree-y "$t0"

# The doctests of the vfio layer, in the KUnit report of the token suite's boot (no filter).
log=$CACHE/logs/token-intree.log
doc_ok=$(grep -ac '\] *ok [0-9]* rust_doctest_kernel_vfio' "$log")
doc_bad=$(grep -ac '\] *not ok [0-9]* rust_doctest_kernel_vfio' "$log")
if [ "$doc_ok" -gt 0 ] && [ "$doc_bad" = 0 ]; then
	ok "KUnit doctests of kernel::vfio: $doc_ok passed"
else
	grep -a 'rust_doctest_kernel_vfio' "$log" | head -n 20 | sed 's/^/#   /'
	not_ok "KUnit doctests of kernel::vfio: $doc_ok passed, $doc_bad failed"
fi
finish
