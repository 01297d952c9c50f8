#!/usr/bin/env bash
# Issue 17, point 2: the progress board (/pantau) at national scale — 34 regions, 180 KPPN,
# 25,000 satkers, 75,000 pejabat, 1,000,000 audit lines (bench/pantau.sql, on top of the demo
# data) — timed as Pusat for the country, one region and one KPPN (bench/load, phase pantau:
# the board's use case, queries and aggregation, 20 runs each), then the plans (EXPLAIN
# ANALYZE) of its main statement for each. Prints; asserts nothing.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ensure_bench_tools
bench_db sakti_pantau
demo_data 3936
cargo build -q --release -p load
log "loading 25,000 satkers, 75,000 pejabat, 1,000,000 audit lines"
start=$(date +%s)
psql_run "$DB" -f bench/pantau.sql
echo "loaded in $(($(date +%s) - start)) s"
log "the board, as Pusat"
DATABASE_URL="$DB" "$CARGO_TARGET_DIR/release/load" pantau
