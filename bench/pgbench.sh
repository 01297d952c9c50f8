#!/usr/bin/env bash
# pgbench with the SQL statements of one OTP request+verify pair and of one table page read
# (bench/pgbench/*.sql), straight to PostgreSQL with as many connections as the server's
# pool (16): the database's own limit on this machine, for bench/perf.sh to compare with.
# Usage: bench/pgbench.sh DATABASE_URL SECS  (the database of bench/perf.sh, after its load).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
DB="$1"
SECS="${2:-30}"
PGBENCH="$(ls /usr/lib/postgresql/*/bin/pgbench | sort -V | tail -1)"
q() { psql_run "$DB" -tA -c "$1"; }
lo="$(q "SELECT min(id) FROM pejabat WHERE satker_kode BETWEEN '790000' AND '790063'")"
hi="$(q "SELECT max(id) FROM pejabat WHERE satker_kode BETWEEN '790000' AND '790063'")"
uid="$(q "SELECT id FROM app_user WHERE username = 'val_load_0'")"
adm="$(q "SELECT id FROM app_user WHERE username = 'adm_561403'")"
sid="$(q "SELECT id FROM tower_sessions.session ORDER BY expiry_date DESC LIMIT 1")"
sesi="$(q "SELECT max(id) FROM sesi WHERE user_id = $uid")"
sesi_adm="$(q "SELECT max(id) FROM sesi WHERE user_id = $adm")"
for script in pair table; do
  "$PGBENCH" -n -M prepared -c 16 -j 2 -T "$SECS" -D lo="$lo" -D hi="$hi" -D uid="$uid" -D adm="$adm" -D sid="$sid" \
    -D sesi="$sesi" -D sesi_adm="$sesi_adm" \
    -f "bench/pgbench/$script.sql" "$DB" 2>&1 | awk -v s="$script" '
      /latency average/ { latency = $4 }
      /^tps = / { tps = $3 }
      END { printf "pgbench %-5s: %.1f %s/s (latency average %s ms)\n", s, tps, (s == "pair" ? "pairs" : "pages"), latency }'
done
