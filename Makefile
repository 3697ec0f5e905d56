# Developer entry points. Run `make` (or `make help`) for the list.
# Works on a fresh checkout: `make venv` creates .venv with python3 and installs requirements-dev.txt.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUFF := $(VENV)/bin/ruff
STAMP := $(VENV)/.installed
PORT ?= 8000
PYTEST_ARGS ?=
TEST_SETTINGS := config.settings.test
PG_PROBE_URL := postgres://postgres@127.0.0.1:5432/postgres
PG_TEST_URL := postgres://postgres@127.0.0.1:5432/casework_test

.PHONY: help venv run test lint fmt migrate seed clean

help: ## Show this list of targets
	@echo "Usage: make <target> [PORT=8000] [PYTEST_ARGS='-k name']"
	@echo
	@awk 'BEGIN {FS = ":[^#]*## "} /^[a-zA-Z_-]+:[^#]*## / {printf "  %-9s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

venv: $(STAMP) ## Create .venv (if missing) and install requirements-dev.txt when requirements change

$(PY):
	@$(PYTHON) -m venv $(VENV) || { \
		echo "Could not create $(VENV). On Debian/Ubuntu: apt-get install python3-venv" >&2; \
		rm -rf $(VENV); exit 1; }

$(STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements-dev.txt
	@touch $@

run: venv ## Migrate, seed demo data and serve on http://127.0.0.1:PORT (default 8000; SQLite unless DATABASE_URL)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py workflow_timers
	$(PY) manage.py scan_obligations
	$(PY) manage.py refresh_figures
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: venv ## Run pytest on PostgreSQL (DATABASE_URL or server on 127.0.0.1:5432), else SQLite
	@set -e; \
	mask() { sed -E 's#(://[^:/@]*):[^@]*@#\1:***@#'; }; \
	if [ -n "$${DATABASE_URL:-}" ]; then \
		echo "Tests run against PostgreSQL ($$(printf '%s' "$$DATABASE_URL" | mask), from DATABASE_URL)"; \
	else \
		probe=1; \
		$(PY) -c "import psycopg" 2>/dev/null && probe=0; \
		if [ $$probe = 0 ]; then \
			$(PY) -c "import psycopg; psycopg.connect('$(PG_PROBE_URL)', connect_timeout=2).close()" \
				>/dev/null 2>&1 && found=1 || found=0; \
		else \
			command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432 -t 2 && found=1 || found=0; \
		fi; \
		if [ $$found = 1 ]; then \
			export DATABASE_URL='$(PG_TEST_URL)'; \
			echo "Tests run against PostgreSQL ($$DATABASE_URL, server found on 127.0.0.1:5432)"; \
		else \
			unset DATABASE_URL; \
			echo "Tests run against SQLite (no PostgreSQL found)"; \
		fi; \
	fi; \
	export DJANGO_SETTINGS_MODULE=$(TEST_SETTINGS); \
	$(PY) -m pytest $(PYTEST_ARGS)

lint: venv ## ruff check, ruff format --check, makemigrations --check
	$(RUFF) check .
	$(RUFF) format --check .
	DJANGO_SETTINGS_MODULE=$(TEST_SETTINGS) $(PY) manage.py makemigrations --check --dry-run

fmt: venv ## Format and autofix with ruff
	$(RUFF) format .
	$(RUFF) check --fix .

migrate: venv ## Apply database migrations
	$(PY) manage.py migrate --noinput

seed: migrate ## Load demo data (prints demo accounts)
	$(PY) manage.py seed_demo

clean: ## Remove caches and test artifacts (keeps .venv and db.sqlite3)
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache .hypothesis test-artifacts staticfiles bench-*.json
