# Installs what the build and the tests need, skipping whatever is already there.
# Sourced by scripts/demo.sh and scripts/test.sh; see TOOLCHAIN notes in the README.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"
# One target dir outside the clone, so a fresh clone reuses compiled dependencies.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/aktivasi-otp-sakti/target}"
CARGO_LEPTOS_VERSION=0.3.10
BINARYEN_VERSION=132

log() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

ensure_wasm_target() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "rustup target add wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  fi
}

# The wasm-bindgen version Cargo.lock names (the CLI must match it).
wasm_bindgen_wanted() {
  (cd "$ROOT" && cargo pkgid wasm-bindgen | cut -d@ -f2)
}

ensure_rust_tools() {
  ensure_wasm_target
  # The two tools build at the same time: each has long stretches on one core (its biggest
  # crates, the link), which the other fills.
  local want bindgen_pid=""
  want="$(wasm_bindgen_wanted)"
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

# HAProxy's HTTP front of the high-availability scripts (scripts/ha.sh, bench/patroni.sh): the
# global and defaults sections and the two app instances on ports $2 and $3 behind port $1,
# checked on /readyz every $4 ms, down after $5 failures, up after $6 successes. Printed; each
# script adds its database front after it.
haproxy_app_front() {
  local FRONT_PORT="$1" A_PORT="$2" B_PORT="$3" check="check inter ${4}ms fall $5 rise $6"
  cat <<EOF
global
    maxconn 4096

defaults
    timeout connect 2s
    timeout client 60s
    # the live-update stream (SSE) sends a keep-alive every 15 s: 60 s without a byte is dead
    timeout server 60s
    timeout check 1s
    retries 3
    option redispatch

frontend app
    mode http
    bind 127.0.0.1:$FRONT_PORT
    default_backend instances

backend instances
    mode http
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    # only a request that never reached an instance is tried again elsewhere: a POST that
    # reached one may have acted
    retry-on conn-failure
    server a 127.0.0.1:$A_PORT $check
    server b 127.0.0.1:$B_PORT $check
EOF
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

# wasm-opt for release builds, from npm binaryen (Debian's binaryen breaks the release
# WASM, see TOOLCHAIN notes in the README); on PATH for cargo-leptos.
ensure_wasm_opt() {
  local tools="$HOME/.cache/aktivasi-otp-sakti/tools"
  if ! "$tools/node_modules/.bin/wasm-opt" --version 2>/dev/null | grep -q "version $BINARYEN_VERSION "; then
    log "installing wasm-opt (npm binaryen@$BINARYEN_VERSION)"
    mkdir -p "$tools" && (cd "$tools" && npm install --no-audit --no-fund "binaryen@$BINARYEN_VERSION" >/dev/null)
  fi
  export PATH="$tools/node_modules/.bin:$PATH"
}

LEPTOS_BUILD_ARGS=(--release --split --precompress)

# What the demo, the browser tests and the benchmarks run: the release as one directory,
# `$RELEASE/server` with `hash.txt` beside it and `$RELEASE/site` (LEPTOS_SITE_ROOT). It is a
# link to a finished snapshot (below), switched in one rename.
RELEASE="$CARGO_TARGET_DIR/dist/current"
# Where cargo-leptos writes the site (`site-root` in Cargo.toml).
SITE_BUILD_DIR="$ROOT/target/site"

# Run-time settings: where the server listens and finds its site, its mode. Never build
# inputs: starting on another port must not rebuild.
RUNTIME_ENV=(LEPTOS_SITE_ADDR LEPTOS_SITE_ROOT LEPTOS_ENV LEPTOS_RELOAD_PORT)

# A hash of everything the release build reads: the files git knows (tracked, and new ones
# not ignored) except tests, benchmarks, Markdown and the other scripts, the tool versions
# (the ones ensure_rust_tools and ensure_wasm_opt install, so the hash is known before they
# are: prebuild_release needs it first), and the environment cargo and cargo-leptos read at
# build time (not the run-time settings).
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
    echo "cargo-leptos $CARGO_LEPTOS_VERSION wasm-bindgen $(wasm_bindgen_wanted) binaryen $BINARYEN_VERSION"
    env | LC_ALL=C sort |
      grep -E '^(LEPTOS_|RUSTFLAGS=|RUSTC|RUSTUP_TOOLCHAIN=|CARGO_(ENCODED_RUSTFLAGS|PROFILE_|BUILD_|TARGET_DIR)|SERVER_FN_|DISABLE_SERVER_FN_HASH=)' |
      grep -v -E "^($(IFS='|'; echo "${RUNTIME_ENV[*]}"))=" || true
  ) | sha256sum | cut -d' ' -f1
}

