#!/usr/bin/env bash
# Restores a backup into a new database on the same PostgreSQL server:
# ./scripts/restore.sh FILE NAME — then start the server with DATABASE_URL pointing at NAME.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SERVER="${SAKTI_SERVER_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/aktivasi-otp-sakti/target}/dist/current/server}"
[ $# -eq 2 ] || { echo "usage: $0 FILE NAME" >&2; exit 64; }
[ -x "$SERVER" ] || { echo "no server binary at $SERVER (build it: ./scripts/demo.sh, or set SAKTI_SERVER_BIN)" >&2; exit 69; }
cd "$ROOT"
exec "$SERVER" restore "$1" "$2"
