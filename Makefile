# Desist. The first two targets are the README's two set-up commands.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: demo test setup setup-dev assets lint typecheck migrations-check unit e2e serve clean lock image-env

demo: setup assets ## Serve a seeded synthetic pilot on SQLite at http://127.0.0.1:$${PORT:-8000}
	DESIST_ENV=demo $(BIN)/desist collectstatic --noinput -v 0
	DESIST_ENV=demo $(BIN)/desist demo --no-serve
	# The background jobs (alerts, e-mail, evaluation runs) in a worker beside the server.
	DESIST_ENV=demo $(BIN)/desist worker --with-scheduler -v 0 & W=$$!; \
	  trap 'kill $$W 2>/dev/null' EXIT INT TERM; DESIST_ENV=demo $(BIN)/desist serve

# Two workers by default (CI has two cores); JOBS=0 runs in one process.
JOBS ?= 2

test: setup-dev assets lint typecheck migrations-check ## The whole suite
	$(BIN)/pytest -p no:cacheprovider -n $(JOBS)

# The runtime pins only (what `make demo` and the Dockerfile need); setup-dev adds the test tools.
setup: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $(STAMP)

setup-dev: $(DEV_STAMP)

$(DEV_STAMP): $(STAMP) requirements-dev.lock
	$(BIN)/pip install -q -r requirements-dev.lock
	touch $(DEV_STAMP)

assets: node_modules/.package-lock.json

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --silent

lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup-dev
	$(BIN)/mypy desist config

migrations-check: setup
	DESIST_ENV=test $(BIN)/desist makemigrations --check --dry-run

unit: setup-dev assets
	$(BIN)/pytest -p no:cacheprovider -m "not e2e"

e2e: setup-dev assets
	$(BIN)/pytest -p no:cacheprovider -m e2e

serve: setup assets
	DESIST_ENV=demo $(BIN)/desist serve

lock: ## Re-pin requirements.lock (runtime) and requirements-dev.lock from pyproject.toml (needs the registry)
	rm -rf /tmp/desist-lock && $(PYTHON) -m venv /tmp/desist-lock
	/tmp/desist-lock/bin/pip install -q .
	/tmp/desist-lock/bin/pip freeze --exclude-editable | grep -v "^desist" > requirements.lock
	/tmp/desist-lock/bin/pip install -q -c requirements.lock '.[dev]'
	( echo "# Test and development tools, on top of the runtime pins (\`make lock\` writes both files)."; \
	  echo "-r requirements.lock"; \
	  /tmp/desist-lock/bin/pip freeze --exclude-editable | grep -v "^desist" | grep -vxF -f requirements.lock ) > requirements-dev.lock

# Builds the container image's Python environment from the runtime lock in a fresh venv and
# imports the app (no container engine needed; docs/operations.md).
image-env:
	scripts/check-image-env.sh

clean:
	rm -rf $(VENV) node_modules staticfiles var
