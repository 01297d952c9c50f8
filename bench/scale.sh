#!/usr/bin/env bash
# Issue 6, point 4: 2,000 satkers, 20,000 pejabat and 200,000 audit lines in one KPPN, then
# the plans and timings (EXPLAIN ANALYZE) of the table page, the CSO console and the audit
# page's queries. Prints the figures; asserts nothing.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/tools.sh"
cd "$ROOT"
ensure_rust_tools
ensure_postgres
PG_DIR="${SAKTI_TEST_PG_DIR:-/tmp/aktivasi-otp-sakti-test-pg}"
ADMIN_URL="${DATABASE_URL:-$(pg_cluster_url "$PG_DIR" --fast)}"
DB="$(cargo run -q -p backend --bin pgcluster -- fresh-db "$ADMIN_URL" sakti_bench)"
cargo build -q -p server
PORT=3934
LEPTOS_SITE_ADDR="127.0.0.1:$PORT" LEPTOS_SITE_ROOT="$RELEASE/site" LEPTOS_OUTPUT_NAME=aktivasi-otp-sakti \
  DATABASE_URL="$DB" SAKTI_DEMO=1 "$CARGO_TARGET_DIR/debug/server" >/dev/null 2>&1 &
SERVER=$!
wait_for_http "http://127.0.0.1:$PORT/login" 60
kill "$SERVER" && wait "$SERVER" 2>/dev/null || true
log "loading 2,000 satkers, 20,000 pejabat, 200,000 audit lines"
start=$(date +%s)
psql -q "$DB" -f bench/scale.sql
echo "loaded in $(($(date +%s) - start)) s"
psql -q "$DB" -f bench/explain.sql | grep -E '^==|Execution Time|Scan on'
