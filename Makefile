# resolver: quick start is `make demo` and `make test` on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: venv demo test lint format model bench bench-smoke clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*; touch $(STAMP)

venv: $(STAMP)

## demo: generate a small sample of trade records, dedupe it with the shipped model, score it
demo: venv
	$(BIN)/resolver synth --entities 400 --seed 7 --out demo/data --overwrite
	$(BIN)/resolver dedupe demo/data/parties.csv --out demo/out --overwrite
	$(BIN)/resolver evaluate demo/out/clusters.csv --truth demo/data/truth.csv
	@echo "demo outputs: demo/out/ (clusters.csv, entities.csv, pairs.parquet, summary.json)"

## test: lint and run the test suite
test: venv lint
	$(BIN)/python -m pytest

lint: venv
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

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
