#!/usr/bin/env bash
# Shows that the differential fuzzer sees a difference: a copy of this tree whose driver answers
# one kind of call otherwise than C (a mutation: a sed expression on one source file) is built
# and fuzzed like the real driver (scripts/fuzz-vm.sh, on the rig kernel by default). Passes when
# the fuzzer reports a program that differs and replays it; fails when every program is the same.
# Usage: [MUTANT_FILE=src/policy.rs MUTANT_SED='s/.../.../'] [FUZZ_PROGRAMS=10] scripts/fuzz-mutant.sh
# The default mutation: the token given with the PF's open while no VF is open is not kept
# (C keeps it: it is how the PF's user sets the token). An errno changed in the policy would
# not do: the safe layer asserts at build time that they are the kernel's.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
file=${MUTANT_FILE:-src/policy.rs}
expr=${MUTANT_SED:-'s/\*token = \*uuid;/let _ = uuid;/'}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The tracked files (and this checkout's changes to them): the tree the real driver is built from.
(cd "$TOP" && git ls-files -z | xargs -0 cp --parents -t "$work") || die "copying the tree failed"
sed -i -e "$expr" "$work/$file"
cmp -s "$TOP/$file" "$work/$file" && die "the mutation changed nothing in $file"
echo "fuzz-mutant: $file mutated:"
diff "$TOP/$file" "$work/$file" | sed 's/^/  /'
out=$(FUZZ_PROGRAMS=${FUZZ_PROGRAMS:-10} FUZZ_CALLS=${FUZZ_CALLS:-200} RIG_VARIANT=${RIG_VARIANT:-rig} \
	"$work/scripts/fuzz-vm.sh" 2>&1)
rc=$?
echo "$out" | grep -E '^(ok|not ok|#|fuzz-vm)' | head -n 60
if [ "$rc" != 0 ] && grep -q '^not ok .*differential fuzz: .* first differing seed [0-9]' <<<"$out"; then
	echo "ok - the fuzzer found the mutant: $(grep -o 'first differing seed [0-9]*' <<<"$out")"
else
	echo "not ok - the fuzzer did not find the mutant (exit $rc)"
	exit 1
fi
