#!/usr/bin/env bash
# Automatic, fenced database failover (issue 31): the recommended production topology, started
# on loopback from Debian's packages and put through faults and a rolling upgrade of the app
# under load, with no hand on the wheel. The script is the test.
#
#   etcd1  etcd2  etcd3            (the consensus store: who holds the leader key, for how long)
#     ▲      ▲      ▲
#   one TCP proxy per node (bench/patroni/etcdproxy.py: the node's link to etcd, to cut)
#     ▲      ▲      ▲
#   Patroni pg1, pg2, pg3 ── each runs its PostgreSQL 15 (synchronous_mode, use_pg_rewind)
#     ▲ GET /primary (200 on the leader only)
#   HAProxy database front ──▶ the one node whose Patroni says it is the primary; nothing else
#   HAProxy HTTP front (checks on /readyz) ──▶ app instances A and B (the release build, demo)
#
# Under the `ha` load of bench/load (OTP request+verify pairs, page reads, one live-update
# stream, all through HAProxy), at fixed seconds:
#   - the primary's machine crashes (SIGKILL of its Patroni and all its PostgreSQL processes at
#     once): Patroni promotes the synchronous standby by itself once the leader key expires;
#   - the old primary comes back (its Patroni started again): it rejoins as a replica, with
#     pg_rewind when its WAL went further than the new primary's, and never takes writes;
#   - one etcd member (the raft leader) is killed: nothing changes, no request fails;
#   - the primary is cut off from etcd (its proxy frozen with SIGSTOP, a black hole): it cannot
#     renew the leader key and demotes itself before the key expires; another node promotes
#     after the expiry; then the link heals (SIGCONT) and the old primary rejoins as a replica
#     (freezing its Patroni instead would be a hung manager whose PostgreSQL stays writable, a
#     fault only Patroni's watchdog fences, and this VM has no watchdog device: README);
#   - rolling upgrade: instance A is replaced (SIGTERM, graceful) by a build that carries one more
#     migration (a test-only additive column); it migrates at start, old instance B reports not
#     ready (/readyz) and HAProxy takes it out; then B is replaced by the new build as well.
# Beside it a watcher (bench/patroni/watch.py) asks every node's Patroni REST API and PostgreSQL
# five times a second who is primary.
#
# Fails (exit 1) when: an acknowledged activation is missing afterwards; two nodes are primary
# in one round of the watcher; the rejoined old primary is primary before the next failover;
# live updates stop in any fault's window; a request fails before the first fault, while the
# old primary rejoins, while the etcd member is killed, or when the partition heals; a failover
# takes longer than Patroni's timing allows (RECOVERY_BOUND below); the upgrade fails more
# requests than HAProxy's check interval allows (UPGRADE_BOUND below).
#
# It lives in bench/, not in .ci/run: it installs packages (patroni, etcd-server, etcd-client,
# haproxy), builds a second server binary (about 4 minutes on 2 cores, kept for the next run
# with the same inputs) and runs the load for 155 s: 3 min 20 s warm, 8 minutes with the
# upgrade's build, well past what .ci/run's budget leaves. Ports 4100-4199, data in /tmp/aktivasi-otp-sakti-patroni
# (removed at exit; PATRONI_KEEP=1 keeps it), logs in $CARGO_TARGET_DIR/patroni.
# CLIENTS (default 8) changes the load.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SELF="$ROOT/bench/patroni.sh"
CLIENTS="${CLIENTS:-8}"
DIR="${SAKTI_PATRONI_DIR:-/tmp/aktivasi-otp-sakti-patroni}"
RUN="$DIR/run"
OUT="$CARGO_TARGET_DIR/patroni"
BASE="${SAKTI_PATRONI_PORT:-4100}"
FRONT_PORT=$BASE A_PORT=$((BASE + 1)) B_PORT=$((BASE + 2)) DB_FRONT_PORT=$((BASE + 3)) STATS_PORT=$((BASE + 4))
etcd_port() { echo $((BASE + 10 + $1)); }      # client port of etcd member 1-3
etcd_peer_port() { echo $((BASE + 20 + $1)); } # its raft port
rest_port() { echo $((BASE + 30 + $1)); }      # Patroni REST API of node 1-3
pg_port() { echo $((BASE + 40 + $1)); }        # PostgreSQL of node 1-3
proxy_port() { echo $((BASE + 40 + 10 * $1 + $2)); } # node $1's way to etcd member $2
NODES=(1 2 3)
PG_BIN=/usr/lib/postgresql/15/bin
PY=/usr/bin/python3 # Debian's, with psycopg2 (a dependency of patroni), not a pyenv shim