# Makes the snapshot `dist/$1` from the build's outputs and points `dist/current` at it: the
# copy goes into a fresh directory that is renamed into place once whole, then the link is
# replaced by a rename, so a server never starts on (and the link never names) a half-built
# site. Keeps the newest two snapshots.
publish_release() {
  local inputs="$1" dist="$CARGO_TARGET_DIR/dist" tmp
  mkdir -p "$dist"
  tmp="$(mktemp -d "$dist/.new.XXXXXX")"
  cp -a "$CARGO_TARGET_DIR/release/server" "$CARGO_TARGET_DIR/release/hash.txt" "$tmp/"
  cp -a "$SITE_BUILD_DIR" "$tmp/site"
  touch "$tmp/complete"
  rm -rf "${dist:?}/$inputs"
  mv -T "$tmp" "$dist/$inputs"
  switch_release "$inputs"
  # the newest two snapshots stay (the current one among them)
  (cd "$dist" && ls -1dt -- */ 2>/dev/null | sed 's|/$||' | { grep -v -x -e current -e "$inputs" || true; } |
    tail -n +2 | while read -r old; do rm -rf -- "${old:?}"; done)
}

# Points `dist/current` at the finished snapshot `dist/$1` (a link replaced by a rename).
switch_release() {
  local dist="$CARGO_TARGET_DIR/dist"
  ln -sfn "$1" "$dist/.current.new"
  mv -T "$dist/.current.new" "$dist/current"
}

# The environment and arguments cargo-leptos gives its two cargo builds for
# `build --release --split` (printed by `cargo leptos build -vv`, from [workspace.metadata.leptos]
# in Cargo.toml). prebuild_release runs the same builds, so cargo-leptos finds them fresh;
# build_release says so when it did not.
LEPTOS_CARGO_ENV=(LEPTOS_OUTPUT_NAME=aktivasi-otp-sakti LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg
  LEPTOS_SITE_ADDR=127.0.0.1:3000 LEPTOS_RELOAD_PORT=3001 LEPTOS_LIB_DIR=frontend LEPTOS_BIN_DIR=server
  LEPTOS_JS_MINIFY=true LEPTOS_HASH_FILES=true LEPTOS_HASH_FILE_NAME=hash.txt)
PREBUILD_PIDS=()
PREBUILT=""
PREBUILD_LOG="$CARGO_TARGET_DIR/prebuild.log"

# Starts the release's two compilations — the server and the WASM — in the background when the
# release is not already built, so they run beside the tools' installation (cargo-leptos is
# needed only for what follows the compilers: wasm-bindgen, wasm-opt, the site) and beside each
# other. On two cores a lone build leaves one idle through its long single-crate stretches
# (`app`, `server`, the WASM's link-time optimisation); four builds side by side fill it.
# They run at `nice 10`: in test.sh the lints and the tests come first (a timing-sensitive test
# never competes with the release build for a core), and the build takes the idle time.
# Their errors are not reported here: build_release waits for them and cargo-leptos, running the
# same builds, reports any.
prebuild_release() {
  if [ -f "$CARGO_TARGET_DIR/dist/$(release_inputs_hash)/complete" ]; then return 0; fi
  ensure_wasm_target
  mkdir -p "$CARGO_TARGET_DIR"
  : >"$PREBUILD_LOG"
  trap prebuild_stop EXIT
  log "compiling the release (server and WASM) beside the tools; output in $PREBUILD_LOG"
  nice -n 10 env $(printf -- '-u %s ' "${RUNTIME_ENV[@]}") "${LEPTOS_CARGO_ENV[@]}" \
    cargo build -q --package=server --bin=server --no-default-features --release >>"$PREBUILD_LOG" 2>&1 &
  PREBUILD_PIDS+=($!)
  nice -n 10 env $(printf -- '-u %s ' "${RUNTIME_ENV[@]}") "${LEPTOS_CARGO_ENV[@]}" \
    RUSTFLAGS="${RUSTFLAGS:---cfg erase_components} -Clink-args=--emit-relocs" \
    cargo build -q --package=frontend --lib --target-dir="$CARGO_TARGET_DIR/front" \
    --target=wasm32-unknown-unknown --no-default-features --profile=wasm-release >>"$PREBUILD_LOG" 2>&1 &
  PREBUILD_PIDS+=($!)
}

