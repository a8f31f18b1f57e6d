#!/usr/bin/env bash
# Runs every test: host tests of the token policy, the rig build (kernel cached, module with
# clippy), and every QEMU suite. Ends with one line "N passed, N failed, N skipped" and exits
# non-zero on any failure.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
cd "$TOP"
PASS=0; FAIL=0; SKIP=0
t_start=$(date +%s)
failed=()
count_fail() { FAIL=$((FAIL + 1)); failed+=("$1"); }

# 1. Host: the token policy, with cargo test (unit + property tests).
t0=$(date +%s)
if [ -f Cargo.toml ]; then
	out=$(cargo test --locked -q 2>&1); rc=$?
	echo "$out" | grep -E '^test result:|FAILED|panicked' | sed 's/^/host: /'
	p=$(echo "$out" | sed -n 's/^test result: .* \([0-9]*\) passed; \([0-9]*\) failed.*/\1/p' | paste -sd+ | bc)
	f=$(echo "$out" | sed -n 's/^test result: .* \([0-9]*\) passed; \([0-9]*\) failed.*/\2/p' | paste -sd+ | bc)
	PASS=$((PASS + ${p:-0})); FAIL=$((FAIL + ${f:-0}))
	[ $rc = 0 ] || { [ "${f:-0}" -gt 0 ] || count_fail "cargo test"; }
fi
echo "phase: host-tests $(( $(date +%s) - t0 ))s"

# 1b. Fuzz the match-string parser against the C model (cargo fuzz on stable, RUSTC_BOOTSTRAP).
t0=$(date +%s)
if "$here/fuzz.sh" "${FUZZ_SECONDS:-20}" >"$CACHE/fuzz.log" 2>&1; then
	PASS=$((PASS + 1)); echo "ok - fuzz parse_match ${FUZZ_SECONDS:-20}s: $(grep -o 'Done [0-9]* runs' "$CACHE/fuzz.log" | tail -n1)"
else
	tail -20 "$CACHE/fuzz.log"; count_fail "fuzz parse_match"
fi
echo "phase: fuzz $(( $(date +%s) - t0 ))s"

# 2. The rig: setup, kernel, module (clippy-clean), selftests.
if CLIPPY=1 "$here/rig.sh"; then
	PASS=$((PASS + 1)); echo "ok - rig build (setup, kernel, module with CLIPPY=1, selftests)"
else
	count_fail "rig build"
	echo "$PASS passed, $FAIL failed, $SKIP skipped"; exit 1
fi

# 2b. Style: rustfmt with the kernel's config, and a fresh clippy build with no warning.
t0=$(date +%s)
kout=$(cat "$CACHE/current-kernel")
fmt_out=$(rustfmt --check --edition 2021 --config-path "$CACHE/src/linux-source-$KVER/.rustfmt.toml" \
	src/vfio_pci_main.rs 2>&1)
if [ -z "$fmt_out" ]; then PASS=$((PASS + 1)); echo "ok - rustfmt clean"; else echo "$fmt_out" | head -20; count_fail "rustfmt"; fi
touch src/vfio_pci_main.rs
lint_out=$(make -s -C "$TOP" KDIR="$kout" CLIPPY=1 modules 2>&1 | grep -E '^(warning|error)' -A6)
if [ -z "$lint_out" ]; then PASS=$((PASS + 1)); echo "ok - module builds clippy-clean (CLIPPY=1)"; else echo "$lint_out" | head -40; count_fail "clippy"; fi
echo "phase: lint $(( $(date +%s) - t0 ))s"

# 2c. The debug kernel (KASAN, lockdep, kmemleak, failslab) and the module built for it, for
# the stress suite.
suites=${RIG_SUITES:-selfcheck driver token stress upstream}
if [[ " $suites " == *" stress "* ]]; then
	if "$here/rig.sh" debug; then
		PASS=$((PASS + 1)); echo "ok - debug rig build (KASAN/lockdep/kmemleak/failslab kernel, module)"
	else
		count_fail "debug rig build"
	fi
fi

# 3. VM suites; each prints its checks and a RIG-VERDICT line. stress runs on the debug kernel.
for suite in $suites; do
	t0=$(date +%s)
	variant=rig; [ "$suite" = stress ] && variant=debug
	RIG_VARIANT=$variant "$here/run-vm.sh" "$suite" "${RIG_SUITE_TIMEOUT:-2400}" | grep --line-buffered -E '^(ok|not ok|  |RIG-VERDICT|run-vm|STRESS)'
	line=$(grep -a '^RIG-VERDICT:' "$CACHE/logs/$suite.log" | tail -n1)
	p=$(sed -n 's/.*pass=\([0-9]*\).*/\1/p' <<<"$line")
	f=$(sed -n 's/.*fail=\([0-9]*\).*/\1/p' <<<"$line")
	s=$(sed -n 's/.*skip=\([0-9]*\).*/\1/p' <<<"$line")
	if [ -z "$line" ]; then count_fail "suite $suite (no verdict)"; else
		PASS=$((PASS + p)); SKIP=$((SKIP + s)); FAIL=$((FAIL + f))
		[ "$f" = 0 ] || failed+=("suite $suite")
	fi
	echo "phase: suite-$suite $(( $(date +%s) - t0 ))s"
done

echo "phase: total $(( $(date +%s) - t_start ))s"
[ ${#failed[@]} = 0 ] || echo "failed: ${failed[*]}"
echo "$PASS passed, $FAIL failed, $SKIP skipped"
[ "$FAIL" = 0 ]
