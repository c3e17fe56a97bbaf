# One command to set up and run the flagship example, one to run every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint typecheck bench clean chromium axe postgresql

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: setup
	$(BIN)/accord analyze examples/gaza_ceasefire_2024.yaml

lint: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

# headless Chromium and its WebDriver for the browser tests (Debian's packages; CI runs as root).
# Idempotent: nothing to do when both exist; without root it says so and the browser tests skip.
chromium:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	else echo "chromium or chromium-driver is missing and installing needs root: the browser tests will skip"; fi

# axe-core (npm) for the pages' accessibility check, under the ignored out/node; the test fails without it
axe:
	@[ -f out/node/node_modules/axe-core/axe.min.js ] || { command -v npm >/dev/null || \
	  { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm; }; \
	  npm install --prefix out/node --no-audit --no-fund --silent axe-core@4; }

# PostgreSQL binaries (Debian's package) for the server tests, which start a throwaway server of
# their own (initdb + pg_ctl in a temporary folder). Under CI a missing PostgreSQL fails those tests.
postgresql:
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; \
	else echo "postgresql is missing and installing it needs root: the PostgreSQL server tests will skip"; fi

test: lint chromium axe postgresql
	$(BIN)/pytest -n 2 tests

bench: setup
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
