# Two commands do all the set-up from a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
export FLASK_APP := app

.PHONY: fuzz-release install install-dev lock run serve serve-cluster test test-postgres system-packages node-packages bench bench-meeting bench-write-path render-exports clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the locks change. requirements.txt is the runtime set (`make run`,
# `make serve`); requirements-dev.txt adds the test and benchmark tools. Both are generated from
# pyproject.toml by `make lock`, every package pinned with its hashes (pip checks them).
$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# Re-resolve the locks after a change to pyproject.toml (versions already locked are kept
# unless pyproject.toml asks for others).
UV_VERSION := 0.13.9
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)
	$(BIN)/uv pip compile pyproject.toml --extra postgres --extra serve --extra pdf \
		--generate-hashes --python $(BIN)/python --custom-compile-command "make lock" \
		-o requirements.txt
	$(BIN)/uv pip compile pyproject.toml --all-extras -c requirements.txt \
		--generate-hashes --python $(BIN)/python --custom-compile-command "make lock" \
		-o requirements-dev.txt

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --if-empty
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# Production-style serving: gunicorn (settings in gunicorn.conf.py) on PostgreSQL. The database
# named by DATABASE_URL is created if it does not exist, then migrated. See docs/deploy.md.
SERVE_DATABASE_URL = $(or $(DATABASE_URL),postgresql+psycopg://postgres@127.0.0.1:5432/drafting)

define CREATE_DATABASE
import os, sys
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
url = make_url(os.environ["DATABASE_URL"])
if url.get_backend_name() == "postgresql" and url.database:
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                 {"n": url.database}).scalar()
            if not found:
                conn.execute(text('CREATE DATABASE "' + url.database.replace('"', '""') + '"'))
                print("Created database " + url.database)
    except Exception as error:
        sys.exit("PostgreSQL at " + url.render_as_string(hide_password=True)
                 + " is not reachable: " + str(error).strip().splitlines()[0])
    finally:
        admin.dispose()
endef
export CREATE_DATABASE

# Live updates and login throttling are shared between the workers through Redis.
SERVE_REDIS_URL = $(or $(REDIS_URL),redis://127.0.0.1:6379/0)

# Beside gunicorn runs `flask scheduler` (drafting/mailer.py): every SCHEDULER_INTERVAL seconds
# it does the time-driven work (`flask tick`) and sends the e-mail due (`flask send-mail`). The
# shell starts it with its own pid ($$$$), then becomes gunicorn (exec), so that pid is gunicorn's
# master: one scheduler per server, and it stops by itself within a second of the server ending.
serve: install
	@DATABASE_URL='$(SERVE_DATABASE_URL)' $(BIN)/python -c "$$CREATE_DATABASE"
	DATABASE_URL='$(SERVE_DATABASE_URL)' $(BIN)/flask db upgrade
	export DATABASE_URL='$(SERVE_DATABASE_URL)' REDIS_URL='$(SERVE_REDIS_URL)' \
		RATELIMIT_STORAGE_URI=$${RATELIMIT_STORAGE_URI:-'$(SERVE_REDIS_URL)'}; \
		$(BIN)/flask scheduler --parent-pid $$$$ & \
		exec $(BIN)/gunicorn -c gunicorn.conf.py app:app

# Two application hosts on this machine behind HAProxy (deploy/haproxy.cfg), sharing the
# database and Redis: http://127.0.0.1:8000 is the balancer, 8001 and 8002 the hosts,
# http://127.0.0.1:8404/ HAProxy's statistics. scripts/serve-cluster.sh lists the settings.
serve-cluster: install
	@command -v haproxy >/dev/null || { echo "HAProxy is missing: run 'make system-packages'"; exit 1; }
	@DATABASE_URL='$(SERVE_DATABASE_URL)' $(BIN)/python -c "$$CREATE_DATABASE"
	DATABASE_URL='$(SERVE_DATABASE_URL)' $(BIN)/flask db upgrade
	DATABASE_URL='$(SERVE_DATABASE_URL)' REDIS_URL='$(SERVE_REDIS_URL)' \
		PYTHON=$(BIN)/python exec scripts/serve-cluster.sh

# Debian packages for exports, browser tests and the cluster (LibreOffice, poppler, Pango, fonts,
# Chromium, HAProxy).
system-packages:
	bash scripts/install-system-packages.sh

# Node packages for the test suite only (axe-core for the accessibility checks of the browser
# tests): installed from package-lock.json, again whenever the lock file changes.
node_modules/.installed: package-lock.json package.json | system-packages
	npm ci --no-audit --no-fund
	touch $@

node-packages: node_modules/.installed

# The suite runs in TEST_WORKERS processes (pytest-xdist; "auto": one per CPU), each with a
# database of its own; TEST_WORKERS=0 runs it in this process.
TEST_WORKERS ?= auto
PYTEST := $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal

test: install-dev system-packages node-packages
	$(PYTEST)

# The same suite against PostgreSQL (the run creates and drops its own database).
test-postgres: install-dev system-packages node-packages
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} \
		$(PYTEST)

# Before a release: schemathesis with 20 times CI's example budget (positive and negative
# cases, the same checks), on SQLite and PostgreSQL. docs/api.md records the last figures.
fuzz-release: install-dev
	SCHEMATHESIS_EXAMPLES=$${SCHEMATHESIS_EXAMPLES:-100} $(BIN)/python -m pytest -q -s \
		-p no:cacheprovider tests/api/test_schemathesis.py
	SCHEMATHESIS_EXAMPLES=$${SCHEMATHESIS_EXAMPLES:-100} \
		TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} \
		$(BIN)/python -m pytest -q -s -p no:cacheprovider tests/api/test_schemathesis.py

bench: install-dev
	$(BIN)/python benchmarks/bench_diff.py
	$(BIN)/python benchmarks/bench_document_page.py
	$(BIN)/python benchmarks/bench_exports.py
	$(BIN)/python benchmarks/bench_cli_startup.py
	$(BIN)/python benchmarks/bench_hostile_bodies.py

# The meeting day under the production server (docs/performance.md): gunicorn as `make serve`
# runs it, on a PostgreSQL database of its own, load from this machine's loopback only.
# Takes ~15 minutes; BENCH_ARGS narrows it, e.g. BENCH_ARGS="--only ceiling,writes".
bench-meeting: install-dev
	@command -v wrk >/dev/null || { echo "Installing wrk (Debian package)"; \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends wrk >/dev/null; }
	$(BIN)/python benchmarks/bench_meeting_day.py $(BENCH_ARGS)

# The write path (issue 17): a bare INSERT+COMMIT floor, proposals/s at 1, 3, 7, 21 writers,
# worker CPU and SQL statements per submit, and the meeting's pace — against PostgreSQL with
# gunicorn as `make serve` runs it (docs/performance.md, "Write path"). About 3 minutes;
# BENCH_ARGS adds options, e.g. BENCH_ARGS="--profile --seconds 20".
bench-write-path: install-dev
	$(BIN)/python benchmarks/bench_write_path.py $(BENCH_ARGS)

# Render every export of the demo to PNG pages (test-artifacts/exports/) for a person to look at.
render-exports: install system-packages
	$(BIN)/python scripts/render_exports.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
