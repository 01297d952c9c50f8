#!/usr/bin/env bash
# Runs every test: formatting and lints, unit tests, PostgreSQL integration tests
# (a private throw-away cluster unless DATABASE_URL is set), and the browser tests
# in Chromium against the release build (what ships) on a fresh database, including the
# download budget of the first page (end2end/tests/budget.spec.ts).
#
# `./scripts/test.sh browser [playwright arguments]` runs only the browser tests (for example
# `./scripts/test.sh browser tests/sesi.spec.ts`), on the same fresh database and release build.
ONLY=""
if [ "${1:-}" = browser ]; then
  ONLY=browser
  shift
fi
source "$(dirname "${BASH_SOURCE[0]}")/tools.sh"
cd "$ROOT"
phase tools
prebuild_release
ensure_rust_tools
ensure_postgres
ensure_pdftotext
ensure_browser
ensure_smtp_server

PG_DIR="${SAKTI_TEST_PG_DIR:-/tmp/aktivasi-otp-sakti-test-pg}"
BROWSER_PID=""
cleanup() {
  prebuild_stop
  # the browser tests' whole process group: Playwright, Chromium, the server
  [ -n "$BROWSER_PID" ] && kill -- -"$BROWSER_PID" 2>/dev/null && wait "$BROWSER_PID" 2>/dev/null
  if [ -z "${KEEP_TEST_DB:-}" ] && [ -z "${EXTERNAL_DB:-}" ]; then
    cargo run -q -p backend --bin pgcluster -- stop "$PG_DIR" || true
  fi
}
trap cleanup EXIT

if [ -z "$ONLY" ]; then
  phase lints
  log "cargo fmt --check"
  cargo fmt --all -- --check
  log "cargo clippy"
  cargo clippy -q --workspace --exclude frontend --all-targets -- -D warnings
  cargo clippy -q -p frontend --target wasm32-unknown-unknown -- -D warnings
fi

phase database
if [ -z "${DATABASE_URL:-}" ]; then
  log "starting the private test PostgreSQL in $PG_DIR"
  DATABASE_URL="$(pg_cluster_url "$PG_DIR" --fast)"
  export DATABASE_URL
else
  EXTERNAL_DB=1
fi

