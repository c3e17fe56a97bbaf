# One command to set up and run the flagship example, one to run every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint typecheck bench clean chromium

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

# headless Chromium for the report's browser test (Debian's package; CI runs as root). Idempotent:
# nothing to do when /usr/bin/chromium exists; without root it says so and the test skips.
chromium:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else echo "chromium is missing and installing it needs root: the browser test will skip"; fi

test: lint chromium
	$(BIN)/pytest -n 2 tests

bench: setup
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
