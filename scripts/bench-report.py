#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Turns the BENCHREC lines of a bench boot's log into the table on stdout, results/*.json
and the PNG plot of open/close cost against the number of VFs open (scripts/bench.sh).

Per metric: the C and Rust medians (median over rounds of each round's median) and Rust/C
of those, with the min-max over rounds of the per-round ratio (round N of C against round N
of Rust: the two run back to back). A metric the guest's kernel cannot run (BENCHNA lines, e.g.
the cdev metrics on a kernel without IOMMUFD) is listed as not available, with the reason.
Usage: bench-report.py LOG OUT.json OUT.png META.json   (META: run parameters, copied in)
"""
import json
import re
import statistics
import sys

SCALE = re.compile(r"(cdev|group)_open_close_sw_(igb|nvme)_vfs(\d+)$")
# Table order: probe and init first, then the token paths, then the scaling series.
ORDER = ["pf_probe", "init_perf_", "feature_set", "wrong_token", "no_token", "group_open_close",
         "cdev_open_close", "group_open_close_sw_igb", "cdev_open_close_sw_igb",
         "group_open_close_sw_nvme", "cdev_open_close_sw_nvme"]


def sort_key(metric):
    m = SCALE.match(metric)
    rank = max(i for i, p in enumerate(ORDER) if metric.startswith(p))
    return (rank, metric if not m else "", int(m.group(3)) if m else 0)


def fmt(v):
    if v is None:
        return "-"
    if v < 1e4:
        return f"{v:.0f}ns"
    if v < 1e7:
        return f"{v / 1e3:.1f}us"
    return f"{v / 1e6:.1f}ms"


def parse(log):
    rec = {}  # metric -> driver -> round -> {field: value}
    na = {}  # metric -> reason, for metrics the kernel cannot run
    for line in open(log, errors="replace"):
        m = re.match(r"BENCHNA (\S+) (\d+) (\S+) (\S+)", line.strip())
        if m:
            na[m.group(3)] = m.group(4)
            continue
        m = re.match(r"BENCHREC (\S+) (\d+) (\S+) (.*)", line.strip())
        if not m:
            continue
        drv, rnd, metric, rest = m.group(1), int(m.group(2)), m.group(3), m.group(4)
        fields = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", rest)}
        if "median_ns" in fields:
            rec.setdefault(metric, {}).setdefault(drv, {})[rnd] = fields
    return rec, na


def summarize(rec):
    out = {}
    for metric, per in rec.items():
        c, rs = per.get("c", {}), per.get("rs", {})
        cm = statistics.median(v["median_ns"] for v in c.values()) if c else None
        rm = statistics.median(v["median_ns"] for v in rs.values()) if rs else None
        per_round = [rs[r]["median_ns"] / c[r]["median_ns"]
                     for r in sorted(set(c) & set(rs)) if c[r]["median_ns"]]
        out[metric] = {
            "c_median_ns": cm, "rs_median_ns": rm,
            "ratio": rm / cm if cm and rm is not None else None,
            "ratio_min": min(per_round) if per_round else None,
            "ratio_max": max(per_round) if per_round else None,
            "c_range_ns": [min(v["median_ns"] for v in c.values()),
                           max(v["median_ns"] for v in c.values())] if c else None,
            "rs_range_ns": [min(v["median_ns"] for v in rs.values()),
                            max(v["median_ns"] for v in rs.values())] if rs else None,
            "rounds": {"c": c, "rs": rs},
        }
    return out


def print_table(metrics, text, na):
    print(f"{'metric':<32} {'C median':>10} {'Rust median':>11} {'Rust/C':>7} "
          f"{'min-max over rounds':>20}  rounds")
    for metric in sorted(set(metrics) | set(na), key=sort_key):
        if metric not in metrics:
            print(f"{metric:<32} {'n/a':>10} {'n/a':>11} {'-':>7} {'-':>20}  not available: {na[metric].replace('-', ' ')}")
            continue
        m = metrics[metric]
        rat = "-" if m["ratio"] is None else f"{m['ratio']:.3f}"
        rng = "-" if m["ratio_min"] is None else f"{m['ratio_min']:.3f}-{m['ratio_max']:.3f}"
        n = f"{len(m['rounds']['c'])}/{len(m['rounds']['rs'])}"
        print(f"{metric:<32} {fmt(m['c_median_ns']):>10} {fmt(m['rs_median_ns']):>11} "
              f"{rat:>7} {rng:>20}  {n}")
    print(f"{'module .text (bytes)':<32} {text['c']:>10} {text['rs']:>11} "
          f"{text['rs'] / text['c']:>7.3f}")


def scaling(metrics):
    """series -> driver -> [(VFs open, median ns, min, max)] from the *_open_close_sw_* metrics;
    a series is "igb" or "nvme" on the cdev path, "igb group" or "nvme group" on the group path."""
    out = {}
    for metric, m in metrics.items():
        s = SCALE.match(metric)
        if not s:
            continue
        for drv in ("c", "rs"):
            if m[f"{drv}_median_ns"] is None:
                continue
            lo, hi = m[f"{drv}_range_ns"]
            name = s.group(2) + (" group" if s.group(1) == "group" else "")
            out.setdefault(name, {}).setdefault(drv, []).append(
                (int(s.group(3)), m[f"{drv}_median_ns"], lo, hi))
    for series in out.values():
        for pts in series.values():
            pts.sort()
    return out


def plot(series, png, clock):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5))
    style = {"c": ("C vfio-pci", "o", "--"), "rs": ("Rust vfio_pci", "s", "-")}
    colour = {"igb": "tab:blue", "nvme": "tab:orange", "igb group": "tab:green",
              "nvme group": "tab:red"}
    for name, per in sorted(series.items()):
        for drv, pts in sorted(per.items()):
            label, marker, line = style[drv]
            x = [p[0] for p in pts]
            y = [p[1] / 1e3 for p in pts]
            err = [[(p[1] - p[2]) / 1e3 for p in pts], [(p[3] - p[1]) / 1e3 for p in pts]]
            ax.errorbar(x, y, yerr=err, marker=marker, linestyle=line, color=colour[name],
                        capsize=3, label=f"{name.split()[0]} VFs{' (group path)' if ' ' in name else ''}, {label}")
    ax.set_xscale("log", base=2)
    ticks = sorted({p[0] for per in series.values() for pts in per.values() for p in pts})
    ax.set_xticks(ticks, [str(t) for t in ticks])
    ax.set_xlabel("VFs open (the timed VF and the ones held open)")
    on_group = [name.endswith(" group") for name in series]
    paths = " and ".join(p for p, used in (("cdev", not all(on_group)), ("group", any(on_group)))
                         if used)
    ax.set_ylabel(f"VF open + close, {paths} path, median (us)")
    top = max(p[3] for per in series.values() for pts in per.values() for p in pts)
    ax.set_ylim(0, top / 1e3 * 1.2)
    clock_note = ("guest time under QEMU -icount: 1 ns per guest instruction" if clock == "icount"
                  else "host clock under TCG")
    ax.set_title("VF open/close against VFs open (no FLR, no idle D3); bars: min-max over "
                 f"rounds\n{clock_note}", fontsize=9)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(png, dpi=100)


def main():
    log, out, png, meta_path = sys.argv[1:5]
    meta = json.load(open(meta_path))
    rec, na = parse(log)
    if not rec:
        sys.exit("bench: no BENCHREC lines in " + log)
    metrics = summarize(rec)
    res = dict(meta, metrics=metrics, not_available=na)
    print_table(metrics, meta["text_bytes"], na)
    series = scaling(metrics)
    res["scaling"] = {name: {drv: [{"vfs_open": p[0], "median_ns": p[1], "min_ns": p[2],
                                    "max_ns": p[3]} for p in pts]
                             for drv, pts in per.items()} for name, per in series.items()}
    json.dump(res, open(out, "w"), indent=1, sort_keys=True)
    print("bench: wrote", out)
    if series:
        plot(series, png, meta["clock"])
        print("bench: wrote", png)


if __name__ == "__main__":
    main()
