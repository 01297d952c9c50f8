#!/usr/bin/env bash
# Issue 6, points 2 and 3, against a release build (`cargo leptos build --release`) on a
# private, durable PostgreSQL cluster with the demo data:
#   1. Lighthouse (mobile profile, Debian Chromium) on the first page of every role (/login,
#      /pejabat, /cso, /meja, /berkas, /pantau, /impor, /audit; staff signed in with their
#      second factor), three runs each: the worst run's scores, FCP, LCP, TBT, CLS, and every
#      accessibility/best-practices audit that did not pass;
#   2. the load generator (bench/load): request+verify OTP pairs, then table page reads,
#      64 clients for 30 s each, with the server's peak memory; on top of the scale data
#      (bench/scale.sql) and 25,600 references in status BARU (bench/load.sql);
#   3. pgbench running the same SQL statements as one pair / one page read
#      (bench/pgbench/*.sql), the database's own limit here, and the ratio.
# Prints figures; fails only when a request under load fails. CLIENTS/SECS override 64/30,
# LIGHTHOUSE_RUNS the 3 Lighthouse runs per page (the worst is printed; 0 skips Lighthouse).
# FLAME=1 also profiles the server during each load phase (`perf record`, 99 Hz, DWARF call
# graphs from the binary's unwind tables) and draws a flame graph of each
# (bench/flame/{pairs,table}.svg, inferno): where a request's time goes, kept with the figures.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ensure_bench_tools
ensure_browser
if ! cmp -s bench/package.json bench/node_modules/.installed-package 2>/dev/null; then
  # `npm install`, not `npm ci`: a dependency of Lighthouse asks for `third-party-web@latest`,
  # which no lock file stays in sync with
  log "installing Lighthouse (npm, bench/package.json)"
  (cd bench && npm install --no-audit --no-fund >/dev/null && cp package.json node_modules/.installed-package)
fi
CLIENTS="${CLIENTS:-64}"
LIGHTHOUSE_RUNS="${LIGHTHOUSE_RUNS:-3}"
SECS="${SECS:-30}"
PORT=3935
BASE="http://127.0.0.1:$PORT"
PG_DIR="${SAKTI_BENCH_PG_DIR:-/tmp/aktivasi-otp-sakti-bench-pg}"
OUT="$CARGO_TARGET_DIR/perf"
mkdir -p "$OUT"
SERVER=""
stop_server() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null || true; fi
  SERVER=""
}

if [ "${FLAME:-0}" = 1 ]; then
  if ! command -v perf >/dev/null; then
    log "installing perf (Debian linux-perf)"
    as_root apt-get update -qq
    as_root apt-get install -y -qq linux-perf >/dev/null
  fi
  if ! command -v inferno-flamegraph >/dev/null; then
    log "installing inferno (crates.io; light profile, about 2 minutes)"
    CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
      cargo install -q --locked inferno
  fi
fi
build_release
cargo build -q --release -p load

log "private PostgreSQL (durable, as in production) in $PG_DIR"
start_cluster "$PG_DIR"
fresh_db sakti_perf
on_exit stop_server

start_server() {
  LEPTOS_SITE_ADDR="127.0.0.1:$PORT" LEPTOS_SITE_ROOT="$RELEASE/site" DATABASE_URL="$DB" SAKTI_DEMO=1 \
    RUST_LOG=warn "$RELEASE/server" >>"$OUT/server.log" 2>&1 &
  SERVER=$!
  wait_for_http "$BASE/login" 60
}
peak_mib() { awk '/VmHWM/ { printf "%.0f MiB", $2 / 1024 }' "/proc/$SERVER/status"; }
rss_mib() { awk '/VmRSS/ { printf "%.0f MiB", $2 / 1024 }' "/proc/$SERVER/status"; }

# median of 20 server-rendered GETs of each page people work on, in milliseconds
page_timings() {
  local admin cso path cookie line=""
  admin="$(login_cookie adm_561403)"
  cso="$(login_cookie cso_jakarta6)"
  for path in /pejabat /berkas /audit /cso /meja; do
    cookie="$admin"
    case "$path" in /cso | /meja) cookie="$cso" ;; esac
    [ "$path" = /audit ] && cookie="$cso"
    ms="$(for _ in $(seq 20); do
      curl -fsS -o /dev/null -w '%{time_total}\n' -H "cookie: $cookie" "$BASE$path"
    done | sort -n | awk '{ t[NR] = $1 } END { printf "%.1f", t[int((NR + 1) / 2)] * 1000 }')"
    line="$line  $path ${ms} ms"
  done
  echo "$1:$line"
}
# a signed-in session's cookie; staff pass their second factor (the demo authenticator's code)
login_cookie() {
  DATABASE_URL="$DB" BASE_URL="$BASE" "$CARGO_TARGET_DIR/release/load" cookie "$1"
}

