# What the bench scripts share, so that they cannot drift apart: the tools (scripts/tools.sh),
# a private PostgreSQL cluster stopped at exit when the script started it, a fresh database,
# the demo data, and `psql_run`, through which every SQL statement of a bench goes: the first
# SQL error stops the script with a non-zero exit (plain psql prints it and goes on, and the
# figures after it would be of data that is not there).
# Sourced by bench/*.sh; it defines functions and starts nothing by itself.

source "$(dirname "${BASH_SOURCE[0]}")/../scripts/tools.sh"
cd "$ROOT"

# Cleanups run at exit, the newest first (a server before the cluster it uses); the script
# still ends with its own status.
EXIT_HOOKS=()
on_exit() { EXIT_HOOKS=("$1" "${EXIT_HOOKS[@]}"); }
run_exit_hooks() {
  local hook
  for hook in "${EXIT_HOOKS[@]}"; do eval "$hook" || true; done
}
trap run_exit_hooks EXIT

# psql as every bench runs it: stops at the first SQL error with a non-zero exit, reads no
# ~/.psqlrc, prints results but no command tags. Usage: psql_run DATABASE_URL [psql options].
psql_run() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# What every bench that builds and loads needs (bench/pgbench.sh, run by perf.sh, needs neither).
ensure_bench_tools() {
  ensure_rust_tools
  ensure_postgres
}

# Starts the private PostgreSQL cluster in $1 (created on first use; `--fast` as $2 turns fsync
# off) or attaches to it, and sets ADMIN_URL to its `postgres` database. A cluster this script
# started is stopped at exit; one already running (another script's, a test cluster kept with
# KEEP_TEST_DB) is left running, as it was found.
start_cluster() {
  local dir="$1" pid
  pid="$(head -1 "$dir/data/postmaster.pid" 2>/dev/null || true)"
  if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
    on_exit "cargo run -q -p backend --bin pgcluster -- stop $(printf %q "$dir")"
  fi
  ADMIN_URL="$(pg_cluster_url "$dir" ${2:-})"
}

# Sets DB to a fresh, empty database named $1 on ADMIN_URL's server.
fresh_db() {
  DB="$(cargo run -q -p backend --bin pgcluster -- fresh-db "$ADMIN_URL" "$1")"
}

# The database of the data benches (scale, pantau, impor): a fresh database named $1 on the
# server whose admin URL DATABASE_URL gives, else on the private test cluster (SAKTI_TEST_PG_DIR,
# fsync off: these figures are about queries, not commits).
bench_db() {
  if [ -n "${DATABASE_URL:-}" ]; then
    ADMIN_URL="$DATABASE_URL"
  else
    start_cluster "${SAKTI_TEST_PG_DIR:-/tmp/aktivasi-otp-sakti-test-pg}" --fast
  fi
  fresh_db "$1"
}

# The schema and the demo data in DB: the debug server applies both at start-up and is stopped
# once it answers on port $1.
DEMO_SERVER=""
demo_data() {
  local port="$1"
  cargo build -q -p server
  LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT="$RELEASE/site" LEPTOS_OUTPUT_NAME=aktivasi-otp-sakti \
    DATABASE_URL="$DB" SAKTI_DEMO=1 "$CARGO_TARGET_DIR/debug/server" >/dev/null 2>&1 &
  DEMO_SERVER=$!
  on_exit '[ -z "$DEMO_SERVER" ] || kill "$DEMO_SERVER" 2>/dev/null'
  wait_for_http "http://127.0.0.1:$port/login" 60
  kill "$DEMO_SERVER" && wait "$DEMO_SERVER" 2>/dev/null || true
  DEMO_SERVER=""
}
