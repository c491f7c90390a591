# OmniGen — every target sets up what it needs; `make setup` is idempotent.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export OMNIGEN_HOME ?= $(CURDIR)/.omnigen

WEB_STAMP := frontend/dist/index.html
CHROMIUM := /usr/bin/chromium
TESSERACT := /usr/bin/tesseract
TESS_ENG := /usr/share/tesseract-ocr/5/tessdata/eng.traineddata

.PHONY: setup web demo test lint types bench soak serve synth smoke clean browser ocr

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev,cdk]'
	touch $(STAMP)

# The web app is built when its sources change (npm ci is skipped when the lock file has not).
frontend/node_modules/.package-lock.json: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error

$(WEB_STAMP): frontend/node_modules/.package-lock.json $(shell find frontend/src frontend/index.html frontend/vite.config.ts -type f 2>/dev/null)
	cd frontend && npm run build --silent

web: $(if $(wildcard frontend/package.json),$(WEB_STAMP),)

setup: $(STAMP) web ocr

# Debian's Tesseract and its English data, for the post-render QC (pytesseract drives it).
$(TESSERACT) $(TESS_ENG):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr tesseract-ocr-eng >/dev/null

ocr: $(TESSERACT) $(TESS_ENG)

# Debian's Chromium for the browser tests (never a browser a tool downloads itself).
$(CHROMIUM):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

browser: $(CHROMIUM)

demo: setup
	@mkdir -p out
	@for brief in examples/briefs/*.yaml; do \
	  name=$$(basename $$brief .yaml); \
	  echo "==> $$brief"; \
	  $(BIN)/omnigen generate $$brief -o out/$$name.mp4 || exit 1; \
	done
	@echo "Ads written to out/"

# The web app's API types are generated from the server's OpenAPI schema: `make types` writes
# frontend/openapi.json and frontend/src/lib/api-schema.ts (commit both); lint fails when either
# differs from what the API makes now.
API_TYPES := $(BIN)/python frontend/scripts/api_types.py

types: $(STAMP) frontend/node_modules/.package-lock.json
	$(API_TYPES)

# ruff, the architecture's import contracts (pyproject.toml [tool.importlinter]), the API types.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(API_TYPES) --check

test: setup lint browser
	$(if $(wildcard frontend/package.json),cd frontend && npm test --silent,)
	$(BIN)/python -m pytest -q -p no:cacheprovider tests

# A bounded loopback soak: jobs at once, hostile requests, random SIGKILLs of workers, ffmpeg and
# the server with restarts; fails on any lost or stuck job, orphan process or scratch left
# (README's reliability section). Not part of `make test`: it runs for minutes by design.
SOAK_MINUTES ?= 3
soak: setup
	$(BIN)/python bench/soak.py --minutes $(SOAK_MINUTES)

bench: setup
	$(BIN)/python bench/compose.py
	$(BIN)/python bench/generate.py
	$(BIN)/python bench/pipeline.py
	$(BIN)/python bench/api.py --runs 5

# Synthesizes the CloudFormation templates offline (no AWS account, no Docker: the media image
# is built by `cdk deploy`).
synth: setup
	CDK_OUTDIR=cdk.out $(BIN)/python app.py

# Post-deploy check of a stack: health, auth refusal, a local-providers job. The target is the
# ApiUrl output of the stack (AWS credentials of the shell), or SMOKE_ARGS="--url ... --token ...".
smoke: setup
	$(BIN)/python ops/smoke.py $(SMOKE_ARGS)

serve: setup
	$(BIN)/omnigen serve

clean:
	rm -rf $(VENV) out .omnigen cdk.out
