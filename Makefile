# Two commands for a fresh Debian machine with Python 3.11: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR ?= demo-workspace
PYTEST_ARGS ?=

.PHONY: venv demo test test-fast bench lint clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

## Build the demo workspace, run the main job and serve the web UI.
demo: venv
	$(BIN)/panhuo --workspace $(DEMO_DIR) demo --serve

## The whole suite on SQLite and on a private PostgreSQL server.
test: venv
	@PG_URL=$$(scripts/pg-test-server.sh start 2>/dev/null) || PG_URL=""; \
	if [ -z "$$PG_URL" ] && [ "$$CI" = "true" ]; then echo "PostgreSQL could not be started" >&2; exit 1; fi; \
	if [ -z "$$PG_URL" ]; then echo "note: PostgreSQL not available, its tests are skipped" >&2; fi; \
	PANHUO_TEST_PG="$$PG_URL" $(BIN)/pytest -q -p no:cacheprovider $(PYTEST_ARGS)

## Pure rule tests only (no database, no browser).
test-fast: venv
	$(BIN)/pytest -q tests/unit

## Benchmarks: writes docs/benchmarks.md.
bench: venv
	$(BIN)/python -m benchmarks

lint: venv
	$(BIN)/ruff check src tests benchmarks

clean:
	scripts/pg-test-server.sh stop
	rm -rf .pgtest $(DEMO_DIR)
