#!/usr/bin/env bash
# The MINIMAL example of high availability, with manual promotion: the script itself promotes the
# standby and HAProxy checks the database by TCP only, so a returning old primary would be written
# to. The recommended topology is bench/patroni.sh (issue 31): Patroni with etcd promotes by
# itself, fences the old primary, and HAProxy routes only to the node whose Patroni says
# it is the primary (README, "Running in production").
#
# The topology, started on loopback and put through two faults under load (issue 16, point 6):
#
#   PostgreSQL primary ──synchronous streaming──▶ standby (pg_basebackup -R)
#          ▲ (TCP, primary first, standby as backup)
#   HAProxy ─── database front ◀── app instance A, app instance B
#   HAProxy ─── HTTP front (health checks on /readyz) ──▶ A, B
#
# Under a load of OTP request+verify pairs, page reads and one live-update stream (bench/load,
# phase `ha`), it kills app instance A with SIGKILL, then crashes the primary and promotes the
# standby; instance B is never restarted. Prints the requests failed in each fault and the
# seconds until the service was back, and fails when an activation the clients saw succeed is
# missing afterwards, when a request failed before the first fault, or when live updates stop.
#
# Uses the release build (scripts/tools.sh build_release); HAProxy comes from Debian's
# packages. SECS (default 40) and CLIENTS (default 8) change the load; HA_PAUSE=N waits N seconds
# with everything up before the load, to look at the topology by hand.
source "$(dirname "${BASH_SOURCE[0]}")/tools.sh"
cd "$ROOT"
ensure_rust_tools
ensure_postgres
ensure_haproxy

SECS="${SECS:-40}"
CLIENTS="${CLIENTS:-8}"
DIR="${SAKTI_HA_DIR:-/tmp/aktivasi-otp-sakti-ha}"
FRONT_PORT="${SAKTI_HA_PORT:-3950}"
DB_FRONT_PORT=$((FRONT_PORT + 9))
A_PORT=$((FRONT_PORT + 1))
B_PORT=$((FRONT_PORT + 2))
OUT="$CARGO_TARGET_DIR/ha"
PGC=(cargo run -q -p backend --bin pgcluster --)
A_PID="" B_PID="" HAPROXY_PID=""
cleanup() {
  local pid i
  for pid in "$A_PID" "$B_PID" "$HAPROXY_PID"; do
    if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
      for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
  done
  "${PGC[@]}" stop "$DIR/standby" >/dev/null 2>&1 || true
  "${PGC[@]}" stop "$DIR/primary" >/dev/null 2>&1 || true
}
trap cleanup EXIT

build_release
cargo build -q --release -p load
cargo build -q -p backend --bin pgcluster

# a fresh topology every run; PostgreSQL runs as nobody when we are root: the directory must
# be reachable by it
"${PGC[@]}" stop "$DIR/standby" >/dev/null 2>&1 || true
"${PGC[@]}" stop "$DIR/primary" >/dev/null 2>&1 || true
rm -rf "$DIR" "$OUT"
mkdir -p "$DIR" "$OUT"
chmod 755 "$DIR"

log "PostgreSQL primary and synchronous standby in $DIR"
PRIMARY_URL="$("${PGC[@]}" start "$DIR/primary")"
STANDBY_URL="$("${PGC[@]}" standby "$DIR/primary" "$DIR/standby")"
# synchronous from now on: a commit returns once the standby has it. Set after the base backup,
# so that the standby does not inherit it: promoted, it runs alone, and with the setting every
# commit would wait for a standby it does not have
psql -qAt "$PRIMARY_URL" -c "ALTER SYSTEM SET synchronous_standby_names = '*'" -c "SELECT pg_reload_conf()" >/dev/null
port_of() { sed -E 's|.*@[^:]+:([0-9]+)/.*|\1|' <<<"$1"; }
PRIMARY_PORT="$(port_of "$PRIMARY_URL")"
STANDBY_PORT="$(port_of "$STANDBY_URL")"
for ((i = 0; i < 60; i++)); do
  state="$(psql -qAt "$PRIMARY_URL" -c "SELECT sync_state FROM pg_stat_replication" 2>/dev/null || true)"
  [ "$state" = sync ] && break
  sleep 0.5
