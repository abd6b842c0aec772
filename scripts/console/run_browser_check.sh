#!/usr/bin/env bash
# The web console in a real browser: starts the (debug) server on a free port with a throw-away
# data folder, makes an organization and an admin key with the CLI, and runs browser_check.py
# (Debian's headless Chromium via selenium). Screenshots at 360 and 1440 px go to
# RESULTS_DIR (default results/console), kept as CI artifacts.
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT=${CONSOLE_PORT:-18098}
RESULTS_DIR=${RESULTS_DIR:-results/console}
. scripts/compat/lib/test_server.sh
start_test_server "$PORT"
ORG=browser-org
SMALLY_DATA_DIR="$DATA" DATABASE_URL= "$BIN" orgs create "$ORG" --tier free >/dev/null
ADMIN_KEY=$(SMALLY_DATA_DIR="$DATA" DATABASE_URL= "$BIN" keys create --org "$ORG" --name console-admin --role admin | head -1)
mkdir -p "$RESULTS_DIR"
BASE_URL="http://127.0.0.1:$PORT" ADMIN_KEY="$ADMIN_KEY" ORG="$ORG" RESULTS_DIR="$RESULTS_DIR" \
  timeout 300 python3 scripts/console/browser_check.py
