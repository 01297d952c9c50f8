#!/usr/bin/env bash
# Tests of scripts/tools.sh's release handling, with a stand-in for cargo-leptos (seconds,
# not the minutes of a real build):
# - run-time settings (another port, another site root, LEPTOS_ENV) are not build inputs, so
#   starting the demo on another port never rebuilds;
# - a build publishes a snapshot swapped in by one rename: a server started at any moment
#   finds a whole site, and an interrupted or failed build leaves the previous one in place;
# - a second run with the same inputs builds nothing.
set -euo pipefail
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export CARGO_TARGET_DIR="$WORK/target"
source "$(dirname "${BASH_SOURCE[0]}")/../tools.sh"
ensure_wasm_opt # the real one, for the tool versions the inputs name

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

SITE_BUILD_DIR="$WORK/site"
mkdir -p "$WORK/bin" "$CARGO_TARGET_DIR/release"
# the stand-in: writes the server, hash.txt and the site as cargo-leptos does, the site's pkg
# emptied first; FAKE_BUILD=fail stops it half-way (the pkg holds only the CSS)
cat >"$WORK/bin/cargo" <<'FAKE'
#!/usr/bin/env bash
if [ "${1:-}" = leptos ] && [ "${2:-}" = build ]; then
  site="$FAKE_SITE"
  rm -rf "$site/pkg" && mkdir -p "$site/pkg"
  echo "css $FAKE_VERSION" >"$site/pkg/app.css"
  if [ "${FAKE_BUILD:-}" = fail ]; then echo "interrupted" >&2; exit 130; fi
  echo "Cargo finished cargo build --package=frontend"
  echo "wasm $FAKE_VERSION" >"$site/pkg/app.wasm"
  echo "Cargo finished cargo build --package=server"
  echo "server $FAKE_VERSION" >"$CARGO_TARGET_DIR/release/server" && chmod +x "$CARGO_TARGET_DIR/release/server"
  echo "hash $FAKE_VERSION" >"$CARGO_TARGET_DIR/release/hash.txt"
  echo "$FAKE_VERSION" >>"$FAKE_BUILDS"
  exit 0
fi
exec "$REAL_CARGO" "$@"
FAKE
chmod +x "$WORK/bin/cargo"
REAL_CARGO="$(command -v cargo)"
export REAL_CARGO FAKE_BUILDS="$WORK/builds" FAKE_SITE="$SITE_BUILD_DIR"
touch "$FAKE_BUILDS"
ensure_wasm_opt() { :; }
export PATH="$WORK/bin:$PATH"

# 1. run-time settings are not build inputs; build settings are
base="$(release_inputs_hash)"
[ "$(LEPTOS_SITE_ADDR=127.0.0.1:8080 release_inputs_hash)" = "$base" ] || fail "another port changes the inputs"
[ "$(LEPTOS_SITE_ROOT=/elsewhere LEPTOS_ENV=PROD release_inputs_hash)" = "$base" ] || fail "a site root changes the inputs"
[ "$(LEPTOS_SITE_PKG_DIR=other release_inputs_hash)" != "$base" ] || fail "a build setting is not an input"
[ "$(CARGO_PROFILE_RELEASE_LTO=off release_inputs_hash)" != "$base" ] || fail "a profile is not an input"

# 2. a build publishes a whole snapshot; the same inputs again build nothing, on any port
FAKE_VERSION=1 build_release >/dev/null
[ "$(cat "$RELEASE/site/pkg/app.wasm")" = "wasm 1" ] || fail "the snapshot holds the site"
[ "$(cat "$RELEASE/server")" = "server 1" ] && [ -s "$RELEASE/hash.txt" ] || fail "the snapshot holds the server and hash.txt"
FAKE_VERSION=2 LEPTOS_SITE_ADDR=127.0.0.1:8080 build_release >/dev/null
[ "$(wc -l <"$FAKE_BUILDS")" = 1 ] || fail "starting on another port rebuilt"

# 3. an interrupted build (of other inputs) leaves the current snapshot whole and in place
first="$(readlink "$RELEASE")"
export CARGO_PROFILE_RELEASE_LTO=off
if FAKE_VERSION=3 FAKE_BUILD=fail build_release >/dev/null 2>&1; then fail "a failed build succeeded"; fi
[ "$(readlink "$RELEASE")" = "$first" ] || fail "a failed build moved the link"
[ "$(cat "$RELEASE/site/pkg/app.wasm")" = "wasm 1" ] || fail "a failed build emptied the served site"

# 4. the next good build swaps in a new snapshot in one rename, and the old one stays whole
# until it is pruned
FAKE_VERSION=4 build_release >/dev/null
[ "$(readlink "$RELEASE")" != "$first" ] || fail "a new build did not switch"
[ "$(cat "$RELEASE/site/pkg/app.wasm")" = "wasm 4" ] || fail "the new snapshot holds the new site"
[ "$(cat "$CARGO_TARGET_DIR/dist/$first/site/pkg/app.wasm")" = "wasm 1" ] || fail "the previous snapshot changed"
[ -z "$(find "$CARGO_TARGET_DIR/dist" -maxdepth 1 -name '.new.*')" ] || fail "a half-made snapshot is left"
echo "release handling: 4 checks passed"
