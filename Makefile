# Two commands do all the set-up from a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
export FLASK_APP := app

.PHONY: install run test test-postgres system-packages bench render-exports clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when requirements change.
$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --if-empty
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# Debian packages for exports and browser tests (LibreOffice, poppler, Pango, fonts, Chromium).
system-packages:
	bash scripts/install-system-packages.sh

test: install system-packages
	$(BIN)/python -m pytest

# The same suite against PostgreSQL (the run creates and drops its own database).
test-postgres: install system-packages
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} \
		$(BIN)/python -m pytest

bench: install
	$(BIN)/python benchmarks/bench_diff.py
	$(BIN)/python benchmarks/bench_document_page.py

# Render every export of the demo to PNG pages (test-artifacts/exports/) for a person to look at.
render-exports: install system-packages
	$(BIN)/python scripts/render_exports.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