# Patroni's timing. A leader renews its key every LOOP_WAIT seconds; a call to etcd is retried
# for up to RETRY_TIMEOUT before the leader gives up and demotes; a replica may take the key once
# it is TTL seconds old. Patroni's rule LOOP_WAIT + 2 * RETRY_TIMEOUT <= TTL makes a cut-off
# leader demote before its key expires, so no second primary can appear. 10/2/4 (Patroni's
# defaults are 30/10/10) keeps a failover near 10 s, while a node whose loop stalls for up to 4 s
# on these 2 busy cores is not failed over.
TTL=10 LOOP_WAIT=2 RETRY_TIMEOUT=4
# HAProxy's checks: every INTER_MS, FALL failures mark a server down, RISE successes up
INTER_MS=500 FALL=2 RISE=2
# A failover is back within: the key's expiry (TTL), the replica's next loop (LOOP_WAIT), a slow
# etcd call (RETRY_TIMEOUT), HAProxy's RISE checks, the app's pool reconnecting and the outage
# gate reopening (2 s).
RECOVERY_BOUND=$((TTL + LOOP_WAIT + RETRY_TIMEOUT + RISE * INTER_MS / 1000 + 2))

# The test-only migration of the rolling upgrade: additive (a nullable column, metadata only),
# as a real release's would be, so the old binary keeps working on the new schema until the
# probe takes it out.
UPGRADE_MIGRATION=20991231000000_uji_patroni.sql
UPGRADE_SQL="ALTER TABLE pejabat ADD COLUMN uji_patroni text; -- test-only: bench/patroni.sh's rolling upgrade"

