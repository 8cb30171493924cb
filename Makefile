# Two commands on a fresh machine: `make run` and `make test` (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT
# Links in e-mails point at this server unless SITE_URL says otherwise.
SITE_URL ?= http://localhost:$(PORT)
export SITE_URL

# Django 6.1 needs Python >= 3.12. Plain python3 may be older (3.11 on our machines), so try
# the versioned names and pyenv's installs; say clearly when there is none.
PYTHON_CANDIDATES := python3.13 python3.12 $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3) $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3) python3
find_python = $(firstword $(foreach p,$(PYTHON_CANDIDATES),$(shell $(p) -c 'import sys; print("$(p)") if sys.version_info >= (3, 12) else None' 2>/dev/null)))

.PHONY: help venv install install-test run test lint format migrate seed browser-deps services-test check-deploy messages clean

help:
	@echo "make run    install everything and run web + Celery worker + beat with demo data (SQLite)"
	@echo "make test   install test dependencies, run ruff and the whole test suite"

$(VENV)/.created:
	@PYBIN="$(call find_python)"; \
	if [ -z "$$PYBIN" ]; then echo "ERROR: Python >= 3.12 is required (Django 6.1). Install python3.12 or python3.13." >&2; exit 1; fi; \
	echo "Using $$PYBIN ($$($$PYBIN --version))"; \
	$$PYBIN -m venv $(VENV) && $(PY) -m pip install -q --upgrade pip
	@touch $@

$(VENV)/.installed: $(VENV)/.created pyproject.toml
	$(PY) -m pip install -q -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install -q -e ".[test]"
	@touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

messages: install
	@if command -v msgfmt >/dev/null; then $(PY) manage.py compilemessages -v0 --ignore=.venv; else echo "msgfmt missing: using the committed .mo files"; fi

migrate: install
	$(PY) manage.py migrate --no-input -v0

seed: migrate
	$(PY) manage.py rewards_demo_program
	$(PY) manage.py seed_demo

run: install messages seed
	$(PY) manage.py collectstatic --no-input -v0
	@echo ""
	@echo "  Help Community is starting on http://localhost:$(PORT)/"
	@echo "  Demo logins (password for all: demo-password-1):"
	@echo "    customer:  anna@example.com     expert: max@example.com"
	@echo "    moderator: mod@example.com      admin:  admin@example.com (also /admin/)"
	@echo ""
	$(VENV)/bin/honcho -f Procfile start

lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-test
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Debian's Chromium for the browser tests (never a downloaded browser). Needs root or sudo.
browser-deps:
	@command -v chromium >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null \
	  || echo "WARNING: could not install Chromium: browser tests will be skipped"; }

test: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_ENV=test $(PY) manage.py makemigrations --check --dry-run -v0
	DJANGO_ENV=test $(VENV)/bin/pytest $(PYTEST_ARGS)

check-deploy: install
	DJANGO_ENV=production DJANGO_SECRET_KEY=check-deploy-$$(head -c 32 /dev/urandom | base64 | tr -dc A-Za-z0-9) \
	  DJANGO_ALLOWED_HOSTS=community.example.com DATABASE_URL=postgres://u:p@localhost/db \
	  $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache
