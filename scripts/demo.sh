#!/usr/bin/env bash
# Runs the app with demo data: installs what is missing, builds, starts its own
# PostgreSQL (kept in .data-demo/, not production's .data/) unless DATABASE_URL or
# SAKTI_DATA_DIR says otherwise, and prints the URL and how long each phase took.
source "$(dirname "${BASH_SOURCE[0]}")/tools.sh"
cd "$ROOT"
phase tools
prebuild_release
ensure_rust_tools
ensure_postgres
phase_end
build_release
export LEPTOS_SITE_ADDR="${LEPTOS_SITE_ADDR:-127.0.0.1:3000}"
export LEPTOS_SITE_ROOT="$RELEASE/site"
# the demo: demo data, the phone simulator (/hp), loopback only; without SAKTI_DEMO the
# server binary is production and refuses to start without a gateway and a public URL
export SAKTI_DEMO=1
# the roll-out's deadline the board counts down to (/pantau)
export SAKTI_PANTAU_TENGGAT="${SAKTI_PANTAU_TENGGAT:-2027-03-31}"
phase database
"$RELEASE/server" serve &
SERVER_PID=$!
trap 'kill -TERM "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID"' INT TERM
url="http://${LEPTOS_SITE_ADDR/127.0.0.1/localhost}"
if wait_for_http "$url/login" 300; then
  phase_summary
  log "the DEMO runs on $url/ (demo data, phone simulator at /hp; Ctrl-C stops the app and its PostgreSQL)"
fi
wait "$SERVER_PID"