note() { printf '%s  %s\n' "$(date +%T.%3N)" "$*" >>"$OUT/faults.log"; }
fail() {
  note "FAILED: $*"
  echo "$*" >&2
  exit 1
}
pid_of() { cat "$RUN/$1.pid" 2>/dev/null || true; }
alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }
# waits up to $1 seconds for the command after it to succeed
wait_until() {
  local limit="$1" i
  shift
  for ((i = 0; i < limit * 10; i++)); do
    if "$@"; then return 0; fi
    sleep 0.1
  done
  return 1
}
http_code() { curl -s -m 1 -o /dev/null -w '%{http_code}' "$1" 2>/dev/null || true; }
is_primary() { [ "$(http_code "http://127.0.0.1:$(rest_port "$1")/primary")" = 200 ]; }
is_replica() { [ "$(http_code "http://127.0.0.1:$(rest_port "$1")/replica")" = 200 ]; }
# the node whose Patroni answers /primary with 200, when exactly one does
primary_node() {
  local n found=()
  for n in "${NODES[@]}"; do if is_primary "$n"; then found+=("$n"); fi; done
  if [ "${#found[@]}" = 1 ]; then echo "${found[0]}"; fi
}
other_primary() { local p; p="$(primary_node)"; [ -n "$p" ] && [ "$p" != "$1" ]; }
patroni_field() { # node field: a field of its GET /patroni
  curl -s -m 1 "http://127.0.0.1:$(rest_port "$1")/patroni" 2>/dev/null |
    "$PY" -c "import json, sys; print(json.load(sys.stdin).get('$2', ''))" 2>/dev/null || true
}
admin_url() { echo "postgresql://postgres:$(cat "$DIR/superuser.pw")@127.0.0.1:$1/postgres"; }
# the replication rows of the primary (through the database front): name, state, sync_state
replication() { psql -X -qAt -F ' ' "$(admin_url "$DB_FRONT_PORT")" -c "SELECT application_name, state, sync_state FROM pg_stat_replication ORDER BY 1" 2>/dev/null || true; }
streaming() { replication | grep -q "^pg$1 streaming"; }
haproxy_status() { # backend server: UP, DOWN, "UP 1/2", ...
  curl -s -m 1 "http://127.0.0.1:$STATS_PORT/;csv" 2>/dev/null | awk -F, -v b="$1" -v s="$2" '$1 == b && $2 == s { print $18 }'
}
haproxy_up() { [ "$(haproxy_status "$1" "$2")" = UP ]; }
haproxy_down() { [[ "$(haproxy_status "$1" "$2")" == DOWN* ]]; }
rewinds() { grep -c -i 'pg_rewind' "$OUT/pg$1.log" 2>/dev/null || true; }

# PostgreSQL refuses to run as root: Patroni (and so its PostgreSQL) runs as nobody, like the
# project's private clusters (backend/src/sistem/pgcluster.rs)
AS_PG=()
if [ "$(id -u)" = 0 ]; then AS_PG=(setpriv "--reuid=$(id -u nobody)" "--regid=$(id -g nobody)" --clear-groups); fi

# every process is started with its output in a file and nothing on the caller's pipes: the load
# generator runs the fault commands and waits for their output to end
start_patroni() {
  env -i PATH=/usr/bin:/bin HOME="$DIR/pg$1" LC_ALL=C.UTF-8 "${AS_PG[@]}" /usr/bin/patroni "$DIR/pg$1/patroni.yml" \
    >>"$OUT/pg$1.log" 2>&1 </dev/null &
  echo $! >"$RUN/patroni$1.pid"
  disown # not a job of the shell: it would report the crash's SIGKILL
}
start_proxy() {
  local m pairs=()
  for m in 1 2 3; do pairs+=("$(proxy_port "$1" "$m"):$(etcd_port "$m")"); done
  "$PY" "$ROOT/bench/patroni/etcdproxy.py" "${pairs[@]}" >>"$OUT/proxy$1.log" 2>&1 </dev/null &
  echo $! >"$RUN/proxy$1.pid"
  disown
}
start_instance() { # a|b binary-dir
  local port=$A_PORT
  if [ "$1" = b ]; then port=$B_PORT; fi
  LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT="$(cat "$RUN/site")" DATABASE_URL="$(cat "$RUN/db")" SAKTI_DEMO=1 \
    SAKTI_DATA_DIR="$DIR/app" RUST_LOG=warn,server=info NO_COLOR=1 "$2/server" >>"$OUT/$1.log" 2>&1 </dev/null &
  echo $! >"$RUN/$1.pid"
}
# the PIDs of a node's PostgreSQL: the postmaster and its children
postgres_pids() {
  local pm
  pm="$(head -1 "$DIR/pg$1/data/postmaster.pid" 2>/dev/null || true)"
  if alive "$pm"; then
    echo "$pm"
    ps -o pid= --ppid "$pm" || true
  fi
}
stop_node() { # graceful: Patroni stops its PostgreSQL; what is left after 30 s is killed
  local patroni pids
  patroni="$(pid_of "patroni$1")"
  if alive "$patroni"; then
    kill "$patroni" 2>/dev/null || true
    wait_until 30 eval '! alive "$patroni"' || kill -KILL "$patroni" 2>/dev/null || true
  fi
  pids="$(postgres_pids "$1")"
  if [ -n "$pids" ]; then
    kill -QUIT $(head -1 <<<"$pids") 2>/dev/null || true # immediate shutdown
    sleep 1
    pids="$(postgres_pids "$1")"
    if [ -n "$pids" ]; then kill -KILL $pids 2>/dev/null || true; fi
  fi
}

# ---- The faults, run by the load generator as `bench/patroni.sh fault NAME` ----------------------
if [ "${1:-}" = fault ]; then
  started=$SECONDS
  case "${2:-}" in
    crash) # the primary's machine dies: Patroni and every PostgreSQL process at the same instant
      p="$(primary_node)"
      [ -n "$p" ] || fail "crash: no single primary to crash"
      patroni="$(pid_of "patroni$p")"
      kill -KILL "$patroni" $(ps -o pid= --ppid "$patroni" || true) $(postgres_pids "$p")
      echo "$p" >"$RUN/crashed"
      note "crash: pg$p killed (Patroni $patroni and its PostgreSQL, SIGKILL)"
      wait_until 60 other_primary "$p" || fail "crash: no node took over within 60 s"
      note "crash: pg$(primary_node) is the primary $((SECONDS - started)) s later (timeline $(patroni_field "$(primary_node)" timeline))"
      ;;
    back) # the crashed machine comes back: it must rejoin as a replica and never take writes
      n="$(cat "$RUN/crashed")"
      echo "pg$n" >"$RUN/forbid" # the watcher fails the run if it is primary from now on
      before="$(rewinds "$n")"
      start_patroni "$n"
      note "back: Patroni of pg$n started again"
      wait_until 90 is_replica "$n" || fail "back: pg$n did not rejoin as a replica within 90 s"
      wait_until 30 streaming "$n" || fail "back: pg$n does not stream from the primary"
      note "back: pg$n is a streaming replica $((SECONDS - started)) s later; pg_rewind lines in its log: $before before, $(rewinds "$n") after; replication: $(replication | tr '\n' ';')"
      ;;
    etcd) # one etcd member, the raft leader, is killed: nothing may change
      m=""
      for i in 1 2 3; do
        if ETCDCTL_API=3 etcdctl --endpoints="127.0.0.1:$(etcd_port "$i")" endpoint status 2>/dev/null | grep -q ', true, '; then m=$i; fi
      done
      [ -n "$m" ] || fail "etcd: no raft leader found"
      p="$(primary_node)"
      echo "$p $(patroni_field "$p" timeline)" >"$RUN/before-etcd"
      kill -KILL "$(pid_of "etcd$m")"
      note "etcd: member etcd$m (the raft leader) killed; the primary is pg$p, timeline $(patroni_field "$p" timeline)"
      ;;
    partition) # the primary loses etcd (its proxy frozen): it must demote itself, another promote
      p="$(primary_node)"
      [ -n "$p" ] || fail "partition: no single primary"
      [ "$p $(patroni_field "$p" timeline)" = "$(cat "$RUN/before-etcd")" ] ||
        fail "partition: the primary or its timeline changed after the etcd member was killed ($(cat "$RUN/before-etcd") then pg$p)"
      : >"$RUN/forbid" # the next failover may pick the node that rejoined
      echo "$p" >"$RUN/partitioned"
      kill -STOP "$(pid_of "proxy$p")"
      note "partition: pg$p cut off from etcd (its proxy stopped)"
      wait_until 60 eval '! is_primary "$p"' || fail "partition: pg$p still says it is the primary after 60 s"
      note "partition: pg$p no longer primary $((SECONDS - started)) s later (Patroni: $(patroni_field "$p" role)/$(patroni_field "$p" state))"
      wait_until 60 other_primary "$p" || fail "partition: no node took over within 60 s"
      note "partition: pg$(primary_node) is the primary $((SECONDS - started)) s later (timeline $(patroni_field "$(primary_node)" timeline))"
      ;;
    heal) # the link comes back: the old primary rejoins as a replica
      p="$(cat "$RUN/partitioned")"
      echo "pg$p" >"$RUN/forbid"
      before="$(rewinds "$p")"
      kill -CONT "$(pid_of "proxy$p")"
      note "heal: pg$p reaches etcd again"
      wait_until 90 is_replica "$p" || fail "heal: pg$p did not rejoin as a replica within 90 s"
      wait_until 30 streaming "$p" || fail "heal: pg$p does not stream from the primary"
      note "heal: pg$p is a streaming replica $((SECONDS - started)) s later; pg_rewind lines in its log: $before before, $(rewinds "$p") after; replication: $(replication | tr '\n' ';')"
      ;;
    upgrade) # instance $3 replaced by the new build: graceful stop, start, wait until HAProxy has it
      x="${3:?a or b}" other=b port=$A_PORT
      if [ "$x" = b ]; then other=a port=$B_PORT; fi
      old="$(pid_of "$x")"
      kill -TERM "$old"
      wait_until 30 eval '! alive "$old"' || fail "upgrade: instance $x did not stop within 30 s of SIGTERM"
      note "upgrade: instance $x stopped (SIGTERM, in-flight requests finished) after $((SECONDS - started)) s"
      start_instance "$x" "$(cat "$RUN/upgrade-dir")"
      wait_until 60 eval '[ "$(http_code "http://127.0.0.1:$port/readyz")" = 200 ]' ||
        fail "upgrade: the new instance $x is not ready within 60 s"
      note "upgrade: new instance $x ready $((SECONDS - started)) s after the stop began"
      if [ "$x" = a ]; then # B is old now: the probe must take it out
        wait_until 10 eval '[ "$(http_code "http://127.0.0.1:$B_PORT/readyz")" = 503 ]' ||
          fail "upgrade: old instance b still reports ready on the new schema"
        note "upgrade: old instance b: $(curl -s -m 1 "http://127.0.0.1:$B_PORT/readyz")"
        wait_until 10 haproxy_down instances b || fail "upgrade: HAProxy did not take old instance b out"
        note "upgrade: HAProxy marked old instance b $(haproxy_status instances b) $((SECONDS - started)) s after the stop began"
      fi
      wait_until 10 haproxy_up instances "$x" || fail "upgrade: HAProxy did not take new instance $x in"
      note "upgrade: HAProxy marked new instance $x UP $((SECONDS - started)) s after the stop began; $other is $(haproxy_status instances "$other")"
      ;;
    *) fail "unknown fault ${2:-}" ;;
  esac
  exit 0
