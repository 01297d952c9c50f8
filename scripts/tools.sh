# Installs what the build and the tests need, skipping whatever is already there.
# Sourced by scripts/demo.sh and scripts/test.sh; see TOOLCHAIN notes in the README.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"
# One target dir outside the clone, so a fresh clone reuses compiled dependencies.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/aktivasi-otp-sakti/target}"
CARGO_LEPTOS_VERSION=0.3.10

log() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

ensure_rust_tools() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "rustup target add wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  fi
  # The two tools build at the same time: each has long stretches on one core (its biggest
  # crates, the link), which the other fills.
  local want bindgen_pid=""
  want="$(cd "$ROOT" && cargo pkgid wasm-bindgen | cut -d@ -f2)"
  if ! wasm-bindgen --version 2>/dev/null | grep -q " $want\$"; then
    log "installing wasm-bindgen-cli $want (must match Cargo.lock; light profile, beside cargo-leptos)"
    CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
      CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
      cargo install -q wasm-bindgen-cli --version "$want" &
    bindgen_pid=$!
  fi
  if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
    # cargo-leptos only orchestrates the build: its own release profile (fat LTO, one codegen
    # unit) costs 18 min on 2 cores for no gain. Unoptimised it builds in about 6 minutes and
    # builds this project the same; only its in-process compression (brotli, gzip) is slow
    # unoptimised, so those crates alone are optimised (TOOLCHAIN notes in the README).
    log "installing cargo-leptos $CARGO_LEPTOS_VERSION (once per machine; about 7 minutes on 2 cores)"
    cargo --config 'profile.dev.package.brotli.opt-level=3' \
      --config 'profile.dev.package.brotli-decompressor.opt-level=3' \
      --config 'profile.dev.package.alloc-no-stdlib.opt-level=3' \
      --config 'profile.dev.package.flate2.opt-level=3' \
      --config 'profile.dev.package.miniz_oxide.opt-level=3' \
      --config 'profile.dev.package.libflate.opt-level=3' \
      --config 'profile.dev.debug=false' \
      install cargo-leptos --debug --locked --version "$CARGO_LEPTOS_VERSION" --features no_downloads
  fi
  if [ -n "$bindgen_pid" ]; then
    wait "$bindgen_pid"
  fi
}

# A real SMTP server for the email tests: aiosmtpd from PyPI in a virtualenv of the project's
# tools; the tests find its Python in SAKTI_TEST_SMTP_PYTHON.
ensure_smtp_server() {
  local venv="$HOME/.cache/aktivasi-otp-sakti/tools/smtp"
  if ! "$venv/bin/python" -c 'import aiosmtpd' 2>/dev/null; then
    log "installing aiosmtpd (an SMTP server for the email tests) from PyPI"
    if ! command -v python3 >/dev/null || ! python3 -m venv "$venv" 2>/dev/null; then
      as_root apt-get update -qq
      as_root apt-get install -y -qq python3 python3-venv >/dev/null
      python3 -m venv "$venv"
    fi
    "$venv/bin/pip" install -q --disable-pip-version-check aiosmtpd
  fi
  export SAKTI_TEST_SMTP_PYTHON="$venv/bin/python"
}

ensure_postgres() {
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && [ -z "${PG_BIN_DIR:-}" ]; then
    log "installing PostgreSQL server binaries"
    as_root apt-get update -qq
    as_root apt-get install -y -qq postgresql >/dev/null
  fi
}

# HAProxy for the high-availability test (scripts/ha.sh), from Debian's packages.
ensure_haproxy() {
  if ! command -v haproxy >/dev/null 2>&1; then
    log "installing HAProxy"
    as_root apt-get update -qq
    as_root apt-get install -y -qq haproxy >/dev/null
  fi
}

# pdftotext reads the generated forms back in the PDF tests.
ensure_pdftotext() {
  if ! command -v pdftotext >/dev/null 2>&1; then
    log "installing poppler-utils (pdftotext)"
    as_root apt-get update -qq
    as_root apt-get install -y -qq poppler-utils >/dev/null
  fi
}

