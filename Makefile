# The two commands a new user needs: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DATA   ?= data/index
export INSPECTION_ASSISTANT_DATA_DIR ?= $(DATA)
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: setup index run test lint eval real-ci eval-real bench clean

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
	$(MAKE) --no-print-directory real-ci

# The real-report scoreboards on the CI subset in the repo (data/real_ci: 27 Ofsted reports, every layout):
# what ingest reads of each report against the third party's table, how it reads their structure, then the
# Q&A set's CI items.
real-ci: setup
	$(BIN)/python -m eval.report_check --folder data/real_ci --cache test-artifacts/report-cache \
	    --fail-under council=1.0 --fail-under doc_type=1.0 --fail-under framework=0.95 \
	    --fail-under inspection_start=0.95 --fail-under inspection_end=0.9 --fail-under lead_inspector=0.95 \
	    --fail-under grades.overall_effectiveness=0.9 --fail-under grades.impact_of_leaders=0.9 \
	    --fail-under grades.help_and_protection=0.9 --fail-under grades.in_care=0.9 --fail-under grades.care_leavers=0.9
	$(BIN)/python -m eval.structure_check --folder data/real_ci --cache test-artifacts/report-cache \
	    --fail-over furniture=0.01 --fail-over no_section=0.01 --fail-over boilerplate=0.01 \
	    --fail-under judgement_graded=0.98 --fail-under judgement_sections=0.98
	$(BIN)/inspection-assistant eval --qa eval/qa/real.jsonl --only ci=true --corpus data/real_ci \
	    --out test-artifacts/eval-real-ci \
	    --fail-under correct=0.9 --fail-under report@5=0.97 --fail-under abstention_recall=0.9 \
	    --fail-under answerable_abstained=0.03 --fail-under all_cited=1.0

eval: index
	$(BIN)/inspection-assistant eval --corpus data/sample --baseline eval/baseline/sample.json

# The whole real-report set over the 240 development reports (../shared/ilacs; ~1 h on 2 cores).
ILACS ?= ../shared/ilacs
eval-real: setup
	$(BIN)/python -m eval.report_check --folder $(ILACS)
	$(BIN)/python -m eval.structure_check --folder $(ILACS)
	$(BIN)/inspection-assistant eval --qa eval/qa/real.jsonl --corpus $(ILACS) --out eval/out/real

bench: setup
	$(BIN)/python benchmarks/query.py
	$(BIN)/python benchmarks/ingest.py

clean:
	rm -rf $(DATA) test-artifacts .pytest_cache
