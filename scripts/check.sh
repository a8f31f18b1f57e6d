#!/usr/bin/env bash
# Runs every test: host tests of the token policy, the rig build (kernel cached, module with
# clippy), and every QEMU suite. Ends with one line "N passed, N failed, N skipped" and exits
# non-zero on any failure. Prints a "phase:" time for each step.
#
# The VM suites run on two lanes at once (each QEMU is single-threaded TCG: one core each).
# Lane A builds the debug kernel (niced, from the start: it takes the cycles the serial steps
# leave idle) and boots the stress suite on it; lane B boots the suites on the rig kernel.
# Both then take the remaining suites from one queue, longest first.
# RIG_SUITES="selfcheck driver token stress difffuzz upstream debian debian-sid clients" picks suites; RIG_C_REF=run ignores the
# cached C reference results of the upstream suite (see upstream_job).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
cd "$TOP" || exit 1
mkdir -p "$CACHE"
run=$(mktemp -d "$CACHE/check.XXXXXX")
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$run"' EXIT
PASS=0; FAIL=0; SKIP=0
t_start=$(date +%s)
failed=()
count_fail() { FAIL=$((FAIL + 1)); failed+=("$1"); }
suites=" ${RIG_SUITES:-selfcheck driver token stress difffuzz upstream debian debian-sid clients} "
# The wall-clock guard of a VM suite; a hung guest is stopped sooner, by its silence (run-vm.sh).
timeout=${RIG_SUITE_TIMEOUT:-7200}
# The upstream suite runs on the guest's instruction clock (run-vm.sh), about 1.8x slower: twice
# the time.
suite_timeout() { if [ "$1" = upstream ]; then echo $((timeout * 2)); else echo "$timeout"; fi; }
# say LINES...: prints a block without interleaving with the other lane.
say() { { flock 8; printf '%s\n' "$@"; } 8>"$run/print.lock"; }
# result NAME PASS FAIL SKIP: a step's counts, summed at the end.
result() { echo "$2 $3 $4" > "$run/result.$1"; }

