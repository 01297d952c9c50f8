#!/usr/bin/env bash
# Builds the release (`build_release` in tools.sh: wasm-release profile, `--split`,
# `--precompress`) and prints, per page, what a browser downloads when that page is its first:
# the main WASM, its JS, the split loader and the CSS, plus the page's own WASM files from the
# split manifest, as the server sends them (the `.br` files). The test run checks the same
# with a real browser (end2end/tests/budget.spec.ts); this is the quick look while working.
source "$(dirname "${BASH_SOURCE[0]}")/tools.sh"
cd "$ROOT"
ensure_rust_tools
[ "${1:-}" = "--no-build" ] || build_release
python3 - "$RELEASE/site/pkg" <<'PY'
import json, os, sys
os.chdir(sys.argv[1])
def served(name):
    return os.path.getsize(name + ".br") if os.path.exists(name + ".br") else os.path.getsize(name)
names = os.listdir(".")
main = sorted(f for f in names if f.split(".")[0] in ("aktivasi-otp-sakti", "__wasm_split")
              and f.rsplit(".", 1)[-1] in ("wasm", "js", "css"))
base = sum(served(f) for f in main)
print(f"{'shared (main WASM, JS, CSS)':34} {base:9,d}")
for f in main:
    print(f"  {f:32} {served(f):9,d}")
manifest = next(f for f in names if f.startswith("__wasm_split_manifest") and f.endswith(".json"))
split = json.load(open(manifest))
routes = {k: v for k, v in split.items() if "_route_view_" in k}
lazy = {k: v for k, v in split.items() if "_route_view_" not in k}
print(f"\n{'first page':20} {'own files':>10} {'total':>10}  (budget 300,000; brotli)")
print(f"{'/login, /pejabat':20} {0:10,d} {base:10,d}")
for key, files in sorted(routes.items()):
    own = sum(served(f.split("/")[-1] + ".wasm") for f in files)
    page = "/" + key.strip("_").split("_route_view_")[0]
    print(f"{page:20} {own:10,d} {base + own:10,d}")
print("\nloaded on first use (dialogs):")
for key, files in sorted(lazy.items()):
    print(f"  {key.rsplit('_', 1)[0]:20} {sum(served(f.split('/')[-1] + '.wasm') for f in files):9,d}")
PY
