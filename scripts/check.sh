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

# 2. The rig: setup, kernel, module (clippy-clean), selftests.
if CLIPPY=1 "$here/rig.sh"; then
	PASS=$((PASS + 1)); echo "ok - rig build (setup, kernel, module with CLIPPY=1, selftests)"
else
	count_fail "rig build"
	echo "$PASS passed, $FAIL failed, $SKIP skipped"; exit 1
fi

# 3. VM suites; each prints its checks and a RIG-VERDICT line.
for suite in ${RIG_SUITES:-selfcheck driver}; do
	t0=$(date +%s)
	"$here/run-vm.sh" "$suite" 1200 | grep -E '^(ok|not ok|  |RIG-VERDICT|run-vm)'
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