# The browser tests: the release build (what ships), a server on a fresh database, Playwright.
# Run in the background beside cargo test, in their own process group, writing to
# $BROWSER_LOG; they wait on the browser, the server and the clock far more than on the CPU.
browser_tests() {
  set +m # everything below stays in this job's process group
  # (a subshell: these are not seen outside, and the trap still reads server_pid at its exit)
  started=$SECONDS server_pid=""
  trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; wait' EXIT
  build_release
  echo "$((SECONDS - started))" >"$BROWSER_LOG.build"
  started=$SECONDS
  log "browser tests (Playwright, Chromium)"
  # the binary, not `cargo run`: cargo test holds the debug build directory while it runs
  e2e_url="$("$CARGO_TARGET_DIR/debug/pgcluster" fresh-db "$DATABASE_URL" sakti_e2e)"
  port="${E2E_PORT:-3917}"
  # the gateways' delivery reports are signed with this (dialog-sms.spec.ts posts one)
  receipt_secret="e2e-kuitansi-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
  LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT="$RELEASE/site" DATABASE_URL="$e2e_url" SAKTI_DEMO=1 \
    SAKTI_SMS_RECEIPT_SECRET="$receipt_secret" RUST_LOG="debug,hyper=info,hyper_util=info,tower=info" NO_COLOR=1 \
    SAKTI_DATA_DIR="$CARGO_TARGET_DIR/e2e-data" "$RELEASE/server" >"$CARGO_TARGET_DIR/e2e-server.log" 2>&1 &
  server_pid=$!
  if ! wait_for_http "http://127.0.0.1:$port/login" 60; then
    cat "$CARGO_TARGET_DIR/e2e-server.log"
    return 1
  fi
  secrets_file="$CARGO_TARGET_DIR/e2e-secrets.txt"
  printf '%s\n' 'Sakti#2026' >"$secrets_file"
  rm -f "$secrets_file.totp.json"
  if ! (cd end2end && BASE_URL="http://127.0.0.1:$port" SECRETS_FILE="$secrets_file" E2E_DATABASE_URL="$e2e_url" \
    RECEIPT_SECRET="$receipt_secret" npx playwright test "$@"); then
    # what the server said about the failure: the log itself is overwritten by the next run
    # (it lives in the shared target dir), so it is kept beside the browser's evidence too
    cp "$CARGO_TARGET_DIR/e2e-server.log" end2end/test-results/server.log 2>/dev/null || true
    log "the server's warnings, errors and 5xx answers (whole log: end2end/test-results/server.log)"
    grep -E ' (WARN|ERROR) | status=5[0-9][0-9] ' "$CARGO_TARGET_DIR/e2e-server.log" | grep -v 'sqlx::query' | tail -n 60 || true
    # what the page showed when a test failed (Playwright's accessibility snapshot): a run on a
    # clean clone leaves nothing else behind to read
    for context in end2end/test-results/*/error-context.md; do
      [ -f "$context" ] || continue
      log "the page at the failure: $context"
      sed '/^# Test source/q' "$context" | head -c 8000
      echo
    done
    return 1
  fi

  log "the server log holds no password and no OTP code"
  kill "$server_pid" && wait "$server_pid" 2>/dev/null || true
  server_pid=""
  codes=$(($(wc -l <"$secrets_file") - 1))
  # (a run of a few specs may read fewer)
  if [ "$#" -eq 0 ] && [ "$codes" -lt 7 ]; then
    echo "expected the six-step scenario to have read its 7 codes, got $codes" >&2
    return 1
  fi
  # each secret as a whole word, as `grep -w` matches, except the digits after a decimal point:
  # a timestamp's microseconds or a duration (`duration_ms=0.225074`) are a fraction, not a code
  # (one such fraction once equalled a code read in the run)
  secrets="$(grep -v '^$' "$secrets_file" | sed 's/.*/\\Q&\\E/' | paste -sd'|')"
  if grep -P -e "(?<![0-9A-Za-z_])(?<![0-9]\.)(?:$secrets)(?![0-9A-Za-z_])" "$CARGO_TARGET_DIR/e2e-server.log"; then
    echo "a password or OTP code appears in the server log (above)" >&2
    return 1
  fi
  echo "checked $codes codes and the password against $(wc -l <"$CARGO_TARGET_DIR/e2e-server.log") log lines"
  echo "$((SECONDS - started))" >"$BROWSER_LOG.seconds"
}

cargo build -q -p backend --bin pgcluster
BROWSER_LOG="$CARGO_TARGET_DIR/e2e-browser.log"
rm -f "$BROWSER_LOG.seconds" "$BROWSER_LOG.build"
set -m # the background job gets its own process group, stopped whole at exit
browser_tests "$@" >"$BROWSER_LOG" 2>&1 &
BROWSER_PID=$!
set +m
log "browser tests started beside cargo test; their output follows when they end ($BROWSER_LOG)"

if [ -z "$ONLY" ]; then
  phase "cargo test"
  log "unit and integration tests (cargo test)"
  # at the browser tests' priority: the outage tests hold the servers they start to answering
  # within a second (a lower priority bought the browser tests nothing measurable)
  cargo test --workspace --exclude frontend

  log "the scripts' own tests (the release snapshot)"
  bash scripts/tests/release.sh
fi

phase "waiting for the browser tests"
browser_rc=0
wait "$BROWSER_PID" || browser_rc=$?
BROWSER_PID=""
cat "$BROWSER_LOG"
[ "$browser_rc" -eq 0 ] || exit "$browser_rc"
phase_record "release build (beside cargo test)" "$(cat "$BROWSER_LOG.build")"
phase_record "browser tests (beside cargo test)" "$(cat "$BROWSER_LOG.seconds")"
phase_summary
log "all tests passed"
