#!/usr/bin/env bash
# Issue 27, point 1: where the browser's bytes go, from the release build.
#   1. every WASM and JS file of the site as served (brotli), the first page's main module
#      first, then the split modules (each page's and dialog's own code, loaded when first
#      used), largest first;
#   2. the main module's contributors by crate and its largest functions (twiggy, on the
#      splitter's output before wasm-opt, which still carries function names: the shares
#      hold for the served file, the bytes are before optimisation and compression).
# Prints; asserts nothing (the budgets are end2end/tests/budget.spec.ts).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ensure_rust_tools
if ! command -v twiggy >/dev/null; then
  log "installing twiggy (crates.io; light profile, about 2 minutes)"
  CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
    cargo install -q --locked twiggy
fi
build_release
PKG="$RELEASE/site/pkg"
MAIN="$CARGO_TARGET_DIR/front/wasm32-unknown-unknown/wasm-release/frontend_split.wasm"

log "served files (brotli), $PKG"
total=0
printf '%-58s %10s\n' file bytes
for f in $(ls -S "$PKG"/*.wasm.br "$PKG"/*.js.br); do
  size=$(stat -c %s "$f")
  total=$((total + size))
  name="$(basename "$f" .br)"
  printf '%-58s %10s\n' "${name%%.*}${name##*.}" "$size" | sed 's/\(wasm\|js\)$/.\1/'
done | head -25
echo "all WASM and JS: $(ls "$PKG"/*.wasm.br "$PKG"/*.js.br | wc -l) files, $(cat "$PKG"/*.wasm.br "$PKG"/*.js.br | wc -c) bytes"

log "the main module by crate (twiggy; before wasm-opt and brotli)"
twiggy top -f csv -n 1000000 "$MAIN" >"$CARGO_TARGET_DIR/wasm-top.csv"
python3 bench/wasm_crates.py "$CARGO_TARGET_DIR/wasm-top.csv" 20
log "the main module's largest functions"
grep -v "^\"\|^custom\|^Name\|^\"\"\"" "$CARGO_TARGET_DIR/wasm-top.csv" | head -15 | cut -d, -f1,2 | sed 's/,/  /'
