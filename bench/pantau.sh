#!/usr/bin/env bash
# Issue 17, point 2: the progress board (/pantau) at national scale — 34 regions, 180 KPPN,
# 25,000 satkers, 75,000 pejabat, 1,000,000 audit lines (bench/pantau.sql, on top of the demo
# data) — timed as Pusat for the country, one region and one KPPN (bench/load, phase pantau:
# the board's use case, queries and aggregation, 20 runs each), then the plans (EXPLAIN
# ANALYZE) of its main statement for each. Prints; asserts nothing.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/tools.sh"
cd "$ROOT"
ensure_rust_tools
ensure_postgres
PG_DIR="${SAKTI_TEST_PG_DIR:-/tmp/aktivasi-otp-sakti-test-pg}"
ADMIN_URL="${DATABASE_URL:-$(pg_cluster_url "$PG_DIR" --fast)}"
DB="$(cargo run -q -p backend --bin pgcluster -- fresh-db "$ADMIN_URL" sakti_pantau)"
cargo build -q -p server
cargo build -q --release -p load
PORT=3936
# the server applies the migrations and the demo data, then stops
LEPTOS_SITE_ADDR="127.0.0.1:$PORT" LEPTOS_SITE_ROOT="$RELEASE/site" LEPTOS_OUTPUT_NAME=aktivasi-otp-sakti \
  DATABASE_URL="$DB" SAKTI_DEMO=1 "$CARGO_TARGET_DIR/debug/server" >/dev/null 2>&1 &
SERVER=$!
wait_for_http "http://127.0.0.1:$PORT/login" 60
kill "$SERVER" && wait "$SERVER" 2>/dev/null || true
log "loading 25,000 satkers, 75,000 pejabat, 1,000,000 audit lines"
start=$(date +%s)
psql -q -v ON_ERROR_STOP=1 "$DB" -f bench/pantau.sql
echo "loaded in $(($(date +%s) - start)) s"
log "the board, as Pusat"
DATABASE_URL="$DB" "$CARGO_TARGET_DIR/release/load" pantau
