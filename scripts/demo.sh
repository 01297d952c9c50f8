#!/usr/bin/env bash
# Runs the app with demo data: installs what is missing, builds, starts its own
# PostgreSQL (kept in .data-demo/, not production's .data/) unless DATABASE_URL or
# SAKTI_DATA_DIR says otherwise, and prints the URL.
source "$(dirname "${BASH_SOURCE[0]}")/tools.sh"
cd "$ROOT"
ensure_rust_tools
ensure_postgres
build_release
export LEPTOS_SITE_ADDR="${LEPTOS_SITE_ADDR:-127.0.0.1:3000}"
export LEPTOS_SITE_ROOT="$ROOT/target/site"
# the demo: demo data, the phone simulator (/hp), loopback only; without SAKTI_DEMO the
# server binary is production and refuses to start without a gateway and a public URL
export SAKTI_DEMO=1
log "starting the DEMO on http://${LEPTOS_SITE_ADDR/127.0.0.1/localhost}/ (demo data, phone simulator at /hp; Ctrl-C stops the app and its PostgreSQL)"
exec "$CARGO_TARGET_DIR/release/server" serve
