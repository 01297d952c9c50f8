#!/usr/bin/env bash
# Issue 13, point 2: a national roll-out's lists — 180 KPPN, 25,000 satkers, 100,000 users —
# imported with `server import` (one transaction each), then imported again (nothing changes).
# Prints the times; asserts nothing. The goal: all three in under 60 s on this machine.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ensure_bench_tools
bench_db sakti_impor
build_release
SERVER="$RELEASE/server"
DIR="$(mktemp -d)"
on_exit 'rm -rf "$DIR"'
log "writing the lists to $DIR"
python3 - "$DIR" <<'PY'
import sys
d = sys.argv[1]
with open(f"{d}/kppn.csv", "w") as f:
    f.write("kode,nama\n")
    for k in range(180):
        f.write(f"{k + 100:03d},KPPN Uji {k}\n")
with open(f"{d}/satker.csv", "w") as s, open(f"{d}/users.csv", "w") as u:
    s.write("kode,nama,kppn\n")
    u.write("username,nama,peran,unit,nip,no_hp,email\n")
    for i in range(25000):
        kode = f"{600000 + i:06d}"
        s.write(f'{kode},"Satker Uji {i}, Kementerian",{i % 180 + 100:03d}\n')
        u.write(f"adm_a{kode},Admin {i},ADMIN_LOKAL,{kode},,,adm{kode}@kemenkeu.go.id\n")
        u.write(f"apr_k{kode},KPA {i},KPA,{kode},{197001012000011000 + i},08{1300000000 + i},kpa{kode}@kemenkeu.go.id\n")
        u.write(f"val_p{kode},PPK {i},PPK,{kode},,,\n")
        u.write(f"apr_s{kode},PPSPM {i},PPSPM,{kode},,,\n")
PY
export DATABASE_URL="$DB" SAKTI_DEMO=1 LEPTOS_OUTPUT_NAME=aktivasi-otp-sakti RUST_LOG=warn
"$SERVER" migrate >/dev/null
total=0
for round in "first import" "again (nothing changes)"; do
  log "$round"
  for list in kppn satker users; do
    start=$(date +%s%N)
    "$SERVER" import "$list" "$DIR/$list.csv"
    ms=$((($(date +%s%N) - start) / 1000000))
    [ "$round" = "first import" ] && total=$((total + ms))
    echo "  $list: $ms ms"
  done
done
echo "first import of all three lists: $total ms ($(wc -l <"$DIR/users.csv") lines of users, $(du -h "$DIR/users.csv" | cut -f1))"
