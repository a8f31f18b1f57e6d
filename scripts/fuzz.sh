#!/usr/bin/env bash
# Fuzzes the match-string parser against the C model.
# Usage: scripts/fuzz.sh [SECONDS]   (default 30)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

secs=${1:-30}
# The version this was last checked with; --locked keeps its own deps pinned.
CARGO_FUZZ_VERSION=0.13.2

if ! cargo fuzz --version >/dev/null 2>&1; then
	cargo install --locked "cargo-fuzz@$CARGO_FUZZ_VERSION"
fi

cd "$TOP/fuzz"
# cargo-fuzz passes nightly-only flags (-Zsanitizer=address and friends);
# only a stable toolchain exists here, and RUSTC_BOOTSTRAP lets it take them.
RUSTC_BOOTSTRAP=1 cargo fuzz run parse_match -- \
	-max_total_time="$secs" -dict="$TOP/fuzz/parse_match.dict"
