# tricloud: the two set-up commands are `make demo` and `make test`; both install what they need.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PATH := $(CURDIR)/$(BIN):$(CURDIR)/node_modules/.bin:$(PATH)
# actionlint runs where its package can be built (see pyproject's `workflows` extra): always on
# GitHub Actions, elsewhere with ACTIONLINT=1.
ACTIONLINT ?= $(if $(filter true,$(GITHUB_ACTIONS)),1)

.PHONY: help install browser demo test lint typecheck unit synth cfn-lint bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json $(wildcard patches/*.patch)
	npm ci --no-audit --no-fund
	touch $@

install: $(BIN)/.installed node_modules/.installed ## Create .venv and node_modules

$(BIN)/.actionlint: pyproject.toml $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev,workflows]'
	touch $@

browser: ## Install Debian's Chromium for the browser tests (when missing)
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; }

demo: install ## Run the whole app offline on http://127.0.0.1:$(PORT)
	$(BIN)/tricloud demo --port $(PORT)

lint: install $(if $(ACTIONLINT),$(BIN)/.actionlint) ## ruff, the workflows (schema, actionlint) and their scripts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(BIN)/shellcheck .github/scripts/*.sh
	$(if $(ACTIONLINT),$(BIN)/actionlint,@echo "actionlint: skipped here; ACTIONLINT=1 installs and runs it (GitHub Actions always does)")

typecheck: install ## mypy --strict
	$(BIN)/mypy

unit: install browser ## pytest: every test
	$(BIN)/pytest

synth: install ## cdk synth (with cdk-nag) into cdk.out/
	npx cdk synth --quiet

cfn-lint: synth ## cfn-lint on the synthesized templates
	$(BIN)/cfn-lint --ignore-checks W3005 -- cdk.out/*.template.json  # W3005: CDK's redundant DependsOn

test: lint typecheck unit cfn-lint ## Everything CI runs: lint, types, tests, synth + cdk-nag, cfn-lint

bench: install ## Performance numbers into bench/results/
	$(BIN)/python -m bench

clean: ## Remove build outputs (keeps .venv and node_modules)
	rm -rf cdk.out build .pytest_cache .mypy_cache .ruff_cache test-output
