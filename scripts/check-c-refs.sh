#!/usr/bin/env bash
# References to C memory in the module's Rust sources (src/), two rules:
#  1. no method call on a dereferenced raw pointer, `(*p).method()`: the call takes `&*p`, a
#     shared reference to the whole C object, which other CPUs may be writing (bindgen's
#     bitfield getters take `&self`; their `*_raw` twins take the pointer);
#  2. an `unsafe` block that makes a reference from a pointer (`&*p`, `&mut *p`, `&(*p).f`,
#     `p.as_ref()`, `p.as_mut()`) has a SAFETY comment that argues aliasing (says "alias"):
#     why nothing writes what the reference covers while it lives, or why it may (`Opaque`).
# Prints each violation as FILE:LINE: RULE; exits non-zero if there is any.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
python3 - "$TOP" <<'PY'
import pathlib, re, sys

top = pathlib.Path(sys.argv[1])
bad = 0
METHOD_ON_DEREF = re.compile(r"\(\*")
MAKES_REF = re.compile(r"&\s*\*|&mut\s+\*|&\s*\(\s*\*|&mut\s+\(\s*\*|\.as_ref\(\)|\.as_mut\(\)")

def code_of(line):
    """The line without its // comment (strings with // do not occur in these files)."""
    i = line.find("//")
    return line if i < 0 else line[:i]

for path in sorted((top / "src").rglob("*.rs")):
    rel = path.relative_to(top)
    lines = path.read_text().split("\n")
    code = [code_of(l) for l in lines]
    text = "\n".join(code)
    starts = [0]
    for l in code:
        starts.append(starts[-1] + len(l) + 1)
    line_of = lambda pos: next(i for i in range(len(starts)) if starts[i + 1] > pos)

    # Rule 1: `(*EXPR).ident(` or `(*EXPR).ident::<..>(`.
    for m in METHOD_ON_DEREF.finditer(text):
        if text[max(0, m.start() - 8):m.start()].rstrip().endswith(("raw const", "raw mut")):
            pass  # `&raw const (*p).f` takes no reference; still check what follows
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        rest = text[i:i + 200]
        if re.match(r"\s*\.\s*[A-Za-z_]\w*\s*(::\s*<[^>]*>\s*)?\(", rest):
            print(f"{rel}:{line_of(m.start()) + 1}: method call on a dereferenced raw pointer "
                  "(takes a reference to the whole C object)")
            bad += 1

    # Rule 2: each `unsafe {` block that makes a reference from a pointer.
    for m in re.finditer(r"\bunsafe\s*\{", text):
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        if not MAKES_REF.search(text[m.end():i]):
            continue
        n = line_of(m.start())
        # The SAFETY comment: the comment lines right above the statement holding `unsafe {`
        # (attribute lines and `// INVARIANT:` lines may sit between).
        j, comment = n - 1, []
        while j >= 0 and lines[j].strip().startswith(("//", "#[")):
            comment.append(lines[j])
            j -= 1
        joined = " ".join(comment)
        if "SAFETY:" not in joined or not re.search(r"alias", joined, re.I):
            print(f"{rel}:{n + 1}: unsafe block makes a reference from a pointer; its SAFETY "
                  "comment does not argue aliasing")
            bad += 1

print(f"{bad} violation(s)" if bad else "no violation")
sys.exit(1 if bad else 0)
PY
