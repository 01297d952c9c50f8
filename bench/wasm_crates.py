#!/usr/bin/env python3
"""Where the WASM's bytes go, by crate: sums twiggy's per-function sizes (`twiggy top -f csv`)
by the crate each function's name starts with (`<serde_json::de::… as serde::…>` counts for
serde_json, `core[hash]::…` for core). Custom sections (names, relocations, the linking
section of the input the splitter needs) are left out: the browser never downloads them.

Usage: wasm_crates.py TOP.csv [ROWS]
"""

import csv
import re
import sys
from collections import defaultdict

ROWS = int(sys.argv[2]) if len(sys.argv) > 2 else 25


def crate_of(name):
    if name.startswith(("custom section", '"function names"', "elem[", "type[", "import ", "export ")):
        return None
    if name.startswith("data segment") or name.startswith("data["):
        return "(data: strings, tables)"
    path = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(\[[0-9a-f]+\])?::")
    n = name.lstrip("<&*")
    n = re.sub(r"^(mut |const |dyn )+", "", n)
    m = path.match(n)
    if m:
        return m.group(1)
    # `<T as tachys::…>`, `<(A, B) as …>`, `<str>::…`: the trait's crate, else the type's
    trait = re.search(r" as (?:mut |dyn )*([A-Za-z_][A-Za-z0-9_]*)(\[[0-9a-f]+\])?::", name)
    if trait:
        return trait.group(1)
    if re.match(r"<(str|\[[^]]*\]|[a-z0-9]+)>::", name):
        return "core"
    if re.match(r"(func|code)\[\d+\]", name):
        return "(unnamed)"
    return "(other)"


sizes, counts = defaultdict(int), defaultdict(int)
total = 0
with open(sys.argv[1], newline="") as f:
    for row in csv.DictReader(f):
        crate = crate_of(row["Name"])
        if crate is None:
            continue
        size = int(row["ShallowSize"])
        sizes[crate] += size
        counts[crate] += 1
        total += size
print(f"{'crate':32} {'bytes':>10} {'share':>6} {'items':>7}")
for crate, size in sorted(sizes.items(), key=lambda kv: -kv[1])[:ROWS]:
    print(f"{crate:32} {size:>10,} {100 * size / total:>5.1f}% {counts[crate]:>7,}")
print(f"{'total (code and data)':32} {total:>10,}")
