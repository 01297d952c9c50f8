#!/usr/bin/env bash
# Issue 6, point 4: 2,000 satkers, 20,000 pejabat and 200,000 audit lines in one KPPN, then
# the plans and timings (EXPLAIN ANALYZE) of the table page, the CSO console and the audit
# page's queries. Prints the figures; asserts nothing.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ensure_bench_tools
bench_db sakti_bench
demo_data 3934
log "loading 2,000 satkers, 20,000 pejabat, 200,000 audit lines"
start=$(date +%s)
psql_run "$DB" -f bench/scale.sql
echo "loaded in $(($(date +%s) - start)) s"
psql_run "$DB" -f bench/explain.sql | grep -E '^==|Execution Time|Scan on'