t0=$(date +%s)
# bindgen-cli, which the rig kernel waits for, is built beside the host packages (it needs none).
"$here/setup.sh" bindgen > "$run/bindgen.log" 2>&1 &
pids+=($!)
"$here/setup.sh" packages || { echo "setup failed"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
# 0. Fuzz the match-string parser against the C model (cargo fuzz on stable, RUSTC_BOOTSTRAP).
# It needs only the host packages; its first build (cargo-fuzz, libFuzzer's C++) is niced to the
# lowest priority so that it takes the cores only when bindgen, the kernels and the VMs leave
# them idle (the Debian suites' downloads and dpkg); counted at the end.
( t1=$(date +%s); nice -n 19 "$here/fuzz.sh" "${FUZZ_SECONDS:-20}" >"$run/fuzz.log" 2>&1
  echo $? > "$run/fuzz.rc"; say "$(phase_line fuzz "$t1")" ) &
pids+=($!)
"$here/setup.sh" || { echo "setup failed"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
phase_line setup "$t0"

# Lane A, part 1: the debug kernel (KASAN, lockdep, kmemleak, failslab) and the module for it.
if [[ $suites == *" stress "* ]]; then
	(
		t0=$(date +%s)
		if nice -n 10 "$here/rig.sh" debug > "$run/debug-rig.log" 2>&1; then
			result debug-rig 1 0 0; touch "$run/debug.ready"
			say "ok - debug rig build (KASAN/lockdep/kmemleak/failslab kernel, module)"
		else
			result debug-rig 0 1 0; touch "$run/debug.failed"
			say "$(tail -n 20 "$run/debug-rig.log")" "not ok - debug rig build"
		fi
		say "$(phase_line debug-rig "$t0")"
	) &
	pids+=($!)
fi

# 1. Host: the token policy, with cargo test (unit + property tests).
t0=$(date +%s)
if [ -f Cargo.toml ]; then
	# Its build folder in the cache: a clean clone then rebuilds only this crate, not its deps.
	out=$(CARGO_TARGET_DIR=$CACHE/cargo/host cargo test --locked -q 2>&1); rc=$?
	echo "$out" | grep -E '^test result:|FAILED|panicked' | sed 's/^/host: /'
	p=0; f=0
	while read -r a b; do p=$((p + a)); f=$((f + b)); done < <(echo "$out" |
		sed -n 's/^test result: .* \([0-9]*\) passed; \([0-9]*\) failed.*/\1 \2/p')
	PASS=$((PASS + p)); FAIL=$((FAIL + f))
	# A failed test is counted above; a failed build has no count of its own.
	if [ $rc != 0 ]; then
		if [ "$f" -gt 0 ]; then failed+=("cargo test"); else count_fail "cargo test"; fi
	fi
fi
phase_line host-tests "$t0"

# 2. The rig: kernel, module (clippy-clean), selftests.
if CLIPPY=1 "$here/rig.sh"; then
	PASS=$((PASS + 1)); echo "ok - rig build (setup, kernel, module with CLIPPY=1, selftests)"
else
	count_fail "rig build"
	echo "$PASS passed, $FAIL failed, $SKIP skipped"; exit 1
fi

# 2b. Style: rustfmt with the kernel's config, and a fresh clippy build with no warning.
t0=$(date +%s)
kout=$(cat "$(kernel_record rig)")
rustfmt_kernel() { rustfmt --check --edition 2021 --config-path "$CACHE/src/linux-source-$KVER/.rustfmt.toml" "$@"; }
# The compile-fail drivers through stdin: their `mod` lines name files only the test's build has.
# The crate roots, and the files their `#[rustfmt::skip]` module declarations leave out
# (src/abstractions.rs: what the kernel tree has not).
fmt_out=$(rustfmt_kernel src/vfio_pci_main.rs src/vfio_pci_kunit.rs src/vfio_pci_open_test.rs src/igbvf_vfio_pci.rs \
	src/abstractions/bindings.rs src/abstractions/layout.rs src/abstractions/vfio.rs 2>&1
	for f in tests/compile-fail/*.rs; do rustfmt_kernel < "$f" 2>&1 | sed "s|^Diff in .*stdin|Diff in $f|"; done)
if [ -z "$fmt_out" ]; then PASS=$((PASS + 1)); echo "ok - rustfmt clean"; else echo "$fmt_out" | head -20; count_fail "rustfmt"; fi
touch src/vfio_pci_main.rs src/vfio_pci_kunit.rs src/vfio_pci_open_test.rs src/igbvf_vfio_pci.rs
lint_out=$(make -s -C "$TOP" KDIR="$kout" CLIPPY=1 VFIO_RS_TEST_MODULES=1 modules 2>&1 | grep -E '^(warning|error)' -A6)
if [ -z "$lint_out" ]; then PASS=$((PASS + 1)); echo "ok - module and test modules build clippy-clean (CLIPPY=1)"; else echo "$lint_out" | head -40; count_fail "clippy"; fi
phase_line lint "$t0"

# 2b'. No reference to C memory without an aliasing argument (scripts/check-c-refs.sh).
if cr_out=$("$here/check-c-refs.sh" 2>&1); then
	PASS=$((PASS + 1)); echo "ok - references to C memory: $cr_out (scripts/check-c-refs.sh)"
else
	echo "$cr_out" | tail -n 20; count_fail "check-c-refs"
fi

# 2b''. The driver layer has no unsafe code, and the compiler holds it: each of its files denies
# `unsafe_code` (a block there fails the build; the exported id table and the parameter
# tables of the safe layer's macros are the allowed exceptions).
nodeny=$(for f in src/driver.rs src/fill_ids.rs src/params.rs src/denylist.rs src/policy.rs; do
	grep -q '^#!\[deny(unsafe_code)\]$' "$f" || echo "$f"; done)
if [ -z "$nodeny" ]; then PASS=$((PASS + 1)); echo "ok - the driver layer's files deny unsafe_code"
else echo "# without #![deny(unsafe_code)]: $nodeny"; count_fail "deny unsafe_code"; fi

# 2c. Drivers that get the open protocol wrong must not compile (scripts/compile-fail.sh).
t0=$(date +%s)
if cf_out=$("$here/compile-fail.sh" "$kout" 2>&1); then
	PASS=$((PASS + 1)); echo "ok - wrong drivers do not compile, the safe layer's rustdoc examples do: $(grep -c '^ok' <<<"$cf_out") builds as expected (scripts/compile-fail.sh)"
else
	echo "$cf_out" | tail -n 40; count_fail "compile-fail"
fi
phase_line compile-fail "$t0"

# 2d. The check of vfio_pci_core's private struct copy fails closed: a copy with two members
# swapped is refused on the kernel's source and on Debian's BTF, and a tree with neither is
# refused (host only, seconds; Debian's kernel packages are fetched once, as for its suite).
t0=$(date +%s)
if out=$(tests/host/private-layout.sh 2>&1); then
	PASS=$((PASS + 1)); echo "ok - private layout check: $(grep -c '^ok - ' <<<"$out") cases (swapped copy refused on source and on BTF, no source of truth refused)"
else
	grep -v '^ok - ' <<<"$out" | tail -20; count_fail "private layout check"
fi
phase_line private-layout "$t0"

# 2e. The Debian package is lintian clean (its overrides argued in scripts/debian/lintian-overrides).
t0=$(date +%s)
lint_rc=1 lint=
if deb=$("$here/debian/mkdeb.sh" 2>"$run/mkdeb.err"); then
	lint=$(lintian --fail-on error,warning "$deb" 2>&1) && lint_rc=0
	lint=$(grep -v '^running with root' <<<"$lint" || true)
fi
if [ "$lint_rc" = 0 ] && [ -z "$lint" ]; then
	PASS=$((PASS + 1)); echo "ok - the Debian package is lintian clean (${deb##*/})"
else
	tail -n 5 "$run/mkdeb.err"; echo "$lint" | head -20; count_fail "lintian"
fi
phase_line lintian "$t0"

# 2f. Every shell script of the repository (*.sh, or a sh/bash #! line) is shellcheck clean,
# the guest's with their dialect named in the file (.shellcheckrc: sourced files followed).
mapfile -t sh_files < <(git ls-files | while IFS= read -r f; do
	case $f in
	*.sh) echo "$f" ;;
	*) head -c 64 "$f" | head -n1 | grep -qE '^#!.*[/ ](ba|da)?sh$' && echo "$f" ;;
	esac
