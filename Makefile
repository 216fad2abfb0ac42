# The two commands a new user needs: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DATA   ?= data/index
export INSPECTION_ASSISTANT_DATA_DIR ?= $(DATA)
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: setup index run test lint eval bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch first, explicitly: the CPU build on this disk; a plain requirement would pull a CUDA build.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

index: setup
	$(BIN)/inspection-assistant ingest data/sample

run: index
	bash scripts/ensure_ocr.sh
	$(BIN)/inspection-assistant app

test: setup
	bash scripts/ensure_chromium.sh
	bash scripts/ensure_ocr.sh
	$(BIN)/ruff check .
	$(BIN)/python eval/qa/check_sample.py
	$(BIN)/python -m pytest
	$(BIN)/inspection-assistant eval --corpus data/sample --out test-artifacts/eval \
	    --baseline eval/baseline/sample.json \
	    --fail-under recall@5=0.8 --fail-under citation_precision=0.48 --fail-under coverage=0.64 \
	    --fail-under abstention_recall=0.8 --fail-under all_cited=1.0 --fail-under answerable_abstained=0.05

eval: index
	$(BIN)/inspection-assistant eval --corpus data/sample --baseline eval/baseline/sample.json

bench: setup
	$(BIN)/python benchmarks/query.py
	$(BIN)/python benchmarks/ingest.py

clean:
	rm -rf $(DATA) test-artifacts .pytest_cache
