#!/usr/bin/env bash
# Reliability and security run: the parser fuzz target on the host for at least
# STRESS_FUZZ_RUNS inputs, then the `stress` suite on the debug kernel (KASAN, lockdep,
# debugobjects, kmemleak, failslab) for C vfio-pci and the Rust driver, with full sizes.
# Ends with a table per driver: operations, cycles, faults injected, inputs fuzzed, splats,
# leaks. make check runs the same suite with small sizes.
# Usage: [STRESS_OPS=10000] [STRESS_CYCLES=1002] [STRESS_FUZZ=100000] [STRESS_FAULT_STEP=1]
#        [STRESS_FUZZ_RUNS=1000000] scripts/stress.sh
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
t_start=$(date +%s)
"$here/fuzz.sh" 900 "${STRESS_FUZZ_RUNS:-1000000}" >"$CACHE/fuzz-stress.log" 2>&1; fuzz_rc=$?
host_runs=$(grep -o 'Done [0-9]* runs' "$CACHE/fuzz-stress.log" | tail -n1 | grep -o '[0-9]*')
echo "host fuzz: ${host_runs:-0} inputs through parse_match against the C model, exit $fuzz_rc"
"$here/rig.sh" debug || exit 1
RIG_VARIANT=debug RIG_TAG=full RIG_APPEND="rig.ops=${STRESS_OPS:-10000} rig.cycles=${STRESS_CYCLES:-1002} rig.fuzz=${STRESS_FUZZ:-100000} rig.fault_step=${STRESS_FAULT_STEP:-1}" \
	"$here/run-vm.sh" stress "${STRESS_TIMEOUT:-14400}" | grep --line-buffered -E '^(ok|not ok|#|run-vm)'
vm_rc=${PIPESTATUS[0]}
echo
printf '%-6s %10s %8s %8s %9s %7s %6s %15s\n' driver operations cycles faults fuzzed splats leaks upstream-warns
grep -a '^# STRESS-SUMMARY' "$CACHE/logs/stress-full.log" | sed 's/[a-z_]*=//g' |
	while read -r _ _ drv ops cyc flt fz sp lk up; do printf '%-6s %10s %8s %8s %9s %7s %6s %15s\n' "$drv" "$ops" "$cyc" "$flt" "$fz" "$sp" "$lk" "$up"; done
echo "host   parser fuzz inputs: ${host_runs:-0}"
echo "stress: $(( $(date +%s) - t_start ))s"
[ "$fuzz_rc" = 0 ] && [ "${host_runs:-0}" -ge "${STRESS_FUZZ_RUNS:-1000000}" ] && [ "$vm_rc" = 0 ]
