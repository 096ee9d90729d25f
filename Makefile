# Attain: `make demo` sets everything up and serves the demo company; `make test` checks it all.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install demo demo-reset serve test lint bench docs screenshots clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

demo: install  ## load, calculate and serve the demo company on http://127.0.0.1:8000
	$(BIN)/attain demo

demo-reset: install  ## throw the local stores away and build the demo again
	$(BIN)/attain demo --reset

serve: install
	$(BIN)/attain serve

test: install  ## ruff, mypy and the whole suite on SQLite+DuckDB and on PostgreSQL
	scripts/test

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

bench: install  ## every benchmark, with its baseline in the same run
	$(BIN)/python -m benchmarks.run

docs: install  ## regenerate the generated reference pages
	$(BIN)/attain docs

screenshots: install  ## retake docs/screenshots/ from the browser journeys
	ATTAIN_SCREENSHOTS=docs/screenshots ATTAIN_TASKS=immediate DJANGO_ALLOW_ASYNC_UNSAFE=true \
	  ATTAIN_SECRET_KEY=screenshots ATTAIN_VAR_DIR=$$(mktemp -d) $(BIN)/pytest -p no:cacheprovider tests/e2e

clean:
	rm -rf var $(VENV)
