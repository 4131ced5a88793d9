# Desist. The first two targets are the README's two set-up commands.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test setup assets lint typecheck migrations-check unit e2e serve clean

demo: setup assets ## Serve a seeded synthetic pilot on SQLite at http://127.0.0.1:$${PORT:-8000}
	DESIST_ENV=demo $(BIN)/desist collectstatic --noinput -v 0
	DESIST_ENV=demo $(BIN)/desist demo

# Two workers by default (CI has two cores); JOBS=0 runs in one process.
JOBS ?= 2

test: setup assets lint typecheck migrations-check ## The whole suite
	$(BIN)/pytest -p no:cacheprovider -n $(JOBS)

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $(STAMP)

assets: node_modules/.package-lock.json

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --silent

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy desist config

migrations-check: setup
	DESIST_ENV=test $(BIN)/desist makemigrations --check --dry-run

unit: setup assets
	$(BIN)/pytest -p no:cacheprovider -m "not e2e"

e2e: setup assets
	$(BIN)/pytest -p no:cacheprovider -m e2e

serve: setup assets
	DESIST_ENV=demo $(BIN)/desist serve

lock: ## Re-pin requirements.lock from pyproject.toml (needs the registry)
	rm -rf /tmp/desist-lock && $(PYTHON) -m venv /tmp/desist-lock
	/tmp/desist-lock/bin/pip install -q -e '.[dev]'
	/tmp/desist-lock/bin/pip freeze --exclude-editable | grep -v "^-e" | grep -v "^desist" > requirements.lock

clean:
	rm -rf $(VENV) node_modules staticfiles var
