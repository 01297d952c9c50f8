#!/usr/bin/env bash
# Runs every test: formatting and lints, unit tests, PostgreSQL integration tests
# (a private throw-away cluster unless DATABASE_URL is set), and the browser tests
# in Chromium against the release build (what ships) on a fresh database, including the
# download budget of the first page (end2end/tests/budget.spec.ts).
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
SERVER_PID=""
cleanup() {
  prebuild_stop
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  if [ -z "${KEEP_TEST_DB:-}" ] && [ -z "${EXTERNAL_DB:-}" ]; then
    cargo run -q -p backend --bin pgcluster -- stop "$PG_DIR" || true
  fi
}
trap cleanup EXIT

phase lints
log "cargo fmt --check"
cargo fmt --all -- --check
log "cargo clippy"
cargo clippy -q --workspace --exclude frontend --all-targets -- -D warnings
cargo clippy -q -p frontend --target wasm32-unknown-unknown -- -D warnings

phase database
if [ -z "${DATABASE_URL:-}" ]; then
  log "starting the private test PostgreSQL in $PG_DIR"
  DATABASE_URL="$(pg_cluster_url "$PG_DIR" --fast)"
  export DATABASE_URL
else
  EXTERNAL_DB=1
fi

phase "cargo test"
log "unit and integration tests (cargo test)"
cargo test --workspace --exclude frontend

log "the scripts' own tests (the release snapshot)"
bash scripts/tests/release.sh

phase_end
build_release
phase "browser tests"

log "browser tests (Playwright, Chromium)"
E2E_URL="$(cargo run -q -p backend --bin pgcluster -- fresh-db "$DATABASE_URL" sakti_e2e)"
PORT="${E2E_PORT:-3917}"
# the gateways' delivery reports are signed with this (dialog-sms.spec.ts posts one)
RECEIPT_SECRET="e2e-kuitansi-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
LEPTOS_SITE_ADDR="127.0.0.1:$PORT" LEPTOS_SITE_ROOT="$RELEASE/site" DATABASE_URL="$E2E_URL" SAKTI_DEMO=1 \
  SAKTI_SMS_RECEIPT_SECRET="$RECEIPT_SECRET" RUST_LOG="debug,hyper=info,hyper_util=info,tower=info" NO_COLOR=1 \
  SAKTI_DATA_DIR="$CARGO_TARGET_DIR/e2e-data" "$RELEASE/server" >"$CARGO_TARGET_DIR/e2e-server.log" 2>&1 &
SERVER_PID=$!
if ! wait_for_http "http://127.0.0.1:$PORT/login" 60; then
  cat "$CARGO_TARGET_DIR/e2e-server.log"
  exit 1
fi
SECRETS_FILE="$CARGO_TARGET_DIR/e2e-secrets.txt"
printf '%s\n' 'Sakti#2026' >"$SECRETS_FILE"
rm -f "$SECRETS_FILE.totp.json"
if ! (cd end2end && BASE_URL="http://127.0.0.1:$PORT" SECRETS_FILE="$SECRETS_FILE" E2E_DATABASE_URL="$E2E_URL" \
  RECEIPT_SECRET="$RECEIPT_SECRET" npx playwright test); then
  # what the server said about the failure: the log itself is overwritten by the next run
  # (it lives in the shared target dir), so it is kept beside the browser's evidence too
  cp "$CARGO_TARGET_DIR/e2e-server.log" end2end/test-results/server.log 2>/dev/null || true
  log "the server's warnings, errors and 5xx answers (whole log: end2end/test-results/server.log)"
  grep -E ' (WARN|ERROR) | status=5[0-9][0-9] ' "$CARGO_TARGET_DIR/e2e-server.log" | grep -v 'sqlx::query' | tail -n 60 || true
  exit 1
fi

log "the server log holds no password and no OTP code"
kill "$SERVER_PID" && wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=""
codes=$(($(wc -l <"$SECRETS_FILE") - 1))
if [ "$codes" -lt 7 ]; then
  echo "expected the six-step scenario to have read its 7 codes, got $codes" >&2
  exit 1
fi
# each secret as a whole word, as `grep -w` matches, except the digits after a decimal point:
# a timestamp's microseconds or a duration (`duration_ms=0.225074`) are a fraction, not a code
# (one such fraction once equalled a code read in the run)
secrets="$(grep -v '^$' "$SECRETS_FILE" | sed 's/.*/\\Q&\\E/' | paste -sd'|')"
if grep -P -e "(?<![0-9A-Za-z_])(?<![0-9]\.)(?:$secrets)(?![0-9A-Za-z_])" "$CARGO_TARGET_DIR/e2e-server.log"; then
  echo "a password or OTP code appears in the server log (above)" >&2
  exit 1
fi
echo "checked $codes codes and the password against $(wc -l <"$CARGO_TARGET_DIR/e2e-server.log") log lines"
phase_summary
log "all tests passed"
