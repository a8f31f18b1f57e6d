#!/usr/bin/env bash
# Benchmark of the VF token paths, Rust driver against C vfio-pci, in one VM boot (guest suite
# tests/guest/suites/bench.sh, tool tests/guest/bin/vfio_bench.c). Prints per metric the C
# and Rust medians (median over rounds of each round's median) and the ratio Rust/C with its
# min-max over rounds; writes the same as JSON to results/bench-<date>.json.
# Usage: [BENCH_ROUNDS=5] [BENCH_ITERS=200] [BENCH_OPEN_ITERS=30] scripts/bench.sh
# (BENCH_OPEN_ITERS: iterations of the two metrics that open the VF; each open resets it, ~0.2 s)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
rounds=${BENCH_ROUNDS:-5}
iters=${BENCH_ITERS:-200}
open_iters=${BENCH_OPEN_ITERS:-30}
"$here/rig.sh"
set +e
RIG_APPEND="rig.rounds=$rounds rig.iters=$iters rig.open_iters=$open_iters" "$here/run-vm.sh" bench 3600
vm_rc=$?
set -e
# Module size: all .text sections of the Rust module and of the C vfio-pci.ko of the same
# kernel (C keeps most of the driver in vfio-pci-core.ko, which both use).
kout=$(cat "$CACHE/current-kernel")
text_of() { llvm-size-19 -A "$1" | awk '$1 ~ /^\.text/ { s += $2 } END { print s }'; }
c_ko=$(find "$kout/modinst" -name vfio-pci.ko | head -n1)
rs_text=$(text_of "$TOP/vfio_pci.ko") c_text=$(text_of "$c_ko")
mkdir -p "$TOP/results"
out=$TOP/results/bench-$(date +%Y%m%d-%H%M%S).json
python3 - "$CACHE/logs/bench.log" "$out" "$rounds" "$iters" "$vm_rc" "$open_iters" "$c_text" "$rs_text" <<'EOF'
import json, re, statistics, sys
log, out, rounds, iters, vm_rc, open_iters, c_text, rs_text = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:9])
rec = {}  # metric -> driver -> round -> {field: value}
for line in open(log, errors="replace"):
    m = re.match(r"BENCHREC (\S+) (\d+) (\S+) (.*)", line.strip())
    if not m:
        continue
    drv, rnd, metric, rest = m.group(1), int(m.group(2)), m.group(3), m.group(4)
    fields = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", rest)}
    if "median_ns" in fields:
        rec.setdefault(metric, {}).setdefault(drv, {})[rnd] = fields
if not rec:
    sys.exit("bench: no BENCHREC lines in " + log)
res = {"rounds": rounds, "iters": iters, "open_iters": open_iters, "vm_exit": vm_rc, "metrics": {},
       "text_bytes": {"c": c_text, "rs": rs_text}}
print(f"{'metric':<18} {'C median':>12} {'Rust median':>12} {'Rust/C':>7} {'min-max over rounds':>20}  rounds")
for metric in sorted(rec):
    c, rs = rec[metric].get("c", {}), rec[metric].get("rs", {})
    cm = statistics.median(v["median_ns"] for v in c.values()) if c else None
    rm = statistics.median(v["median_ns"] for v in rs.values()) if rs else None
    per = [rs[r]["median_ns"] / c[r]["median_ns"] for r in sorted(set(c) & set(rs)) if c[r]["median_ns"]]
    ratio = rm / cm if cm and rm is not None else None
    res["metrics"][metric] = {
        "c_median_ns": cm, "rs_median_ns": rm, "ratio": ratio,
        "ratio_min": min(per) if per else None, "ratio_max": max(per) if per else None,
        "rounds": {"c": c, "rs": rs},
    }
    fmt = lambda v: "-" if v is None else f"{v:.0f}ns" if v < 1e6 else f"{v / 1e6:.1f}ms"
    rng = f"{min(per):.2f}-{max(per):.2f}" if per else "-"
    rat = "-" if ratio is None else f"{ratio:.2f}"
    print(f"{metric:<18} {fmt(cm):>12} {fmt(rm):>12} {rat:>7} {rng:>20}  {len(c)}/{len(rs)}")
print(f"{'module .text':<18} {c_text:>11}B {rs_text:>11}B {rs_text / c_text:>7.2f}")
json.dump(res, open(out, "w"), indent=1, sort_keys=True)
print("bench: wrote", out)
EOF
[ "$vm_rc" = 0 ] || { echo "bench: the VM run reported failures (log: $CACHE/logs/bench.log)"; exit 1; }
