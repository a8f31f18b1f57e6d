#!/usr/bin/env bash
# Drivers the safe layer must refuse to compile (tests/compile-fail/), and the layer's rustdoc
# examples, which must compile (out of tree, rustdoc cannot run them): each is built as an
# out-of-tree module against the rig kernel with the safe layer's own sources (src/policy*,
# src/abstractions*) and the bindings the module build generated. The control (*_ok.rs) must build; every
# other file must fail, each line marked `//~ ERROR text` with a compiler error containing text
# at that line, and no other error. Prints one line per file; exits non-zero on any mismatch.
# Usage: compile-fail.sh [KERNEL_BUILD_DIR]   (default: the rig kernel; run scripts/rig.sh first)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
kout=${1:-$(cat "$(kernel_record rig)")}
[ -s "$TOP/generated/vfio_bindings.rs" ] || { echo "compile-fail: build the module first (scripts/rig.sh)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src"
cp -r "$TOP"/src/policy.rs "$TOP"/src/policy "$TOP"/src/abstractions.rs "$TOP"/src/abstractions \
	"$TOP"/src/vfio_shims.c "$TOP"/src/vfio_shims.h "$work/src/"
cp -r "$TOP/generated" "$TOP/Makefile" "$work/"
cp "$TOP"/tests/compile-fail/*.rs "$work/src/"
# The safe layer's rustdoc examples (```` ``` ```` blocks in its doc comments) must build too:
# each becomes a control, its items after a header that makes it a module of this crate.
cases=("$TOP"/tests/compile-fail/*.rs)
for f in "$TOP"/src/abstractions.rs $(find "$TOP/src/abstractions" -name '*.rs' | sort); do
	base=$(basename "$f" .rs)
	awk -v out="$work/src/doc_${base}_" -v src="${f#"$TOP"/}" '
		function header(n) {
			file = out n "_ok.rs"
			print "// SPDX-License-Identifier: GPL-2.0\n//! Example " n " of " src ".\n" > file
			print "#![allow(unused, unreachable_pub, dead_code)]\nmod abstractions;\nmod policy;" > file
			print "use abstractions::{bindings, vfio};\nuse kernel::prelude::*;" > file
			print "module! { type: DocExample, name: \"doc_example\", authors: [\"vfio-pci-rs developers\"]," > file
			print "    description: \"a rustdoc example\", license: \"GPL v2\", }" > file
			print "struct DocExample;\nimpl kernel::Module for DocExample {" > file
			print "    fn init(_module: &'"'"'static ThisModule) -> Result<Self> { Ok(DocExample) }\n}" > file
		}
		/^[[:space:]]*\/\/[\/!] ?```(rust)?[[:space:]]*$/ && !in_block { in_block = 1; n++; header(n); next }
		/^[[:space:]]*\/\/[\/!] ?```[[:space:]]*$/ && in_block { in_block = 0; close(file); next }
		in_block {
			sub(/^[[:space:]]*\/\/[\/!] ?/, "")
			if ($0 == "#") $0 = ""; else sub(/^# /, "")
			# In the kernel tree the vfio layer is `kernel::vfio`; here, the crate'"'"'s.
			gsub(/kernel::vfio/, "crate::vfio")
			print > file
		}
	' "$f"
done
for f in "$work"/src/doc_*_ok.rs; do [ -e "$f" ] && cases+=("$f"); done
# One module per file (CASE), the case's crate and the C shim the safe layer links with; out of
# tree, as the module's Kbuild builds it.
cat > "$work/Kbuild" <<'KBUILD'
rustflags-y += --cfg vfio_rs_extmod
obj-m := $(CASE).o
$(CASE)-y := src/$(CASE).o src/vfio_shims.o
$(obj)/src/$(CASE).o: export VFIO_RS_OBJ = $(abspath $(obj))
KBUILD
rc=0
for f in "${cases[@]}"; do
	case=$(basename "$f" .rs)
	log=$work/$case.log
	if make -s -C "$work" KDIR="$kout" CASE="$case" modules >"$log" 2>&1; then built=1; else built=0; fi
	if [ "${case%_ok}" != "$case" ]; then
		if [ $built = 1 ]; then
			echo "ok - $case builds (control)"
		else
			tail -n 40 "$log"; echo "not ok - $case (control) does not build"; rc=1
		fi
		continue
	fi
	if [ $built = 1 ]; then echo "not ok - $case builds, but must not"; rc=1; continue; fi
	# Each compiler error: "LINE MESSAGE", the line of its first location in the case file.
	awk -v file="src/$case.rs" '
		/^error(\[E[0-9]+\])?: / && !/^error: aborting/ { msg = $0; want = 1; next }
		want && index($0, "--> ") { split($0, a, "--> "); n = split(a[2], p, ":")
			if (index(a[2], file)) { print p[n - 1], msg } else { print 0, msg }; want = 0 }
	' "$log" > "$work/$case.got"
	grep -n '//~ ERROR ' "$f" | grep -v '^[0-9]*:[[:space:]]*//' | sed 's|^\([0-9]*\):.*//~ ERROR \(.*\)$|\1 \2|' > "$work/$case.want"
	bad=0
	while read -r line text; do
		grep -qF -- "$text" <(awk -v l="$line" '$1 == l' "$work/$case.got") ||
			{ echo "# $case.rs:$line: expected an error with '$text'"; bad=1; }
	done < "$work/$case.want"
	while read -r line msg; do
		grep -q "^$line " "$work/$case.want" || { echo "# $case.rs:$line: unexpected $msg"; bad=1; }
	done < "$work/$case.got"
	if [ $bad = 0 ] && [ -s "$work/$case.want" ]; then
		echo "ok - $case fails to build with the $(wc -l < "$work/$case.want") expected errors"
	else
		{ grep -E '^error' -A12 "$log" || true; } | head -n 80 | sed 's/^/#   /'
		echo "not ok - $case"; rc=1
	fi
done
exit $rc