# Stops prebuild_release's compilations when a script ends before it waited for them.
prebuild_stop() {
  local pid
  for pid in "${PREBUILD_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
}

# Waits for prebuild_release's compilations (their failures are cargo-leptos's to report).
prebuild_wait() {
  [ "${#PREBUILD_PIDS[@]}" -gt 0 ] || return 0
  local started=$SECONDS pid
  log "waiting for the release's compilation started beside the tools"
  PREBUILT=1
  # (polled, not `wait`ed: the browser tests build in a background job of their own, where the
  # compilations are not children; a failed one is cargo-leptos's to report all the same)
  for pid in "${PREBUILD_PIDS[@]}"; do
    while kill -0 "$pid" 2>/dev/null; do sleep 1; done
  done
  PREBUILD_PIDS=()
  phase_record "compile (after the tools)" "$((SECONDS - started))"
}

# The build that ships, and that the browser tests and the demo run: release, one WASM file
# per page (`--split`, app::lazy_page), brotli files beside the static files (`--precompress`,
# served by server/src/assets.rs), published as a snapshot ($RELEASE). cargo-leptos redoes
# wasm-bindgen and wasm-opt (about 2 minutes) on every run even when nothing changed, so a
# snapshot of the same inputs is reused; an interrupted or failed build leaves the current
# snapshot as it was. Prints the front's and the server's times.
build_release() {
  ensure_wasm_opt
  local inputs rc=0
  inputs="$(release_inputs_hash)"
  prebuild_wait
  if [ -f "$CARGO_TARGET_DIR/dist/$inputs/complete" ]; then
    switch_release "$inputs"
    log "release build up to date (nothing changed since $(date -r "$CARGO_TARGET_DIR/dist/$inputs/complete" '+%F %T'))"
    return 0
  fi
  log "building the release (cargo leptos build ${LEPTOS_BUILD_ARGS[*]})"
  local started=$SECONDS
  # swc's JS minifier opens a tracing span named "tree-shaker" at ERROR level, which
  # cargo-leptos prints in red as if it were an error; it is not one. The front is done when
  # the server's cargo build starts.
  env $(printf -- '-u %s ' "${RUNTIME_ENV[@]}") cargo leptos build "${LEPTOS_BUILD_ARGS[@]}" 2>&1 |
    { grep --line-buffered -v -E 'tree-shaker; pass=[0-9]+' || true; } |
    while IFS= read -r line; do
      printf '%s\n' "$line"
      if [[ "$line" == *"Compiling server "* ]] && [ -n "$PREBUILT" ]; then
        log "NOTE: the server compiled again after prebuild_release: LEPTOS_CARGO_ENV in scripts/tools.sh no longer matches cargo-leptos (see \`cargo leptos build -vv\`)"
      fi
      if [ -z "${front_done:-}" ] && [[ "$line" == *"--package=server"* ]]; then
        front_done=1
        echo "$((SECONDS - started))" >"$CARGO_TARGET_DIR/.front-seconds"
      fi
    done || rc=$?
  [ "$rc" = 0 ] || return "$rc"
  local front total=$((SECONDS - started))
  front="$(cat "$CARGO_TARGET_DIR/.front-seconds" 2>/dev/null || echo "$total")"
  rm -f "$CARGO_TARGET_DIR/.front-seconds"
  phase_record "front" "$front"
  phase_record "server" "$((total - front))"
  publish_release "$inputs"
}

# Phase times: `phase NAME` ends the running phase and starts NAME; `phase_summary` prints
# them all in one line (the README's set-up figures come from it).
PHASES=()
PHASE_NAME=""
PHASE_START=0
phase_record() { PHASES+=("$1 $(fmt_seconds "$2")"); }
fmt_seconds() { if [ "$1" -ge 60 ]; then echo "$(($1 / 60)) min $(($1 % 60)) s"; else echo "$1 s"; fi; }
phase_end() {
  if [ -n "$PHASE_NAME" ]; then
    phase_record "$PHASE_NAME" "$((SECONDS - PHASE_START))"
    PHASE_NAME=""
  fi
}
phase() {
  phase_end
  PHASE_NAME="$1"
  PHASE_START=$SECONDS
}
phase_summary() {
  phase_end
  local joined
  joined="$(printf '%s, ' "${PHASES[@]}")"
  log "times: ${joined%, } (total $(fmt_seconds "$SECONDS"))"
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