# The pgbench scripts are written from what the server really runs (issue 27, point 3): with
# `log_statement = 'all'` on the bench database, one OTP pair as a load PPK and one GET /pejabat
# as the Admin Lokal, each turned into a script by bench/pgbench/capture.py. A change to the
# server's statements changes the scripts (git shows it); the drift test
# (backend/tests/it/bench.rs) runs them against the migrated schema.
capture() {
  local log="$PG_DIR/postgres.log" first ppk adm pid uid code code_id sesi phone form
  q() { PGOPTIONS='-c log_statement=none' psql_run "$DB" -tA -c "$1"; }
  psql_run "$DB" -c "ALTER DATABASE sakti_perf SET log_statement = 'all'"
  start_server
  ppk="$(login_cookie val_load_0)"
  adm="$(login_cookie adm_561403)"
  uid="$(q "SELECT id FROM app_user WHERE username = 'val_load_0'")"
  pid="$(q "SELECT min(p.id) FROM pejabat p WHERE p.user_id = $uid AND p.status = 'BARU'")"
  sesi="$(q "SELECT max(id) FROM sesi WHERE user_id = $uid")"
  phone="$(q "SELECT no_hp FROM pejabat WHERE id = $pid")"
  form=(-fsS -o /dev/null -H 'content-type: application/x-www-form-urlencoded' -H "cookie: $ppk")
  sleep 1
  first=$(($(wc -l <"$log") + 1))
  curl "${form[@]}" --data "pejabat_id=$pid&purpose=VerifikasiHp" "$BASE/api/otp_request"
  code_id="$(q "SELECT max(id) FROM otp_code WHERE pejabat_id = $pid")"
  code="$(q "SELECT substring(coalesce(s.body, o.body) from 'Anda: ([0-9]{6})') FROM sms_outbox o
             LEFT JOIN sms_simulator s ON s.outbox_id = o.id WHERE o.otp_code_id = $code_id")"
  curl "${form[@]}" --data "pejabat_id=$pid&purpose=VerifikasiHp&code=$code" "$BASE/api/otp_submit"
  sleep 1
  python3 bench/pgbench/capture.py "$log" "$first" "$(wc -l <"$log")" \
    "One OTP request + verify pair (POST /api/otp_request, /api/otp_submit) of a load PPK on a random reference" \
    --set 'pid random(:lo, :hi)' --var "pid=$pid" --var "uid=$uid" --var "sid=${ppk#sakti_sesi=}" \
    --var "sesi=$sesi" --var "otp_code_id=$code_id" \
    --expr "$phone=(SELECT no_hp FROM pejabat WHERE id = :pid)" >bench/pgbench/pair.sql
  uid="$(q "SELECT id FROM app_user WHERE username = 'adm_561403'")"
  sesi="$(q "SELECT max(id) FROM sesi WHERE user_id = $uid")"
  first=$(($(wc -l <"$log") + 1))
  curl -fsS -o /dev/null -H "cookie: $adm" "$BASE/pejabat"
  sleep 1
  python3 bench/pgbench/capture.py "$log" "$first" "$(wc -l <"$log")" \
    "One GET /pejabat (the Tabel Pejabat, server-rendered) of the demo satker's Admin Lokal" \
    --var "adm=$uid" --var "sid=${adm#sakti_sesi=}" --var "sesi_adm=$sesi" >bench/pgbench/table.sql
  stop_server
  psql_run "$DB" -c "ALTER DATABASE sakti_perf RESET log_statement"
  echo "  bench/pgbench/pair.sql: $(grep -vc '^--' bench/pgbench/pair.sql) statements; table.sql: $(grep -vc '^--' bench/pgbench/table.sql)"
}

