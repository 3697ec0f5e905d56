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

.PHONY: help venv run dev test test-sqlite setup lint fmt migrate seed clean

help: ## Show this list of targets
	@echo "Usage: make <target> [PORT=8000] [PYTEST_ARGS='-k name']"
	@echo
	@awk 'BEGIN {FS = ":[^#]*## "} /^[a-zA-Z_-]+:[^#]*## / {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

venv: $(STAMP) ## Create .venv (if missing) and install requirements-dev.txt when requirements change

$(PY):
	@$(PYTHON) -m venv $(VENV) || { \
		echo "Could not create $(VENV). On Debian/Ubuntu: apt-get install python3-venv" >&2; \
		rm -rf $(VENV); exit 1; }

$(STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements-dev.txt
	@touch $@

run: seed ## The demo as users see it (DEBUG off, SQLite unless DATABASE_URL) on http://127.0.0.1:PORT
	@scripts/setup-system --pdf || echo "make run: the monthly report PDF will not render until the part above is installed" >&2
	DEBUG=false WHITENOISE_USE_FINDERS=true CELERY_TASK_ALWAYS_EAGER=$${CELERY_TASK_ALWAYS_EAGER:-true} $(PY) manage.py runserver --noreload 127.0.0.1:$(PORT)

dev: seed ## Auto-reloading debug server (DEBUG on) for developers on http://127.0.0.1:PORT, same data as run
	DEBUG=true CELERY_TASK_ALWAYS_EAGER=$${CELERY_TASK_ALWAYS_EAGER:-true} $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: ## Set up the system (scripts/setup-system), then the suite on PostgreSQL and again on SQLite
	@scripts/setup-system; setup=$$?; \
	$(MAKE) --no-print-directory venv || exit 1; \
	PY=$(PY) PYTEST_ARGS="$(PYTEST_ARGS)" scripts/test-suite postgres sqlite; tests=$$?; \
	if [ $$setup -ne 0 ]; then \
		echo "make test: the system set-up is incomplete (the MISSING lines at the top say what and why)" >&2; \
		exit 1; \
	fi; \
	exit $$tests

test-sqlite: venv ## Only the SQLite pass (every test not marked postgres), on DATABASE_URL if it is sqlite://
	@PY=$(PY) PYTEST_ARGS="$(PYTEST_ARGS)" scripts/test-suite sqlite

setup: ## Install or start the system parts: PostgreSQL, Redis, Chromium, pango, CJK font, poppler
	@scripts/setup-system

lint: venv ## ruff check, ruff format --check, the import contracts (import-linter), makemigrations --check
	$(RUFF) check .
	$(RUFF) format --check .
	$(VENV)/bin/lint-imports
	DJANGO_SETTINGS_MODULE=$(TEST_SETTINGS) $(PY) manage.py makemigrations --check --dry-run

fmt: venv ## Format and autofix with ruff
	$(RUFF) format .
	$(RUFF) check --fix .

migrate: venv ## Apply database migrations
	$(PY) manage.py migrate --noinput

seed: migrate ## Load demo data (prints demo accounts), fire timers, run the daily scan and figures
	$(PY) manage.py seed_demo
	$(PY) manage.py workflow_timers
	$(PY) manage.py scan_obligations
	$(PY) manage.py refresh_figures
	$(PY) manage.py access_log_partitions

clean: ## Remove caches and test artifacts (keeps .venv and db.sqlite3)
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache .hypothesis test-artifacts staticfiles bench-*.json
