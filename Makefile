# SkillPass — `make run` starts it with demo data on SQLite; `make test` runs every test.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app app
PORT ?= 5000

.PHONY: setup run test test-sqlite test-postgres system-deps clean bench bench-quick bench-smoke load load-smoke audit

# The interpreter's bundled pip and setuptools carry known advisories: the virtual environment gets these.
PIP_VERSION := 26.3
SETUPTOOLS_VERSION := 84.2.1
PIP_AUDIT_VERSION := 2.10.1

setup: $(VENV)/.installed node_modules/.installed static/vendor/.built

$(VENV)/.installed: requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check pip==$(PIP_VERSION) setuptools==$(SETUPTOOLS_VERSION)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/vendor/.built: node_modules/.installed scripts/build_assets.py
	$(PY) scripts/build_assets.py
	touch $@

# Debian packages WeasyPrint, the browser tests and the PostgreSQL tests need (root, or sudo).
system-deps:
	bash scripts/system-deps.sh

run: setup
	mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	FLASK="$(FLASK)" bash scripts/run-dev.sh $(PORT)

test: setup
	bash scripts/test.sh

test-sqlite: setup
	$(PY) -m pytest

test-postgres: setup
	bash scripts/with-postgres.sh $(PY) -m pytest -m "not e2e"

# Before each release (needs the advisory services on the internet, so not in CI here): known
# vulnerabilities in the pinned Python packages and in the front-end packages that are served.
audit: setup
	$(PY) -m pip install --quiet --disable-pip-version-check pip-audit==$(PIP_AUDIT_VERSION)
	$(VENV)/bin/pip-audit --requirement requirements.txt
	npm audit --omit=dev

clean:
	rm -rf $(VENV) node_modules static/vendor .pytest_cache

# The benchmark of the largest trusts (30,000 people, 360 teams, ~3.9 million entries) on SQLite and PostgreSQL;
# writes bench/RESULTS.md. It takes a while (each step says so on stderr).
bench: setup
	bash scripts/with-postgres.sh $(PY) -m bench.run $(BENCH_ARGS)

# The quick run: the same at 5,000 people (~645,000 entries).
bench-quick: setup
	bash scripts/with-postgres.sh $(PY) -m bench.run --people 5000 $(BENCH_ARGS)

# A tiny run of the same benchmark, so it cannot rot (CI runs it).
bench-smoke: setup
	bash scripts/with-postgres.sh $(PY) -m bench.run --people 50 --repeat 2 --load-seconds 1 --output /tmp/skillpass-bench-smoke.md

# 50 simulated people for 60 s against two gunicorn web servers (behind bench/proxy.py) and the job worker on one
# PostgreSQL, one web server and the worker restarted under them, then PostgreSQL; every entry and bulk print
# checked afterwards against what they did.
load: setup
	SKILLPASS_PG_DURABLE=1 bash scripts/with-postgres.sh $(PY) -m bench.load --web 2 --restart-web --restart-worker $(LOAD_ARGS)

# The same, shortened (CI runs it).
load-smoke: setup
	SKILLPASS_PG_DURABLE=1 bash scripts/with-postgres.sh $(PY) -m bench.load --web 2 --restart-web --restart-worker --users 20 --seconds 15 --fault-seconds 12 --printers 1

# The README's screenshots (docs/screenshots/), taken by the browser tests themselves at phone width.
.PHONY: screenshots
screenshots: setup
	SKILLPASS_SCREENSHOTS=1 $(PY) -m pytest -q -p no:cacheprovider -m e2e tests/e2e
