# The two commands: `make run` (serve the demo at http://127.0.0.1:8000) and
# `make test` (the whole suite). Both set everything up from a bare clone.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
PY := .venv/bin/python
export UV_PROJECT_ENVIRONMENT := .venv

.PHONY: run test setup browser lint bench ci-checks demo clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install -q "uv==$(UV_VERSION)"

.venv/.synced: $(UV) uv.lock pyproject.toml
	$(UV) sync --frozen --python "$$($(PYTHON) -c 'import sys; print(sys.executable)')"
	touch .venv/.synced

setup: .venv/.synced

# Debian's Chromium (and a CJK font) for the browser tests; never a downloaded browser.
browser:
	@command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi wenquanyi || { \
	  echo "installing chromium and fonts-wqy-microhei (Debian packages)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; }

run: setup
	$(PY) manage.py migrate --no-input -v0
	$(PY) manage.py seed_demo --if-empty --members 300
	@echo "先锋 is at http://127.0.0.1:8000  (accounts: see README.md)"
	$(PY) manage.py runserver 127.0.0.1:8000

test: setup browser
	$(PY) -m pytest -q -n 2 $(PYTEST_ARGS)

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	.venv/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run
	DJANGO_ENV=production SECRET_KEY=ci-only-$$(head -c 96 /dev/urandom | base64 | tr -dc A-Za-z0-9 | head -c 80) ALLOWED_HOSTS=vanguard.example \
	  $(PY) manage.py check --deploy --fail-level WARNING

bench: setup
	$(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf .venv .tools var staticfiles
