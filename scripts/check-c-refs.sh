#!/usr/bin/env bash
# References to C memory in the module's Rust sources (src/), three rules:
#  1. no method call on a dereferenced raw pointer, `(*p).method()`: the call takes `&*p`, a
#     shared reference to the whole C object, which other CPUs may be writing (bindgen's
#     bitfield getters take `&self`; their `*_raw` twins take the pointer);
#  2. a reference made from a pointer (`&*p`, `&mut *p`, `p.as_ref()`, `p.as_mut()`) names its
#     type, `p.cast::<T>()` or `let x: &T = ...`, and T is not a C struct of the bindings
#     (`bindings::`, `raw::`) but the layer's wrapper of it (`Opaque`: `CoreDevice`, `VfToken`,
#     `pci::Device`, ...) or plain Rust data; `&(*p).field` is never made;
#  3. an `unsafe` block that makes such a reference has a SAFETY comment that argues aliasing
#     (says "alias"): why nothing writes what the reference covers while it lives, or why it
#     may (`Opaque`).
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
C_TYPE = re.compile(r"^\s*(::)?(kernel::)?(bindings|raw)::")

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

    # Rule 2: the type of each reference made from a pointer in an `unsafe {` block.
    def outer_end(pos):
        """Where the expression starting at `pos` ends: `;`, `,` or a closing bracket at depth 0."""
        depth = 0
        while pos < len(text):
            c = text[pos]
            if c in "([{":
                depth += 1
            elif c in ")]}":
                if depth == 0:
                    return pos
                depth -= 1
            elif c in ";," and depth == 0:
                return pos
            pos += 1
        return pos

    for m in re.finditer(r"\bunsafe\s*\{", text):
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        body = text[m.end():i - 1]
        for r in MAKES_REF.finditer(body):
            at = m.end() + r.start()
            line = line_of(at) + 1
            named = []
            if r.group().startswith(".as_"):
                before = body[:r.start()].rstrip()
                c = re.search(r"\.cast::<(.+)>\(\)$", before)
                if c:
                    named.append(c.group(1))
            elif "(" in r.group():
                print(f"{rel}:{line}: reference to a field of a C struct (`&(*p).field`)")
                bad += 1
                continue
            else:
                c = re.match(r"[^;]*?\.cast::<(.+?)>\(\)", text[at:outer_end(at + len(r.group()))] + ";")
                if c:
                    named.append(c.group(1))
            let = re.match(r"\s*let\s+(mut\s+)?\w+\s*:\s*&(mut\s+)?(.+?)\s*=\s*unsafe\b",
                           code[line_of(m.start())])
            if let:
                named.append(let.group(3))
            if not named:
                print(f"{rel}:{line}: reference made from a pointer without naming its type "
                      "(`.cast::<T>()` or `let x: &T`): a C struct of the bindings?")
                bad += 1
            elif all(C_TYPE.match(t) for t in named):
                print(f"{rel}:{line}: reference to a C struct of the bindings ({named[0]})")
                bad += 1

    # Rule 3: each `unsafe {` block that makes a reference from a pointer.
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