fi

# ---- Packages --------------------------------------------------------------------------------------
# Patroni, etcd and HAProxy from Debian's packages. On a machine with systemd, installing
# etcd-server starts a one-member etcd on the default ports and enables it; this script
# runs its own members, so it stops and disables the packaged services it just installed (in a
# container, policy-rc.d keeps them from starting at all).
ensure_patroni() {
  local missing=() unit
  command -v patroni >/dev/null 2>&1 || missing+=(patroni)
  command -v etcd >/dev/null 2>&1 || missing+=(etcd-server)
  command -v etcdctl >/dev/null 2>&1 || missing+=(etcd-client)
  command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
  if [ "${#missing[@]}" -gt 0 ]; then
    log "installing ${missing[*]} (Debian's packages)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    if [ -d /run/systemd/system ]; then
      for unit in etcd patroni haproxy; do
        if [[ " ${missing[*]} " == *" ${unit/etcd/etcd-server} "* ]]; then
          as_root systemctl disable --now "$unit" >/dev/null 2>&1 || true
        fi
      done
    fi
  fi
}

# ---- Builds ----------------------------------------------------------------------------------------
ensure_bench_tools
ensure_patroni
phase build
build_release
cargo build -q --release -p load
# what runs (the release link can be switched by another build while this runs)
SITE="$(readlink -f "$RELEASE")/site"
SERVER_DIR="$(readlink -f "$RELEASE")"

