# OmniGen — every target sets up what it needs; `make setup` is idempotent.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export OMNIGEN_HOME ?= $(CURDIR)/.omnigen

.PHONY: setup demo test lint bench serve synth clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev,cdk]'
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	@mkdir -p out
	@for brief in examples/briefs/*.yaml; do \
	  name=$$(basename $$brief .yaml); \
	  echo "==> $$brief"; \
	  $(BIN)/omnigen generate $$brief -o out/$$name.mp4 || exit 1; \
	done
	@echo "Ads written to out/"

lint: setup
	$(BIN)/ruff check .

test: setup lint
	$(BIN)/python -m pytest -q -p no:cacheprovider tests

bench: setup
	$(BIN)/python bench/compose.py
	$(BIN)/python bench/generate.py

serve: setup
	$(BIN)/omnigen serve

clean:
	rm -rf $(VENV) out .omnigen cdk.out
