#!/usr/bin/env bash
# Builds the release WASM as `cargo leptos build --release` would (profile wasm-release,
# wasm-bindgen, wasm-opt from npm binaryen 132 with the flags in Cargo.toml) and prints what
# a browser downloads for the first page: raw, gzip- and brotli-compressed (the encodings the
# server sends).
source "$(dirname "${BASH_SOURCE[0]}")/tools.sh"
cd "$ROOT"
ensure_rust_tools
TOOLS="$HOME/.cache/aktivasi-otp-sakti/tools"
if [ ! -x "$TOOLS/node_modules/.bin/wasm-opt" ]; then
  log "installing wasm-opt (npm binaryen@132; Debian's binaryen breaks the release WASM)"
  mkdir -p "$TOOLS" && (cd "$TOOLS" && npm install --no-audit --no-fund binaryen@132 >/dev/null)
fi
if ! command -v brotli >/dev/null 2>&1; then
  log "installing brotli (Debian package)"
  as_root apt-get update -qq
  as_root apt-get install -y -qq brotli >/dev/null
fi
OUT="$CARGO_TARGET_DIR/size"
rm -rf "$OUT" && mkdir -p "$OUT"
cargo build -q -p frontend --lib --target wasm32-unknown-unknown --profile wasm-release
wasm-bindgen --target web --no-typescript --out-dir "$OUT" --out-name app \
  "$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm-release/frontend.wasm"
# keeps the names for `twiggy top -n 30 $CARGO_TARGET_DIR/size/app_bg.unopt.wasm`
cp "$OUT/app_bg.wasm" "$OUT/app_bg.unopt.wasm"
# the same wasm-opt flags as cargo-leptos: `wasm-opt-features` in Cargo.toml
mapfile -t WASM_OPT_FLAGS < <(python3 -c 'import tomllib
for f in tomllib.load(open("Cargo.toml", "rb"))["workspace"]["metadata"]["leptos"][0]["wasm-opt-features"]: print(f)')
"$TOOLS/node_modules/.bin/wasm-opt" "${WASM_OPT_FLAGS[@]}" "$OUT/app_bg.wasm" -o "$OUT/app_bg.wasm"
cp style/main.css "$OUT/app.css"
total_raw=0
total_gz=0
total_br=0
printf '%-14s %10s %10s %10s\n' file raw gzip brotli
for f in app_bg.wasm app.js app.css; do
  raw=$(stat -c %s "$OUT/$f")
  gz=$(gzip -9 -c "$OUT/$f" | wc -c)
  br=$(brotli -q 11 -c "$OUT/$f" | wc -c)
  total_raw=$((total_raw + raw))
  total_gz=$((total_gz + gz))
  total_br=$((total_br + br))
  printf '%-14s %10d %10d %10d\n' "$f" "$raw" "$gz" "$br"
done
printf '%-14s %10d %10d %10d\n' total "$total_raw" "$total_gz" "$total_br"
# The budget of the performance issue, against brotli (what browsers get over HTTPS).
# Reported only, not enforced yet: the app is still over it.
BUDGET=300000
if [ "$total_br" -gt "$BUDGET" ]; then
  echo "over the $BUDGET-byte budget by $((total_br - BUDGET)) bytes (brotli)"
else
  echo "within the $BUDGET-byte budget ($((BUDGET - total_br)) bytes to spare, brotli)"
fi
