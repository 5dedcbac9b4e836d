# Two commands do all the set-up on a fresh clone:
#   make demo   — create .venv, install, run the annual job on the bundled demo district (SQLite)
#   make test   — create .venv, install with test tools, run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The suite on both cores (pytest-xdist): ≈ 8 minutes on 2 cores with the slow tests; PYTEST_ARGS="-n 0" runs it in one process.
PYTEST_ARGS ?= -n 2

.PHONY: demo test lint bench bench-annual bench-parse bench-validate bench-load demo-data postgres browser screenshot clean help

help:
	@echo "make demo        run the annual job on the bundled demo district (SQLite under ./data)"
	@echo "make test        run the test suite (starts PostgreSQL first if it is down)"
	@echo "make lint        ruff"
	@echo "make bench       all benchmarks (parse, validate, load)"
	@echo "make demo-data   regenerate the bundled demo submissions"
	@echo "make screenshot  run the demo and write a full-page PNG of the published district page"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/pipeline run --year 2021

test: $(STAMP) postgres browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src flows schemas tests benchmarks scripts

postgres:
	@bash scripts/ensure-postgres.sh || true

browser:  # headless Chromium + chromedriver + a CJK font from Debian's packages (apt-get as root)
	@bash scripts/ensure-browser.sh || true

screenshot: demo browser
	$(BIN)/python scripts/screenshot_report.py

bench: bench-parse bench-validate bench-load

bench-annual: $(STAMP) postgres  # BENCH_ARGS="--sizes 1000,10000,100000 --dbs postgres --json bench.json"
	$(BIN)/python benchmarks/annual_bench.py $(BENCH_ARGS)

bench-parse: $(STAMP)
	$(BIN)/python benchmarks/parse_bench.py

bench-validate: $(STAMP)
	$(BIN)/python benchmarks/validate_bench.py

bench-load: $(STAMP) postgres
	$(BIN)/python benchmarks/load_bench.py

demo-data: $(STAMP)
	$(BIN)/python scripts/make_demo_data.py

clean:
	rm -rf data .pytest_cache .ruff_cache
