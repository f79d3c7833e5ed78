#!/usr/bin/env bash
# `make run`: the development web server and a job worker (bulk prints, email, the daily digests) beside it,
# on the SQLite queue under instance/ (nothing to set up). Ctrl-C stops both.
#   scripts/run-dev.sh PORT    (FLASK: the flask command, default .venv/bin/flask --app app)
set -euo pipefail
cd "$(dirname "$0")/.."
read -r -a flask <<< "${FLASK:-.venv/bin/flask --app app}"
port=${1:-5000}

"${flask[@]}" jobs-worker &
worker=$!
stop_worker() {
  kill -TERM "$worker" 2>/dev/null || true     # what it held, its rows bring back at the next start
  wait "$worker" 2>/dev/null || true
}
trap stop_worker EXIT
"${flask[@]}" run --port "$port"
