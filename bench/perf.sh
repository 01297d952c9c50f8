#!/usr/bin/env bash
# Issue 6, points 2 and 3, against a release build (`cargo leptos build --release`) on a
# private, durable PostgreSQL cluster with the demo data:
#   1. Lighthouse (mobile profile, Debian Chromium) on /login and /pejabat: scores, FCP,
#      LCP, TBT, CLS, and every accessibility/best-practices audit that did not pass;
#   2. the load generator (bench/load): request+verify OTP pairs, then table page reads,
#      64 clients for 30 s each, with the server's peak memory; on top of the scale data
#      (bench/scale.sql) and 25,600 references in status BARU (bench/load.sql);
#   3. pgbench running the same SQL statements as one pair / one page read
#      (bench/pgbench/*.sql), the database's own limit here, and the ratio.
# Prints figures; fails only when a request under load fails. CLIENTS/SECS override 64/30.
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
login_cookie() {
  curl -fsS -o /dev/null -D - -H 'content-type: application/x-www-form-urlencoded' \
    --data "username=$1&password=Sakti%232026" "$BASE/api/auth_login" |
    sed -n 's/^[Ss]et-[Cc]ookie: \(sakti_sesi=[^;]*\).*/\1/p'
}

start_server
log "page timings (median of 20 GETs; audit and desk pages as the CSO of KPPN 019)"
page_timings "demo data"
log "Lighthouse, mobile profile (simulated slow 4G and 4x CPU slowdown), Debian Chromium"
cookie="$(login_cookie adm_561403)"
printf '{"Cookie": "%s"}' "$cookie" >"$OUT/cookie.json"
for page in login pejabat; do
  headers=()
  [ "$page" = pejabat ] && headers=(--extra-headers="$OUT/cookie.json")
  CHROME_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}" bench/node_modules/.bin/lighthouse "$BASE/$page" --quiet \
    --chrome-flags="--headless=new --no-sandbox" --only-categories=performance,accessibility,best-practices \
    "${headers[@]}" --output=json --output-path="$OUT/lighthouse-$page.json"
  python3 bench/lighthouse.py "$OUT/lighthouse-$page.json" "/$page"
done
stop_server

log "loading the scale data (bench/scale.sql) and the load data (bench/load.sql)"
psql_run "$DB" -f bench/scale.sql
psql_run "$DB" -f bench/load.sql
start_server
echo "server: $(rss_mib) resident after start"
page_timings "scale data (2,000 satkers, 20,000 + 25,600 pejabat, 200,000 audit lines in KPPN 019)"
status=0
DATABASE_URL="$DB" BASE_URL="$BASE" CLIENTS="$CLIENTS" SECS="$SECS" "$CARGO_TARGET_DIR/release/load" pairs |
  tee "$OUT/load-pairs.txt" || status=1
echo "  server peak memory so far: $(peak_mib)"
DATABASE_URL="$DB" BASE_URL="$BASE" CLIENTS="$CLIENTS" SECS="$SECS" "$CARGO_TARGET_DIR/release/load" table |
  tee "$OUT/load-table.txt" || status=1
echo "  server peak memory so far: $(peak_mib)"
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
