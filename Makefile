# resolver: quick start is `make demo` and `make test` on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
CKSUM  := $(shell cat pyproject.toml | cksum | cut -d' ' -f1)
# two install levels: the demo needs only resolver's own dependencies (binary wheels, no
# compiler); the tests add the dev extras (pytest, ruff, pyspark, rigour)
RUN_STAMP := $(VENV)/.installed-run-$(CKSUM)
DEV_STAMP := $(VENV)/.installed-dev-$(CKSUM)

.PHONY: venv venv-run demo test lint format model bench bench-smoke browser java screenshot clean

$(RUN_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --only-binary :all: -e .
	rm -f $(VENV)/.installed-run-*; touch $(RUN_STAMP)

$(DEV_STAMP): $(RUN_STAMP)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-dev-*; touch $(DEV_STAMP)

venv-run: $(RUN_STAMP)

venv: $(DEV_STAMP)

## demo: generate a small sample of trade records, dedupe it with the shipped model, score it,
## screen its entities against the generated watch list
demo: venv-run
	$(BIN)/resolver synth --entities 400 --seed 7 --out demo/data --overwrite
	$(BIN)/resolver dedupe demo/data/parties.csv --out demo/out --overwrite
	$(BIN)/resolver evaluate demo/out/clusters.csv --truth demo/data/truth.csv
	$(BIN)/resolver screen demo/out --list demo/data/list.csv --out demo/screen --overwrite
	@echo "demo outputs: demo/out/ (report.html, clusters.csv, entities.csv, links.csv, pairs.parquet, summary.json) and demo/screen/ (report.html, matches.csv, entity_matches.csv); explain a pair: .venv/bin/resolver explain demo/out ID1 ID2"

## test: lint and run the test suite
test: venv lint browser java
	$(BIN)/python -m pytest

lint: venv
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

## browser: Chromium (Debian package) for the report tests; they are skipped, with a message,
## where it cannot be installed (not root and no password-less sudo, or no apt-get)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo "sudo -n")
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1 || \
	  ($(SUDO) apt-get update -q >/dev/null 2>&1 && \
	   $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1) || \
	  echo "make browser: could not install chromium with apt-get: the report's browser tests will be skipped"

## java: a Java 17 runtime (Debian package) for the Spark tests (pyspark 4 needs Java 17+); they
## are skipped, with a message, where it cannot be installed
java:
	@command -v java >/dev/null 2>&1 || \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q openjdk-17-jre-headless >/dev/null 2>&1 || \
	  ($(SUDO) apt-get update -q >/dev/null 2>&1 && \
	   $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q openjdk-17-jre-headless >/dev/null 2>&1) || \
	  echo "make java: could not install openjdk-17-jre-headless with apt-get: the Spark tests will be skipped"

format: venv
	$(BIN)/ruff format src tests benchmarks scripts
	$(BIN)/ruff check --fix src tests benchmarks scripts

## model: rebuild the shipped default model: m and u measured on labelled data (generated,
## fixed seed, and the dev halves of ../shared/data); see scripts/build_model.py
model: venv
	$(BIN)/python scripts/build_model.py --out models/default.json

## bench: quality and speed benchmarks; writes benchmarks/results/*.json and benchmarks/RESULTS.md
bench: venv
	$(BIN)/python -m benchmarks.run_all

clean:
	rm -rf demo build .pytest_cache .ruff_cache
