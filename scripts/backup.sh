#!/usr/bin/env bash
# Backs the database up: ./scripts/backup.sh FILE — pg_dump's custom format of the private
# cluster (SAKTI_DATA_DIR) or of DATABASE_URL / SAKTI_MIGRATE_DATABASE_URL, through the
# server binary (which finds the cluster and keeps passwords off the command line).
# Daily, e.g. cron: 30 1 * * * cd /srv/sakti && ./scripts/backup.sh /backup/sakti-$(date +\%F).dump
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SERVER="${SAKTI_SERVER_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/aktivasi-otp-sakti/target}/dist/current/server}"
[ $# -eq 1 ] || { echo "usage: $0 FILE" >&2; exit 64; }
[ -x "$SERVER" ] || { echo "no server binary at $SERVER (build it: ./scripts/demo.sh, or set SAKTI_SERVER_BIN)" >&2; exit 69; }
cd "$ROOT"
exec "$SERVER" backup "$1"
