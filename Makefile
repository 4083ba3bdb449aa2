# collabstate: every target sets up what it needs on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PYTEST_WORKERS ?= 2

.PHONY: setup system-deps report-deps demo check test test-postgres bench loadtest serve clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

system-deps:
	bash scripts/install-system-deps.sh

report-deps:
	bash scripts/install-report-deps.sh

demo: setup report-deps
	$(BIN)/collabstate demo --out demo-output

# Lint (ruff, the rules in pyproject.toml), format (ruff format --check) and types (mypy, with the Django plugin).
check: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

test: setup system-deps report-deps
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -q

# The web tests again on PostgreSQL (a local cluster from Debian's packages, as the load test uses).
test-postgres: setup system-deps report-deps
	DATABASE_URL=$$(bash scripts/install-postgres.sh | sed -n 's/^DATABASE_URL=//p') && test -n "$$DATABASE_URL" \
		&& DATABASE_URL=$$DATABASE_URL $(BIN)/python -m pytest -n $(PYTEST_WORKERS) -q tests/web

bench: setup system-deps report-deps
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python benchmarks/run.py

loadtest: setup
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python benchmarks/loadtest.py

serve: setup
	$(BIN)/collabstate serve --port $(or $(PORT),8000)

clean:
	rm -rf $(VENV) demo-output .bench .pytest_cache .hypothesis node_modules var
