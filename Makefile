# Two commands matter: `make qa` (run the pipeline on the sample) and `make test`.
# Both create .venv and (re)install the project when it is missing or pyproject.toml changed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
CONFIG ?= qa.toml
OUT    ?= reports

.PHONY: qa test lint bench bench-scale docs clean venv

venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "sfia-qa needs Python 3.11 or newer (PYTHON=$(PYTHON))")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

qa: $(STAMP)
	@$(BIN)/sfia-qa run --config $(CONFIG) --out $(OUT) --fail-on never
	@echo "Report: $(abspath $(OUT))/index.html"

test: $(STAMP)
	@$(BIN)/python -m pytest -q

lint: $(STAMP)
	@$(BIN)/ruff check pipeline tests benchmarks
	@$(BIN)/mypy

docs: $(STAMP)
	@$(BIN)/python -m pipeline.checks.docs

bench: $(STAMP)
	@$(BIN)/python benchmarks/score_bench.py

bench-scale: $(STAMP)
	@$(BIN)/python benchmarks/scale_bench.py --rerun

clean:
	rm -rf $(VENV) $(OUT)/*.html $(OUT)/*.csv $(OUT)/*.jsonl $(OUT)/*.json $(OUT)/*.xml $(OUT)/*.md $(OUT)/*.xlsx \
	       $(OUT)/lang-*/ $(OUT)/drafts/ $(OUT)/.sfia-qa-manifest.json .sfia-qa-cache/
