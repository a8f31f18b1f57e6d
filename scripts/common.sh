# Shared paths and versions; sourced by every script.
# shellcheck shell=bash
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KVER=${KVER:-7.3}
# Downloads, the kernel tree and build outputs live here, outside git.
CACHE=${VFIO_RS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vfio-pci-rs}
# Tools the scripts install with cargo live in the cache too (an empty cache starts from nothing).
TOOLS=$CACHE/tools
export PATH="$TOOLS/bin:$HOME/.cargo/bin:/usr/lib/llvm-19/bin:$PATH"
export LIBCLANG_PATH=/usr/lib/llvm-19/lib
# The file naming the built kernel of a variant (rig, debug or bench), and the module built for it.
kernel_record() { if [ "${1:-rig}" = rig ]; then echo "$CACHE/current-kernel"; else echo "$CACHE/current-kernel-$1"; fi; }
module_of() { if [ "${1:-rig}" = rig ]; then echo "$TOP/vfio_pci.ko"; else echo "$TOP/.cache/module-$1/vfio_pci.ko"; fi; }
# A C vfio_pci_core variant driver (virtio-vfio-pci) built from the kernel's source for a variant.
c_variant_of() { echo "$TOP/.cache/c-variant-${1:-rig}"; }
# The rig's own static test tools (tests/guest/bin) built against a variant's uapi headers.
tools_of() { if [ "${1:-rig}" = rig ]; then echo "$TOP/.cache/rig-bin"; else echo "$TOP/.cache/rig-bin-$1"; fi; }
# The Debian mirror the machine's apt sources already name (never a host name in the repo);
# empty when there is none.
# die (and the package's other helpers).
# shellcheck source=scripts/pkg-lib.sh
. "$TOP/scripts/pkg-lib.sh"
# phase_line NAME T0: the line that times a step, from T0 (date +%s) to now.
phase_line() { echo "phase: $1 $(( $(date +%s) - $2 ))s"; }
# phase NAME COMMAND...: runs COMMAND, then prints its phase line (set -e: not after a failure).
phase() { local name=$1 t0; shift; t0=$(date +%s); "$@"; phase_line "$name" "$t0"; }

# Prepares the Debian guest (scripts/debian/guest.sh: chroot, packages, DKMS) and sets
# deb_kernel (its vmlinuz), deb_lower (the root's overlay layers) and deb_modules.
# shellcheck disable=SC2034 # set for the caller
debian_guest() {
	local out
	out=$("$TOP/scripts/debian/guest.sh") || return 1
	deb_kernel=$(sed -n 's/^deb_kernel=//p' <<<"$out")
	deb_lower=$(sed -n 's/^deb_lower=//p' <<<"$out")
	deb_modules=$(sed -n 's/^deb_modules=//p' <<<"$out")
}
apt_mirror() {
	local m
	m=$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/*.sources 2>/dev/null |
		tr ' ' '\n' | grep -v -- '-security' | head -n1 || true)
	[ -n "$m" ] || m=$(awk '/^deb / && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
	echo "$m"
}
# ktap_counts LOG: "PASS FAIL SKIP" of the KTAP a guest suite printed into LOG (its console),
# read with the kernel's own KTAP parser (tools/testing/kunit/kunit.py). Fails when the output
# is not a whole suite: no "# Totals:" line (the suite did not get to its end), or totals that
# differ from what the parser read (a result line out of place).
ktap_counts() {
	local log=$1 json totals counts
	totals=$(grep -a '^# Totals: ' "$log" | tail -n1 | sed -n 's/.*pass:\([0-9]*\) fail:\([0-9]*\) .*skip:\([0-9]*\).*/\1 \2 \3/p')
	[ -n "$totals" ] || return 1
	json=$(mktemp)
	# From the suite's own version line (the kernel's boot-time KUnit report, timestamped, comes
	# before it on the same console).
	awk '/^KTAP version 1$/ { n = NR } { l[NR] = $0 } END { for (i = n; i && i <= NR; i++) print l[i] }' \
		"$log" > "$json.ktap"
	python3 "$CACHE/src/linux-source-$KVER/tools/testing/kunit/kunit.py" parse --json="$json" "$json.ktap" >/dev/null 2>&1
	counts=$(python3 -c 'import json, sys; m = json.load(open(sys.argv[1]))["misc"]
print(m["passed"], m["failed"] + m["crashed"] + m["errors"], m["skipped"])' "$json" 2>/dev/null)
	rm -f "$json" "$json.ktap"
	[ "$counts" = "$totals" ] || { echo "ktap: $log: parser read '${counts:-nothing}', the suite's totals say '$totals'" >&2; return 1; }
	echo "$counts"
}