# The server of the rolling upgrade: the same sources with one more migration, built once per
# inputs and kept under $CARGO_TARGET_DIR/patroni-upgrade. The sources are copied (what the release
# hash reads: the files git knows, tracked or new, as they are now) to a temporary directory; the
# build is the release's server build, in the shared target dir (its dependencies are reused).
build_upgrade() {
  local key src started=$SECONDS
  key="$(release_inputs_hash | cut -c1-16)-$(sha256sum <<<"$UPGRADE_MIGRATION $UPGRADE_SQL" | cut -c1-8)"
  UPGRADE_DIR="$CARGO_TARGET_DIR/patroni-upgrade/$key"
  if [ -f "$UPGRADE_DIR/complete" ]; then
    log "upgrade build up to date (the same sources and migration, built $(date -r "$UPGRADE_DIR/complete" '+%F %T'))"
    return 0
  fi
  rm -rf "$CARGO_TARGET_DIR/patroni-upgrade" # an older one is of other sources
  src="$DIR/upgrade-src"
  rm -rf "$src"
  mkdir -p "$src" "$UPGRADE_DIR"
  git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do if [ -f "$f" ]; then printf '%s\0' "$f"; fi; done |
    tar --null -T - -cf - | tar -xf - -C "$src"
  printf '%s\n' "$UPGRADE_SQL" >"$src/migrations/$UPGRADE_MIGRATION"
  log "building the upgrade's server (one more migration, $UPGRADE_MIGRATION) in $src"
  (cd "$src" && env $(printf -- '-u %s ' "${RUNTIME_ENV[@]}") "${LEPTOS_CARGO_ENV[@]}" \
    cargo build -q --package=server --bin=server --no-default-features --release)
  cp "$CARGO_TARGET_DIR/release/server" "$UPGRADE_DIR/server"
  cp "$SERVER_DIR/hash.txt" "$UPGRADE_DIR/"
  rm -rf "$src"
  # the copy is the upgrade's binary, not another build's that finished in between
  grep -q -a "uji_patroni" "$UPGRADE_DIR/server" || { echo "the upgrade build does not carry $UPGRADE_MIGRATION" >&2; exit 1; }
  touch "$UPGRADE_DIR/complete"
  UPGRADE_BUILD_SECONDS=$((SECONDS - started))
  log "upgrade build: $(fmt_seconds "$UPGRADE_BUILD_SECONDS")"
}

