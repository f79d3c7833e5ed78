#!/usr/bin/env bash
# Every test: the whole suite on SQLite (browser tests included), then the
# suite again on a throwaway PostgreSQL server on loopback.
# Nothing is skipped: without Chromium the browser tests fail, and without the
# PostgreSQL server binaries this script fails. `make system-deps` installs both.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
# One pytest worker per core (pytest-xdist); each test has its own database either way.
WORKERS=${PYTEST_WORKERS:-auto}

echo "== Static security check (bandit): the application code"
.venv/bin/bandit -r skillpass -q

echo "== SQLite: every test, browser tests included"
"$PY" -m pytest -n "$WORKERS"

if bash scripts/with-postgres.sh --check; then
  echo "== PostgreSQL: every test but the browser ones"
  bash scripts/with-postgres.sh "$PY" -m pytest -n "$WORKERS" -m "not e2e" -p no:cacheprovider
else
  echo "The PostgreSQL server binaries are missing: run 'make system-deps' (Debian), then 'make test' again." >&2
  exit 1
fi
