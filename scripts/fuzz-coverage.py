#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The guided fuzzer's coverage of one module, against the module's own object.

Usage: fuzz-coverage.py MODULE.ko NAME LOG

LOG holds the guest's "# fn NAME reached|unreached SYMBOL PCS" lines (tests/guest/bin/vfio_kcov.h):
the KCOV sites (calls of __sanitizer_cov_trace_pc, one per edge) reached in each function; and
"# initpc NAME OFFSET" lines, the sites reached in the init code of a module the fuzzer
reloaded (offsets in its .init.text, which kallsyms does not list once the module is loaded).
In a Rust module a function counts as live when code or data elsewhere in the module refers
to it (a call, an ops table, the module's init and exit) or the run reached it: Rust keeps an
out-of-line copy of every public function although its calls were inlined, and bindgen's
Default impls are never called, so kallsyms lists many functions that no run can reach. In a
C module every function counts (the compiler drops static functions nobody calls). Prints the share of live functions and
of the KCOV sites in them that the run reached, and the live functions it did not reach.
"""
import re
import subprocess
import sys

RELOC = re.compile(r"^([0-9a-f]+)\s+[0-9a-f]+\s+(\S+)\s+([0-9a-f]+)\s+(\S+)(?:\s*([+-])\s*([0-9a-f]+))?$")


def readelf(*args):
    return subprocess.run(["readelf", "-W", *args], check=True, capture_output=True, text=True).stdout


def short(name):
    """A readable form of a Rust v0 symbol: its last path segments."""
    if not name.startswith("_R"):
        return name
    out, i = [], 0
    while i < len(name):
        m = re.match(r"(\d+)_?", name[i:])
        if m and not name[i - 1].isdigit():
            n, j = int(m.group(1)), i + len(m.group(0))
            word = name[j:j + n]
            if n and len(word) == n and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", word):
                out.append(word)
                i = j + n
                continue
        i += 1
    skip = {"kernel", "core", "vfio_pci_main", "bindings", "bindings_raw", "abstractions"}
    return "::".join([w for w in out if w not in skip][-4:])


def main(ko, module, log):
    sections, funcs = {}, []  # section index -> name; (section name, start, end, symbol)
    for line in readelf("-S", ko).splitlines():
        m = re.match(r"\s*\[\s*(\d+)\]\s+(\S+)", line)
        if m:
            sections[m.group(1)] = m.group(2)
    for line in readelf("-s", ko).splitlines():
        f = line.split()
        if len(f) == 8 and f[3] == "FUNC" and f[6] in sections:
            start = int(f[1], 16)
            funcs.append((sections[f[6]], start, start + int(f[2]), f[7]))
    by_name = {fn[3]: fn for fn in funcs}

    def func_at(sec, off):
        for fn in funcs:
            if fn[0] == sec and fn[1] <= off < max(fn[2], fn[1] + 1):
                return fn
        return None

    sites, live = {}, set()
    target = None
    for line in readelf("-r", ko).splitlines():
        m = re.match(r"Relocation section '\.rela(\S+)'", line)
        if m:
            target = m.group(1)
            continue
        m = RELOC.match(line.strip())
        if not m or target is None:
            continue
        off, rtype, value, sym = int(m.group(1), 16), m.group(2), int(m.group(3), 16), m.group(4)
        addend = int(m.group(6), 16) * (-1 if m.group(5) == "-" else 1) if m.group(6) else 0
        here = func_at(target, off)
        if sym == "__sanitizer_cov_trace_pc":
            if here:
                sites[here[3]] = sites.get(here[3], 0) + 1
            continue
        if sym in by_name:
            to = by_name[sym]
        elif sym in sections.values():  # a section symbol: the place is its addend
            to = func_at(sym, value + addend + (4 if "PC32" in rtype or "PLT32" in rtype else 0))
        else:
            continue
        if to and to is not here:
            live.add(to[3])

    reached = {}
    for line in open(log, errors="replace"):
        f = line.split()
        if len(f) >= 5 and f[:2] == ["#", "fn"] and f[2] == module:
            reached[f[4]] = int(f[5]) if len(f) > 5 and f[3] == "reached" else 0
    # The init code of a reloaded module: offsets in its .init.text, named here (kallsyms
    # never listed them: that code is freed once the module is loaded).
    for line in open(log, errors="replace"):
        f = line.split()
        if len(f) == 4 and f[:2] == ["#", "initpc"] and f[2] == module:
            fn = func_at(".init.text", int(f[3], 16))
            if fn:
                reached[fn[3]] = reached.get(fn[3], 0) + 1
    for fn in funcs:  # the unreached init functions too, as kallsyms lists the rest
        if fn[0] == ".init.text" and fn[3] in live:
            reached.setdefault(fn[3], 0)
    if not reached:
        print(f"fuzz-coverage: no coverage of {module} in {log}")
        return 1
    names = [fn[3] for fn in funcs if fn[3] in reached]
    # C drops the static functions nobody calls, and its calls within one section carry no
    # relocation: there, every function counts. A function the run reached is live anyway.
    if not any(n.startswith("_R") for n in names):
        live.update(names)
    live.update(n for n in names if reached[n])
    # A function without a KCOV site (a sanitizer's module constructor, which the compiler
    # makes uninstrumented) cannot show as reached: said, and left out of the share.
    bare = [n for n in names if n in live and not sites.get(n, 0) and not reached[n]]
    live_names = [n for n in names if n in live and n not in bare]
    hit = [n for n in live_names if reached[n]]
    live_sites = sum(sites.get(n, 0) for n in live_names)
    hit_sites = sum(min(reached[n], sites.get(n, 0)) for n in live_names)
    print(f"fuzz-coverage: {module}: live functions reached {len(hit)}/{len(live_names)}"
          f" ({100 * len(hit) // max(len(live_names), 1)} %; {len(names)} in kallsyms),"
          f" KCOV sites in them reached {hit_sites}/{live_sites}"
          f" ({100 * hit_sites // max(live_sites, 1)} %; {sum(sites.values())} in the module)")
    if bare:
        print(f"fuzz-coverage: {module}: {len(bare)} more live functions have no KCOV site: "
              + ", ".join(sorted({short(n) for n in bare})))
    for n in sorted(set(live_names) - set(hit), key=short):
        print(f"fuzz-coverage: {module}: not reached: {short(n)}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