start_server
log "page timings (median of 20 GETs; audit and desk pages as the CSO of KPPN 019)"
page_timings "demo data"
log "Lighthouse, mobile profile (simulated slow 4G and 4x CPU slowdown), Debian Chromium: every"
log "first page of a role, $LIGHTHOUSE_RUNS runs each, the worst printed"
# each page as the role whose first page it is (issue 27, point 5)
declare -A AS=([pejabat]=adm_561403 [berkas]=adm_561403 [audit]=adm_561403 [cso]=cso_jakarta6
  [meja]=cso_jakarta6 [pantau]=kwl_dki [impor]=opr_nasional)
for user in adm_561403 cso_jakarta6 kwl_dki opr_nasional; do
  printf '{"Cookie": "%s"}' "$(login_cookie "$user")" >"$OUT/cookie-$user.json"
done
# LIGHTHOUSE_RUNS=0 skips it (a server change measured by the load phases alone)
pages=(login pejabat cso meja berkas pantau impor audit)
[ "$LIGHTHOUSE_RUNS" -gt 0 ] || pages=()
for page in "${pages[@]}"; do
  headers=()
  [ -n "${AS[$page]:-}" ] && headers=(--extra-headers="$OUT/cookie-${AS[$page]}.json")
  runs=()
  for run in $(seq "$LIGHTHOUSE_RUNS"); do
    CHROME_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}" bench/node_modules/.bin/lighthouse "$BASE/$page" --quiet \
      --chrome-flags="--headless=new --no-sandbox" --only-categories=performance,accessibility,best-practices \
      "${headers[@]}" --output=json --output-path="$OUT/lighthouse-$page-$run.json"
    runs+=("$OUT/lighthouse-$page-$run.json")
  done
  python3 bench/lighthouse.py "/$page" "${runs[@]}"
done
stop_server

log "loading the scale data (bench/scale.sql) and the load data (bench/load.sql)"
psql_run "$DB" -f bench/scale.sql
psql_run "$DB" -f bench/load.sql
log "the statements of one pair and one page, captured into bench/pgbench/*.sql"
capture
start_server
echo "server: $(rss_mib) resident after start"
page_timings "scale data (2,000 satkers, 20,000 + 25,600 pejabat, 200,000 audit lines in KPPN 019)"
status=0
# the load phase $1 (pairs, table), profiled with FLAME=1
load_phase() {
  local recorder=""
  if [ "${FLAME:-0}" = 1 ]; then
    perf record -q -F 99 --call-graph dwarf,16384 -p "$SERVER" -o "$OUT/perf-$1.data" 2>/dev/null &
    recorder=$!
  fi
  DATABASE_URL="$DB" BASE_URL="$BASE" CLIENTS="$CLIENTS" SECS="$SECS" "$CARGO_TARGET_DIR/release/load" "$1" |
    tee "$OUT/load-$1.txt" || status=1
  echo "  server peak memory so far: $(peak_mib)"
  if [ -n "$recorder" ]; then
    kill -INT "$recorder" && wait "$recorder" || true
    mkdir -p bench/flame
    perf script -i "$OUT/perf-$1.data" 2>/dev/null | inferno-collapse-perf | inferno-flamegraph \
      --title "server under the $1 load phase (bench/perf.sh, $CLIENTS clients)" >"bench/flame/$1.svg"
    echo "  flame graph: bench/flame/$1.svg"
  fi
}
load_phase pairs
load_phase table
stop_server

log "pgbench: the same SQL statements straight to PostgreSQL (the database's limit)"
bench/pgbench.sh "$DB" "$SECS" | tee "$OUT/pgbench.txt"
rate() { sed -n "s/.*= \([0-9.]*\) $2\/s.*/\1/p; s/^pgbench $3 *: \([0-9.]*\) .*/\1/p" "$1" | head -1; }
app_pairs="$(rate "$OUT/load-pairs.txt" pairs none)"
app_pages="$(rate "$OUT/load-table.txt" pages none)"
db_pairs="$(rate "$OUT/pgbench.txt" none pair)"
db_pages="$(rate "$OUT/pgbench.txt" none table)"
awk -v a="$app_pairs" -v d="$db_pairs" 'BEGIN { printf "ratio pairs: app %.1f/s vs pgbench %.1f/s = %.0f%% of the database limit\n", a, d, 100 * a / d }'
awk -v a="$app_pages" -v d="$db_pages" 'BEGIN { printf "ratio pages: app %.1f/s vs pgbench %.1f/s = %.0f%% of the database limit\n", a, d, 100 * a / d }'
exit $status
