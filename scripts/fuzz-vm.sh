#!/usr/bin/env bash
# The differential fuzzer's long run: the difffuzz suite (tests/guest/suites/difffuzz.sh) on the
# debug kernel (KASAN, lockdep, debugobjects), the same programs against C vfio-pci and the
# Rust driver, every program's result compared. Defaults: 5,000 programs of 200 calls,
# 1,000,000 calls per driver.
# FUZZ_RACERS=N: then N programs per driver with sysfs racers beside them (only a sound kernel
# is checked there: their results depend on timing).
# The corpus (tests/guest/fuzz-corpus.txt, and what earlier long runs added to it, kept in the
# cache as fuzz-corpus.txt) is replayed on both drivers too.
# FUZZ_GUIDED=N: first N programs mutated from the corpus on the Rust driver, coverage-guided
# (a KCOV kernel: RIG_VARIANT=kcsan); those that reach new code join the cache's corpus, and
# the coverage of vfio_pci and vfio_pci_core is reported (functions and PCs reached).
# Usage: [FUZZ_SEED=1] [FUZZ_PROGRAMS=5000] [FUZZ_CALLS=200] [FUZZ_RACERS=0] [FUZZ_GUIDED=0]
#        [RIG_VARIANT=debug|rig|kcsan] scripts/fuzz-vm.sh
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
t_start=$(date +%s)
variant=${RIG_VARIANT:-debug}
"$here/rig.sh" "$variant" || exit 1
corpus=$CACHE/fuzz-corpus.txt log=$CACHE/logs/difffuzz-long.log
[ -s "$corpus" ] || cp "$TOP/tests/guest/fuzz-corpus.txt" "$corpus"
RIG_VARIANT=$variant RIG_TAG=long RIG_REF="corpus=$corpus" \
	RIG_APPEND="rig.seed=${FUZZ_SEED:-1} rig.programs=${FUZZ_PROGRAMS:-5000} rig.calls=${FUZZ_CALLS:-200} rig.racers=${FUZZ_RACERS:-0} rig.guided=${FUZZ_GUIDED:-0}" \
	"$here/run-vm.sh" difffuzz "${FUZZ_TIMEOUT:-28800}" | grep --line-buffered -E '^(ok|not ok|#|run-vm)' | grep --line-buffered -Ev '^# (fn|initpc) '
rc=${PIPESTATUS[0]}
# lines TAG: the programs the guest printed as "TAG NAME WORD...", as corpus lines.
lines() { sed -n "s/^$1 //p" "$log" | tr -d '\r'; }
# The programs the guided run kept, added to the cache's corpus.
lines CORPUS >> "$corpus"
if [ "${FUZZ_GUIDED:-0}" -gt 0 ]; then
	lines DISTILLED > "$corpus.distilled"
fi
# A difference, minimised: a regression program for the seed corpus once it is understood.
if grep -aq '^MINIMISED ' "$log"; then
	lines MINIMISED >> "$CACHE/fuzz-findings.txt"
	echo "fuzz-vm: a difference, minimised, added to $CACHE/fuzz-findings.txt"
fi
echo "fuzz-vm: corpus $(grep -c '^[0-9a-f]' "$corpus") programs ($corpus)"
# The guided run's coverage against what the modules hold (scripts/fuzz-coverage.py): the live
# functions of the Rust module and of vfio-pci-core.ko, and the KCOV sites (one per edge) in them.
if [ "${FUZZ_GUIDED:-0}" -gt 0 ]; then
	kout=$(cat "$(kernel_record "$variant")")
	grep -a '^# cov ' "$log" | tail -n 2 | sed 's/^# /fuzz-vm: /'
	python3 "$here/fuzz-coverage.py" "$(module_of "$variant")" vfio_pci "$log"
	python3 "$here/fuzz-coverage.py" "$(find "$kout/modinst" -name vfio-pci-core.ko | head -n1)" \
		vfio_pci_core "$log" | grep -v 'not reached'
fi
echo "fuzz-vm: $(( $(date +%s) - t_start ))s (log: $log)"
exit "$rc"