done)
if sc_out=$(shellcheck -f gcc "${sh_files[@]}" 2>&1); then
	PASS=$((PASS + 1)); echo "ok - shellcheck clean: ${#sh_files[@]} shell scripts"
else
	echo "$sc_out" | head -n 20; count_fail "shellcheck"
fi

# 3. VM suites; each guest prints its checks as KTAP (tests/guest/lib.sh), read by ktap_counts.
# vm_job NAME SUITE VARIANT [APPEND] [REF]: one boot; the log is logs/NAME.log.
vm_job() {
	local name=$1 suite=$2 variant=$3 append=${4:-} ref=${5:-} t0 tag p f s
	t0=$(date +%s)
	tag=${name#"$suite"}; tag=${tag#-}
	RIG_VARIANT=$variant RIG_TAG=$tag RIG_APPEND=$append RIG_REF=$ref \
		"$here/run-vm.sh" "$suite" "$(suite_timeout "$suite")" 2>&1 |
		tee "$run/$name.raw" | grep -aE '^(ok|not ok|#|run-vm)' > "$run/$name.out"
	if counts=$(ktap_counts "$CACHE/logs/$name.log" 2>>"$run/$name.out"); then
		read -r p f s <<<"$counts"
	else
		grep -av '^\[ *[0-9]*\.[0-9]*\]' "$run/$name.raw" | tail -n 20 >> "$run/$name.out"
		echo "not ok - suite $name gave no complete KTAP output (log: $CACHE/logs/$name.log)" >> "$run/$name.out"
		p=0 f=1 s=0
	fi
	result "$name" "$p" "$f" "$s"
	say "$(cat "$run/$name.out")" "$(phase_line "suite-$name" "$t0")"
}

# The C driver's upstream results depend only on the kernel (and its C modules), the test
# binaries and their scripts, the guest suite and the rig; they are kept under a key of all of
# these and reused, so a warm run boots only the Rust half. Kept only when C passed or skipped
# every test.
upstream_ref_key() { # TESTS
	{
		echo "$1"; cat "$(kernel_record rig)"
		sha256sum "$kout/arch/x86/boot/bzImage" "$kout/selftests-vfio"/vfio_*_test
		find "$kout/modinst" -name '*.ko' | sort | xargs sha256sum
		find "$CACHE/src/linux-source-$KVER/tools/testing/selftests/vfio/scripts" -type f | sort | xargs sha256sum
		sha256sum tests/guest/init tests/guest/lib.sh tests/guest/readlink tests/guest/suites/upstream.sh \
			scripts/run-vm.sh scripts/mkinitramfs.sh /bin/busybox /bin/bash-static
		qemu-system-x86_64 --version
	} 2>&1 | sed "s|$TOP/||" | sha256sum | cut -c1-16
}
upstream_job() { # NAME TESTS(comma-separated) [VARIANTS(comma-separated)]
	local name=$1 tests=$2 variants=${3:-} ref n append
	append="rig.tests=$tests${variants:+ rig.variants=$variants}"
	ref=$CACHE/ref/upstream-c-$(upstream_ref_key "$append").res
	if [ -s "$ref" ] && [ "${RIG_C_REF:-cache}" != run ]; then
		vm_job "$name" upstream rig "$append" "upstream-c.res=$ref"
		return
	fi
	vm_job "$name" upstream rig "$append"
	mkdir -p "$CACHE/ref"
	grep -a '^UPSTREAM-C-RES ' "$CACHE/logs/$name.log" | cut -d' ' -f2- > "$ref.tmp"
	n=$(tr , '\n' <<<"$tests" | wc -l)
	if [ "$(wc -l < "$ref.tmp")" = "$n" ] && awk '$2 != "pass" && $2 != "skip" { exit 1 }' "$ref.tmp"; then
		mv "$ref.tmp" "$ref"
	else
		rm -f "$ref.tmp"
	fi
}

# The module for a Debian kernel, built in the chroot of its suite with that suite's rustc and
# clippy (CLIPPY=1): no warning there either (Debian's configs are not the rig's: other fields).
deb_clippy_job() { # DEB_KERNEL
	local name=clippy-$1 t0 out
	t0=$(date +%s)
	if out=$(DEB_KERNEL=$1 "$here/debian/build-module.sh" CLIPPY=1 2>&1) &&
		! grep -qE '^(warning|error)' <<<"$out"; then
		result "$name" 1 0 0
		say "ok - module builds clippy-clean for Debian's $1 kernel with its suite's toolchain (CLIPPY=1)"
	else
		result "$name" 0 1 0
		say "$(grep -E '^(warning|error)' -A6 <<<"$out" | head -n 40; tail -n 5 <<<"$out")" \
			"not ok - module for Debian's $1 kernel with CLIPPY=1"
	fi
	say "$(phase_line "$name" "$t0")"
}

# Upgrades of the Debian package in trixie's chroot (scripts/debian/dkms-upgrade-test.sh): one
# to a version that does not build keeps the earlier build and leaves dpkg configured.
deb_upgrade_job() {
	local t0 out p f
	t0=$(date +%s)
	out=$("$here/debian/dkms-upgrade-test.sh" 2>&1) && f=0 || f=1
	p=$(grep -c '^ok - ' <<<"$out" || true)
	result deb-upgrade "$p" "$f" 0
	say "$(grep -E '^(ok|not ok) - ' <<<"$out")" "$( [ "$f" = 0 ] || tail -n 15 <<<"$out")" \
		"$(phase_line deb-upgrade "$t0")"
}

# Boot-time binding (scripts/debian/initrd-boot-test.sh): Debian's vmlinuz with the image its
# initramfs-tools or dracut made, vfio-pci ids= and softdep in modprobe.d, for C and for Rust.
deb_initrd_job() { # initramfs-tools|dracut
	local t0 out p f
	t0=$(date +%s)
	out=$("$here/debian/initrd-boot-test.sh" "$1" 2>&1) && f=0 || f=1
	p=$(grep -c '^ok - ' <<<"$out" || true)
	result "initrd-$1" "$p" "$f" 0
	say "$(grep -E '^(ok|not ok) - ' <<<"$out")" "$( [ "$f" = 0 ] || tail -n 15 <<<"$out")" \
		"$(phase_line "initrd-$1" "$t0")"
}

# The queue, longest job first (by a warm run's times), so that the two lanes end together.
# vfio_pci_driver_test (libvfio's igb DMA tests) is most of the upstream suite, so it is two
# jobs of its own. Of its five IOMMU-mode variants, make check runs one per way vfio-pci is
# reached: the group with a type1 container, the group with iommufd's compat container, the
# cdev with iommufd. The two v1 modes (vfio_type1_iommu, iommufd_compat_type1) differ from
# their v2 twins only inside the IOMMU backends (unmap semantics; iommufd's compat type1 also
# maps without huge pages), never in a call to vfio-pci. RIG_UPSTREAM_MODES=all: all five.
modes1=vfio_type1v2_iommu,iommufd_compat_type1v2 modes2=iommufd
if [ "${RIG_UPSTREAM_MODES:-}" = all ]; then
	modes1=vfio_type1_iommu,vfio_type1v2_iommu,iommufd_compat_type1 modes2=iommufd_compat_type1v2,iommufd
fi
mkdir -p "$run/queue"
qn=0
# enqueue SUITE JOB...: a job (a function of this script and its arguments, words without
# spaces, one file each) when SUITE was asked for.
enqueue() {
	[[ $suites == *" $1 "* ]] || return 0
	shift; qn=$((qn + 1)); printf '%s\n' "$*" > "$run/queue/$(printf %02d $qn)"
}
# The debian suite on sid's kernel.
vm_job_sid() { DEB_KERNEL=sid-7.2 vm_job "$@"; }
# debian: Debian's own kernel and system, with the package installed by DKMS; preparing it
# (scripts/debian/guest.sh: chroot, Debian's packages, the kernel's Rust tree) is part of the
# first job that needs it. debian-sid: the same on sid's 7.2 kernel and system (gcc 16, rustc
# 1.97). clients: DPDK, QEMU and driverctl with the VF token on the trixie host (TCG in TCG).
enqueue upstream upstream_job upstream-driver vfio_pci_driver_test "$modes1"
enqueue debian-sid vm_job_sid debian-sid debian debian
enqueue clients vm_job clients clients debian
enqueue debian vm_job debian debian debian
enqueue token vm_job token token rig
enqueue upstream upstream_job upstream-driver2 vfio_pci_driver_test "$modes2"
enqueue debian deb_initrd_job dracut
enqueue selfcheck vm_job selfcheck selfcheck rig
enqueue driver vm_job driver driver rig
# The differential fuzzer, short: 3 fixed-seed programs and the repository's seed corpus (make fuzz-vm:
# the long runs).
enqueue difffuzz vm_job difffuzz difffuzz rig rig.programs=3 "corpus=$TOP/tests/guest/fuzz-corpus.txt"
enqueue upstream upstream_job upstream-rest vfio_pci_sriov_uapi_test,vfio_pci_device_test,vfio_dma_mapping_test,vfio_dma_mapping_mmio_test,vfio_iommufd_setup_test,vfio_pci_device_init_perf_test
enqueue debian deb_upgrade_job
enqueue debian deb_initrd_job initramfs-tools
enqueue debian deb_clippy_job trixie-7.3
enqueue debian-sid deb_clippy_job sid-7.2
take_job() { # prints the next job and removes it from the queue; fails when it is empty
	local f
	{
		flock 9
		f=$(find "$run/queue" -type f | sort | head -n1)
		[ -n "$f" ] || exit 1
		cat "$f"; rm -f "$f"
	} 9>"$run/queue.lock"
}
lane() { local job; while read -ra job < <(take_job) && [ ${#job[@]} -gt 0 ]; do "${job[@]}"; done; }

# Lane A, part 2: stress once the debug kernel is there, then the queue.
if [[ $suites == *" stress "* ]]; then
	(
		while [ ! -e "$run/debug.ready" ] && [ ! -e "$run/debug.failed" ]; do sleep 2; done
		[ -e "$run/debug.ready" ] && vm_job stress stress debug
		lane
	) &
	pids+=($!)
else
	lane &
	pids+=($!)
fi
lane
wait "${pids[@]}"
if [ "$(cat "$run/fuzz.rc" 2>/dev/null)" = 0 ]; then
	PASS=$((PASS + 1)); echo "ok - fuzz parse_match ${FUZZ_SECONDS:-20}s: $(grep -o 'Done [0-9]* runs' "$run/fuzz.log" | tail -n1)"
else
	tail -20 "$run/fuzz.log"; count_fail "fuzz parse_match"
fi

for r in "$run"/result.*; do
	[ -e "$r" ] || continue
	read -r p f s < "$r"
	PASS=$((PASS + p)); FAIL=$((FAIL + f)); SKIP=$((SKIP + s))
	[ "$f" = 0 ] || failed+=("${r##*/result.}")
done
phase_line total "$t_start"
[ ${#failed[@]} = 0 ] || echo "failed: ${failed[*]}"
echo "$PASS passed, $FAIL failed, $SKIP skipped"
[ "$FAIL" = 0 ]
