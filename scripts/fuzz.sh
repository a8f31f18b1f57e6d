#!/usr/bin/env bash
# Fuzzes the match-string parser against the C model.
# Usage: scripts/fuzz.sh [SECONDS] [RUNS]   (default 30 s; with RUNS, stops after RUNS inputs
# or SECONDS, whichever comes first; libFuzzer ends with "Done N runs")
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

secs=${1:-30}
runs=${2:--1}
# The version this was last checked with; --locked keeps its own deps pinned.
CARGO_FUZZ_VERSION=0.13.2

# Installed into the cache, like every tool the scripts install: an empty cache starts from nothing.
if ! "$TOOLS/bin/cargo-fuzz" fuzz --version 2>/dev/null | grep -q " $CARGO_FUZZ_VERSION\$"; then
	cargo install --locked -q --root "$TOOLS" "cargo-fuzz@$CARGO_FUZZ_VERSION"
fi

cd "$TOP/fuzz"
# cargo-fuzz passes nightly-only flags (-Zsanitizer=address and friends);
# only a stable toolchain exists here, and RUSTC_BOOTSTRAP lets it take them.
# The build folder is in the cache: a clean clone then rebuilds only this crate (libFuzzer's
# C++ and the deps are kept).
RUSTC_BOOTSTRAP=1 cargo fuzz run --target-dir "$CACHE/cargo/fuzz" parse_match -- \
	-max_total_time="$secs" -runs="$runs" -dict="$TOP/fuzz/parse_match.dict"