# ---- The topology ----------------------------------------------------------------------------------
stop_all() {
  local n m pid stoppers=()
  if [ -d "$RUN" ]; then
    : >"$RUN/stop-watch"
    for n in a b haproxy; do
      pid="$(pid_of "$n")"
      if alive "$pid"; then kill "$pid" 2>/dev/null || true; fi
    done
    for n in "${NODES[@]}"; do # a frozen proxy would keep its node from stopping cleanly
      pid="$(pid_of "proxy$n")"
      if alive "$pid"; then kill -CONT "$pid" 2>/dev/null || true; fi
    done
    for n in "${NODES[@]}"; do
      stop_node "$n" &
      stoppers+=($!)
    done
    for pid in "${stoppers[@]}"; do wait "$pid" || true; done
    for n in "${NODES[@]}"; do
      cp "$DIR/pg$n/log/postgresql.log" "$OUT/pg$n-postgres.log" 2>/dev/null || true
    done
    for pid in $(cat "$RUN"/*.pid 2>/dev/null); do # the proxies, etcd, the watcher
      if alive "$pid"; then kill "$pid" 2>/dev/null || true; fi
    done
    for pid in $(cat "$RUN"/*.pid 2>/dev/null); do
      wait_until 10 eval '! alive "$pid"' || kill -KILL "$pid" 2>/dev/null || true
    done
  fi
  if [ -z "${PATRONI_KEEP:-}" ]; then rm -rf "$DIR"; fi
}

stop_all # what an interrupted run left
rm -rf "$DIR" "$OUT"
mkdir -p "$DIR" "$RUN" "$OUT" "$DIR/app"
chmod 755 "$DIR" # nobody must reach its node's directory
on_exit stop_all
build_upgrade

phase "topology"
log "etcd: three members on 127.0.0.1:$(etcd_port 1)-$(etcd_port 3)"
cluster=""
for m in 1 2 3; do cluster+="${cluster:+,}etcd$m=http://127.0.0.1:$(etcd_peer_port "$m")"; done
for m in 1 2 3; do
  etcd --name "etcd$m" --data-dir "$DIR/etcd$m" \
    --listen-client-urls "http://127.0.0.1:$(etcd_port "$m")" --advertise-client-urls "http://127.0.0.1:$(etcd_port "$m")" \
    --listen-peer-urls "http://127.0.0.1:$(etcd_peer_port "$m")" --initial-advertise-peer-urls "http://127.0.0.1:$(etcd_peer_port "$m")" \
    --initial-cluster "$cluster" --initial-cluster-token sakti-patroni --initial-cluster-state new \
    >"$OUT/etcd$m.log" 2>&1 </dev/null &
  echo $! >"$RUN/etcd$m.pid"
  disown
done
endpoints="127.0.0.1:$(etcd_port 1),127.0.0.1:$(etcd_port 2),127.0.0.1:$(etcd_port 3)"
wait_until 30 eval 'ETCDCTL_API=3 etcdctl --endpoints="$endpoints" endpoint health >/dev/null 2>&1' ||
  { tail -20 "$OUT"/etcd*.log; echo "etcd did not become healthy" >&2; exit 1; }

PW="$(head -c 32 /dev/urandom | base64 | tr -dc A-Za-z0-9 | head -c 24)"
REPL_PW="$(head -c 32 /dev/urandom | base64 | tr -dc A-Za-z0-9 | head -c 24)"
(umask 077 && printf '%s' "$PW" >"$DIR/superuser.pw")
for n in "${NODES[@]}"; do
  nd="$DIR/pg$n"
  mkdir -p "$nd/log"
  (umask 077 && cat >"$nd/patroni.yml" <<EOF
scope: sakti
name: pg$n
log:
  level: INFO
restapi:
  listen: 127.0.0.1:$(rest_port "$n")
  connect_address: 127.0.0.1:$(rest_port "$n")
etcd3:
  # this node's own proxies, one per member; use_proxies: never go around them to the members
  hosts: 127.0.0.1:$(proxy_port "$n" 1),127.0.0.1:$(proxy_port "$n" 2),127.0.0.1:$(proxy_port "$n" 3)
  use_proxies: true
  protocol: http
bootstrap:
  dcs:
    ttl: $TTL
    loop_wait: $LOOP_WAIT
    retry_timeout: $RETRY_TIMEOUT
    maximum_lag_on_failover: 1048576
    # a commit returns once the synchronous standby has it, and only that standby may be promoted
    synchronous_mode: true
    postgresql:
      # a crashed primary whose WAL went further than its successor's comes back as a replica
      use_pg_rewind: true
      use_slots: true
      parameters:
        wal_log_hints: 'on'
        max_connections: 200
        shared_buffers: 128MB
        wal_keep_size: 256MB
  initdb:
    - encoding: UTF8
    - no-locale
    - data-checksums
    - auth-host: scram-sha-256
    - auth-local: scram-sha-256
postgresql:
  listen: 127.0.0.1:$(pg_port "$n")
  connect_address: 127.0.0.1:$(pg_port "$n")
  data_dir: $nd/data
  bin_dir: $PG_BIN
  pgpass: $nd/pgpass
  authentication:
    superuser:
      username: postgres
      password: $PW
    replication:
      username: replicator
      password: $REPL_PW
  parameters:
    unix_socket_directories: '$nd'
    password_encryption: scram-sha-256
    logging_collector: 'on'
    log_directory: '$nd/log'
    log_filename: 'postgresql.log'
  pg_hba:
    - local all all scram-sha-256
    - host replication replicator 127.0.0.1/32 scram-sha-256
    - host all all 127.0.0.1/32 scram-sha-256
EOF
  )
  if [ "${#AS_PG[@]}" -gt 0 ]; then chown -R nobody: "$nd"; fi
  chmod 700 "$nd"
  start_proxy "$n"
done

log "Patroni: pg1 bootstraps the cluster, pg2 and pg3 clone it (PostgreSQL on $(pg_port 1)-$(pg_port 3), REST on $(rest_port 1)-$(rest_port 3))"
start_patroni 1
wait_until 90 is_primary 1 || { tail -30 "$OUT/pg1.log"; echo "pg1 did not become the primary" >&2; exit 1; }
start_patroni 2
start_patroni 3
for n in 2 3; do
  wait_until 120 is_replica "$n" || { tail -30 "$OUT/pg$n.log"; echo "pg$n did not become a replica" >&2; exit 1; }
done

log "HAProxy: HTTP on $FRONT_PORT (instances on $A_PORT, $B_PORT), PostgreSQL on $DB_FRONT_PORT (the Patroni primary only), stats on $STATS_PORT"
{
  haproxy_app_front "$FRONT_PORT" "$A_PORT" "$B_PORT" "$INTER_MS" "$FALL" "$RISE"
  cat <<EOF

frontend database
    mode tcp
    bind 127.0.0.1:$DB_FRONT_PORT
    # idle pool connections live long; a dead peer is found by the check, not by this timeout
    timeout client 30m
    default_backend postgres

backend postgres
    mode tcp
    timeout server 30m
    # only the node whose Patroni holds the leader key and runs PostgreSQL as primary answers
    # GET /primary with 200; a replica, a demoted or a rejoining old primary answers 503 and gets
    # no connection. Reads go nowhere else: the app has one database URL, the primary's.
    option httpchk GET /primary
    http-check expect status 200
    # connections to a node marked down are cut, so that no session stays on a demoted primary
    # and the pools reconnect to the new one
    default-server inter ${INTER_MS}ms fall $FALL rise $RISE on-marked-down shutdown-sessions
$(for n in "${NODES[@]}"; do echo "    server pg$n 127.0.0.1:$(pg_port "$n") check port $(rest_port "$n")"; done)

listen stats
    mode http
    bind 127.0.0.1:$STATS_PORT
    stats enable
    stats uri /
EOF
} >"$OUT/haproxy.cfg"
haproxy -f "$OUT/haproxy.cfg" -db >"$OUT/haproxy.log" 2>&1 </dev/null &
echo $! >"$RUN/haproxy.pid"

wait_until 30 streaming 2 && wait_until 30 streaming 3 || { replication; echo "the replicas do not stream" >&2; exit 1; }
wait_until 30 eval 'replication | grep -q " sync$"' || { replication; echo "no synchronous standby" >&2; exit 1; }
patronictl -c "$DIR/pg1/patroni.yml" list 2>/dev/null || true

psql -X -q -v ON_ERROR_STOP=1 "$(admin_url "$DB_FRONT_PORT")" -c "CREATE DATABASE sakti_patroni"
DB="postgresql://postgres:$PW@127.0.0.1:$DB_FRONT_PORT/sakti_patroni"
printf '%s' "$DB" >"$RUN/db"
printf '%s' "$SITE" >"$RUN/site"
printf '%s' "$UPGRADE_DIR" >"$RUN/upgrade-dir"

log "app instances A and B (the release build, demo data, the load's references: bench/load.sql and more)"
start_instance a "$SERVER_DIR"
wait_for_http "http://127.0.0.1:$A_PORT/readyz" 60 || { cat "$OUT/a.log"; exit 1; }
psql_run "$DB" -f bench/load.sql
# 155 s of load needs more references than load.sql's 400 per client: 2,000 more each
psql_run "$DB" -v clients="$CLIENTS" <<'SQL'
INSERT INTO pejabat (satker_kode, user_id, nip, nama, tempat_lahir, tanggal_lahir, email, no_hp, alamat_domisili,
                     alamat_ktp, nomor_sk, tanggal_sk, jabatan, kppn_kode, status, created_by)
SELECT u.satker_kode, u.id, (410000000000000000 + c * 10000 + r)::text, 'PPK Beban ' || c || '-' || r, 'Jakarta',
       date '1985-05-05', 'beban' || c || '.' || r || '@kemenkeu.go.id',
       '+62898' || lpad((c * 10000 + r)::text, 8, '0'), 'Jakarta', 'Jakarta', 'SK-B-' || c || '-' || r,
       date '2026-01-05', 'PEJABAT PEMBUAT KOMITMEN', '019', 'BARU',
       (SELECT id FROM app_user WHERE username = 'adm_561403')
FROM generate_series(0, :clients - 1) c
JOIN app_user u ON u.username = 'val_load_' || c
CROSS JOIN generate_series(401, 2400) r;
ANALYZE pejabat;
SQL
start_instance b "$SERVER_DIR"
wait_for_http "http://127.0.0.1:$B_PORT/readyz" 60 || { cat "$OUT/b.log"; exit 1; }
wait_until 10 haproxy_up instances a && wait_until 10 haproxy_up instances b || { echo "HAProxy does not have both instances" >&2; exit 1; }

log "watcher: every node's Patroni REST API and PostgreSQL, five times a second"
PGPASSWORD="$PW" "$PY" "$ROOT/bench/patroni/watch.py" "$RUN/stop-watch" "$RUN/forbid" \
  pg1:"$(rest_port 1)":"$(pg_port 1)" pg2:"$(rest_port 2)":"$(pg_port 2)" pg3:"$(rest_port 3)":"$(pg_port 3)" \
  >"$OUT/watch.log" 2>&1 </dev/null &
WATCH_PID=$!
echo "$WATCH_PID" >"$RUN/watch.pid"

# ---- Faults and the upgrade under load -------------------------------------------------------------
SECS=155
L_CRASH="primary crashed (SIGKILL of its Patroni and PostgreSQL)"
L_BACK="old primary back (rejoins as a replica)"
L_ETCD="etcd member killed (the raft leader)"
L_PART="primary cut off from etcd"
L_HEAL="partition healed (rejoins as a replica)"
L_UP_A="instance A replaced by the upgrade (it migrates)"
L_UP_B="instance B replaced by the upgrade"
phase "load"
log "load through HAProxy for ${SECS}s ($CLIENTS pair clients, 2 readers, 1 live stream): crash at 10 s, back at 35 s, etcd member at 62 s, partition at 75 s, heal at 100 s, upgrade A at 115 s, B at 135 s"
status=0
BASE_URL="http://127.0.0.1:$FRONT_PORT" DATABASE_URL="$DB" CLIENTS="$CLIENTS" READERS=2 SECS="$SECS" \
  "$CARGO_TARGET_DIR/release/load" ha \
  10 "$L_CRASH" "'$SELF' fault crash" \
  35 "$L_BACK" "'$SELF' fault back" \
  62 "$L_ETCD" "'$SELF' fault etcd" \
  75 "$L_PART" "'$SELF' fault partition" \
  100 "$L_HEAL" "'$SELF' fault heal" \
  115 "$L_UP_A" "'$SELF' fault upgrade a" \
  135 "$L_UP_B" "'$SELF' fault upgrade b" |
  tee "$OUT/load.txt" || status=1
phase "checks"

: >"$RUN/stop-watch"
watch_status=0
wait "$WATCH_PID" || watch_status=$?
echo "what the faults saw ($OUT/faults.log):"
sed 's/^/  /' "$OUT/faults.log" 2>/dev/null || true
echo "the watcher's log ($OUT/watch.log):"
sed 's/^/  /' "$OUT/watch.log"
if [ "$watch_status" != 0 ]; then
  echo "FAILED: the watcher saw two primaries, or the rejoined old primary as primary" >&2
  status=1
fi

# one fault's figures from the load's report: FAILED BACK (seconds to the first success) EVENTS
figures() {
  local line
  line="$(grep -F -- "  $1: " "$OUT/load.txt" | head -1)"
  printf '%s|%s|%s\n' \
    "$(sed -nE 's/^.*: ([0-9]+) requests failed.*/\1/p' <<<"$line")" \
    "$(sed -nE 's/.*[ (]([0-9.]+) s (until|to) the first success.*/\1/p' <<<"$line")" \
    "$(sed -nE 's/.*; ([0-9]+) live updates$/\1/p' <<<"$line")"
}
# The upgrade's bound. A request fails only while HAProxy has no instance up: old B is marked
# down FALL checks after the new A migrated, the new A up RISE checks after it answers ready; the
# first check comes up to one interval late, so with RISE = FALL the gap is at most (RISE + 1)
# intervals (1.5 s) when A is ready right after migrating (it was: 0.5 s gap, 33 failures, in
# the first run). In the gap each client's request fails at once and the client waits 200 ms, so
# at most 1.5 s / 200 ms + 1 = 8 requests per client (pairs and readers) fail per replaced
# instance. An instance that does not come back, or an old one left in, fails for many seconds.
UPGRADE_BOUND=$(((CLIENTS + 2) * ((RISE + 1) * INTER_MS / 200 + 1)))
check() { # label max-failed max-seconds-to-recovery (- for none)
  local failed back events
  IFS='|' read -r failed back events <<<"$(figures "$1")"
  if [ -z "$failed" ] || [ -z "$events" ]; then
    echo "FAILED: no figures for \"$1\" in the load's report" >&2
    status=1
    return
  fi
  if [ "$failed" -gt "$2" ]; then
    echo "FAILED: $1: $failed requests failed, more than $2" >&2
    status=1
  fi
  if [ "$3" != - ] && [ -n "$back" ] && awk -v b="$back" -v m="$3" 'BEGIN { exit !(b > m) }'; then
    echo "FAILED: $1: back after $back s, later than $3 s" >&2
    status=1
  fi
  if [ "$events" = 0 ]; then
    echo "FAILED: $1: no live update arrived in its window" >&2
    status=1
  fi
}
if [ -s "$OUT/load.txt" ] && grep -q "acknowledged activations present afterwards" "$OUT/load.txt"; then
  check "$L_CRASH" 1000000 "$RECOVERY_BOUND"
  check "$L_BACK" 0 -
  check "$L_ETCD" 0 -
  check "$L_PART" 1000000 "$RECOVERY_BOUND"
  check "$L_HEAL" 0 -
  check "$L_UP_A" "$UPGRADE_BOUND" -
  check "$L_UP_B" "$UPGRADE_BOUND" -
else
  status=1
fi

# the end state: three members, one leader, a synchronous standby; the new column is there
patronictl -c "$DIR/pg1/patroni.yml" list 2>/dev/null | tee "$OUT/patronictl.txt" || true
if [ "$(replication | grep -c ' streaming ')" != 2 ] || ! replication | grep -q ' sync$'; then
  echo "FAILED: at the end the primary does not have two streaming replicas, one synchronous: $(replication | tr '\n' ';')" >&2
  status=1
fi
if [ "$(psql -X -qAt "$DB" -c "SELECT count(*) FROM information_schema.columns WHERE table_name = 'pejabat' AND column_name = 'uji_patroni'")" != 1 ]; then
  echo "FAILED: the upgrade's migration is not in the database" >&2
  status=1
fi
echo "bounds: a failover back within ${RECOVERY_BOUND} s (ttl $TTL + loop_wait $LOOP_WAIT + retry_timeout $RETRY_TIMEOUT + HAProxy rise + 2 s); no request failed while the old primary rejoined, an etcd member died, the partition healed; at most $UPGRADE_BOUND per replaced instance"
if [ -n "${UPGRADE_BUILD_SECONDS:-}" ]; then echo "the upgrade's server built in $(fmt_seconds "$UPGRADE_BUILD_SECONDS")"; fi
echo "logs, haproxy.cfg, the load's report and the watcher's log in $OUT"
phase_summary
if [ "$status" = 0 ]; then log "patroni: all checks passed"; else log "patroni: FAILED"; fi
exit "$status"