ensure_browser() {
  if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
    log "installing Debian Chromium"
    as_root apt-get update -qq
    as_root apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
  local stamp="$ROOT/end2end/node_modules/.installed-lock"
  if ! cmp -s "$ROOT/end2end/package-lock.json" "$stamp" 2>/dev/null; then
    log "installing Node packages for the browser tests"
    (cd "$ROOT/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
    cp "$ROOT/end2end/package-lock.json" "$stamp"
  fi
}

# wasm-opt for release builds, from npm binaryen 132 (Debian's binaryen breaks the release
# WASM, see TOOLCHAIN notes in the README); on PATH for cargo-leptos.
ensure_wasm_opt() {
  local tools="$HOME/.cache/aktivasi-otp-sakti/tools"
  if [ ! -x "$tools/node_modules/.bin/wasm-opt" ]; then
    log "installing wasm-opt (npm binaryen@132)"
    mkdir -p "$tools" && (cd "$tools" && npm install --no-audit --no-fund binaryen@132 >/dev/null)
  fi
  export PATH="$tools/node_modules/.bin:$PATH"
}

LEPTOS_BUILD_ARGS=(--release --split --precompress)

# A hash of everything the release build reads: the files git knows (tracked, and new ones
# not ignored) except tests, benchmarks, Markdown and the other scripts, the tool versions,
# and the environment cargo and cargo-leptos read.
release_inputs_hash() {
  (
    cd "$ROOT"
    echo "${LEPTOS_BUILD_ARGS[*]}"
    git ls-files -z --cached --others --exclude-standard -- . ':(exclude)end2end' ':(exclude)bench' \
      ':(exclude)*.md' ':(exclude,glob)**/tests/**' ':(exclude)scripts/test.sh' ':(exclude)scripts/demo.sh' \
      ':(exclude)scripts/size.sh' ':(exclude)scripts/ha.sh' ':(exclude)scripts/backup.sh' ':(exclude)scripts/restore.sh' ':(exclude).ci' |
      while IFS= read -r -d '' f; do if [ -f "$f" ]; then printf '%s\0' "$f"; fi; done |
      LC_ALL=C sort -z | xargs -0r sha256sum
    cat .env "${CARGO_HOME:-$HOME/.cargo}/config.toml" 2>/dev/null || true
    rustc -vV
    cargo leptos --version
    wasm-bindgen --version
    wasm-opt --version
    env | LC_ALL=C sort |
      grep -E '^(LEPTOS_|RUSTFLAGS=|RUSTC|RUSTUP_TOOLCHAIN=|CARGO_(ENCODED_RUSTFLAGS|PROFILE_|BUILD_|TARGET_DIR)|SERVER_FN_|DISABLE_SERVER_FN_HASH=)' || true
  ) | sha256sum | cut -d' ' -f1
}

# The state of what the server runs from: its binary, hash.txt beside it, the site root.
release_outputs_state() {
  local rel="$CARGO_TARGET_DIR/release"
  [ -x "$rel/server" ] && [ -s "$rel/hash.txt" ] && [ -d "$ROOT/target/site/pkg" ] || return 1
  {
    stat -c '%n %s %Y' "$rel/server" "$rel/hash.txt"
    (cd "$ROOT/target/site" && find . -type f -printf '%p %s %T@\n' | LC_ALL=C sort)
  } | sha256sum | cut -d' ' -f1
}

# The build that ships, and that the browser tests and the demo run: release, one WASM file
# per page (`--split`, app::lazy_page), brotli files beside the static files (`--precompress`,
# served by server/src/assets.rs). The server binary is $CARGO_TARGET_DIR/release/server.
# cargo-leptos redoes wasm-bindgen and wasm-opt (about 2 minutes) on every run even when
# nothing changed, so an unchanged tree skips it: a stamp holds the hash of the inputs and
# the state of the outputs of the last good build.
build_release() {
  ensure_wasm_opt
  local stamp="$CARGO_TARGET_DIR/release/release-build.stamp" inputs rc=0
  inputs="$(release_inputs_hash)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$inputs $(release_outputs_state || echo missing)" ]; then
    log "release build up to date (nothing changed since $(date -r "$stamp" '+%F %T'))"
    return 0
  fi
  rm -f "$stamp" # a failed or interrupted build leaves no stamp
  log "building the release (cargo leptos build ${LEPTOS_BUILD_ARGS[*]})"
  # swc's JS minifier opens a tracing span named "tree-shaker" at ERROR level, which
  # cargo-leptos prints in red as if it were an error; it is not one
  cargo leptos build "${LEPTOS_BUILD_ARGS[@]}" 2>&1 | { grep --line-buffered -v -E 'tree-shaker; pass=[0-9]+' || true; } ||
    rc=$?
  [ "$rc" = 0 ] || return "$rc"
  echo "$inputs $(release_outputs_state)" >"$stamp"
}

# Starts (or reuses) the private PostgreSQL cluster in $1 and prints its admin URL.
pg_cluster_url() {
  cargo run -q -p backend --bin pgcluster -- start "$1" ${2:-}
}

# Waits until $1 answers, for at most $2 seconds.
wait_for_http() {
  local url="$1" limit="$2" i
  for ((i = 0; i < limit * 4; i++)); do
    if curl -fsS -m 2 -o /dev/null "$url" 2>/dev/null; then return 0; fi
    sleep 0.25
  done
  echo "no answer from $url after ${limit}s" >&2
  return 1
}