done
if [ "$state" != sync ]; then
  echo "the standby did not become a synchronous standby (pg_stat_replication: '$state')" >&2
  exit 1
fi
echo "primary on port $PRIMARY_PORT, standby on port $STANDBY_PORT: streaming, synchronous"

log "HAProxy: HTTP on $FRONT_PORT (instances on $A_PORT and $B_PORT), PostgreSQL on $DB_FRONT_PORT"
{
  haproxy_app_front "$FRONT_PORT" "$A_PORT" "$B_PORT" 500 2 2
  cat <<EOF

frontend database
    mode tcp
    bind 127.0.0.1:$DB_FRONT_PORT
    default_backend postgres

backend postgres
    mode tcp
    # the standby takes connections only when the primary is down; it accepts writes once
    # promoted. Sessions to a server marked down are cut, so pools reconnect
    server primary 127.0.0.1:$PRIMARY_PORT check inter 500ms fall 2 rise 2 on-marked-down shutdown-sessions
    server standby 127.0.0.1:$STANDBY_PORT check inter 500ms fall 2 rise 2 backup on-marked-down shutdown-sessions
EOF
} >"$OUT/haproxy.cfg"
haproxy -f "$OUT/haproxy.cfg" -db >"$OUT/haproxy.log" 2>&1 &
HAPROXY_PID=$!

# the apps reach PostgreSQL only through HAProxy
FRONT_ADMIN_URL="$(sed -E "s|@[^/]+/|@127.0.0.1:$DB_FRONT_PORT/|" <<<"$PRIMARY_URL")"
for ((i = 0; i < 40; i++)); do psql -qAt "$FRONT_ADMIN_URL" -c "SELECT 1" >/dev/null 2>&1 && break; sleep 0.25; done
DB="$("${PGC[@]}" fresh-db "$FRONT_ADMIN_URL" sakti_ha)"

# not the shell's jobs: the shell would report the SIGKILL of A as if something went wrong
start_instance() { # port log
  LEPTOS_SITE_ADDR="127.0.0.1:$1" LEPTOS_SITE_ROOT="$RELEASE/site" DATABASE_URL="$DB" SAKTI_DEMO=1 \
    RUST_LOG=warn,server=info NO_COLOR=1 "$RELEASE/server" >"$2" 2>&1 &
  disown
}
log "app instances A and B (demo data, the load's references: bench/load.sql)"
start_instance "$A_PORT" "$OUT/a.log"
A_PID=$!
wait_for_http "http://127.0.0.1:$A_PORT/readyz" 60 || { cat "$OUT/a.log"; exit 1; }
psql -q -v ON_ERROR_STOP=1 "$DB" -f bench/load.sql
start_instance "$B_PORT" "$OUT/b.log"
B_PID=$!
wait_for_http "http://127.0.0.1:$B_PORT/readyz" 60 || { cat "$OUT/b.log"; exit 1; }
wait_for_http "http://127.0.0.1:$FRONT_PORT/readyz" 30

if [ -n "${HA_PAUSE:-}" ]; then # to look at the topology by hand first
  echo "paused for ${HA_PAUSE}s: front http://127.0.0.1:$FRONT_PORT, database $DB"
  sleep "$HA_PAUSE"
fi
log "load through HAProxy for ${SECS}s: kill A at 10 s, crash the primary and promote the standby at 22 s"
PGC_BIN="$CARGO_TARGET_DIR/debug/pgcluster"
status=0
BASE_URL="http://127.0.0.1:$FRONT_PORT" DATABASE_URL="$DB" CLIENTS="$CLIENTS" READERS=2 SECS="$SECS" \
  "$CARGO_TARGET_DIR/release/load" ha \
  10 "app instance A killed (SIGKILL)" "kill -KILL $A_PID" \
  22 "primary crashed, standby promoted" "'$PGC_BIN' crash '$DIR/primary' && '$PGC_BIN' promote '$DIR/standby'" |
  tee "$OUT/ha.txt" || status=1
A_PID=""
if ! curl -fsS -m 2 -o /dev/null "http://127.0.0.1:$B_PORT/readyz"; then
  echo "instance B is not ready after the faults" >&2
  status=1
fi
echo "instance B: $(grep -c . "$OUT/b.log") log lines, never restarted; logs and haproxy.cfg in $OUT"
exit $status
