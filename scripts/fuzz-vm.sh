#!/usr/bin/env bash
# The differential fuzzer's long run: the difffuzz suite (tests/guest/suites/difffuzz.sh) on the
# debug kernel (KASAN, lockdep, debugobjects), the same programs against C vfio-pci and the
# Rust driver, every program's result compared. Defaults: 5,000 programs of 200 calls,
# 1,000,000 calls per driver.
# FUZZ_RACERS=N: then N programs per driver with sysfs racers beside them (only a sound kernel
# is checked there: their results depend on timing).
# Usage: [FUZZ_SEED=1] [FUZZ_PROGRAMS=5000] [FUZZ_CALLS=200] [FUZZ_RACERS=0] [RIG_VARIANT=debug|rig|kcsan] scripts/fuzz-vm.sh
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
t_start=$(date +%s)
variant=${RIG_VARIANT:-debug}
"$here/rig.sh" "$variant" || exit 1
RIG_VARIANT=$variant RIG_TAG=long RIG_APPEND="rig.seed=${FUZZ_SEED:-1} rig.programs=${FUZZ_PROGRAMS:-5000} rig.calls=${FUZZ_CALLS:-200} rig.racers=${FUZZ_RACERS:-0}" \
	"$here/run-vm.sh" difffuzz "${FUZZ_TIMEOUT:-28800}" | grep --line-buffered -E '^(ok|not ok|#|run-vm)'
rc=${PIPESTATUS[0]}
echo "fuzz-vm: $(( $(date +%s) - t_start ))s (log: $CACHE/logs/difffuzz-long.log)"
exit "$rc"
