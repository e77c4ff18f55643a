# Two commands do all set-up: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: install run test lint bench-aggregates bench-exports bench-http clean-local

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

# Site on http://127.0.0.1:8000 with a Celery worker and beat. Uses DATABASE_URL / REDIS_URL when set,
# otherwise a project-local PostgreSQL and Redis under .local/ (stopped on Ctrl-C).
run: install
	$(PY) scripts/stack.py run

# ruff, mypy, makemigrations --check and pytest on PostgreSQL with Redis. Uses DATABASE_URL / REDIS_URL when set,
# else the machine's PostgreSQL and Redis on 127.0.0.1 when this machine has them (started if down),
# else the project-local ones. SERVICES=embedded forces the project-local ones.
test: install browser
	$(PY) scripts/stack.py test $(PYTEST_ARGS)

# Debian's Chromium and ChromeDriver for the browser tests (tests/browser). Installed when missing and root;
# without them those tests are skipped with a reason, never a downloaded browser.
browser:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null \
	      || echo "make: could not install chromium; the browser tests will be skipped"; \
	  else echo "make: chromium and chromium-driver are missing; the browser tests will be skipped"; fi; \
	fi

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# A 200,000-row headcount CSV through the import service against COPY and django-import-export: rows/s,
# ratios and peak RSS (BENCH_ARGS="--import-export-rows 20000" shortens the slow django-import-export run).
.PHONY: bench-imports
bench-imports: install
	$(PY) scripts/stack.py bench bench/imports.py $(BENCH_ARGS)

# Stop the project-local PostgreSQL and Redis and delete their data.
clean-local:
	-$(PY) scripts/stack.py stop
	rm -rf .local

# Benchmarks on PostgreSQL and Redis (the same servers as `make test`); results go in BENCHMARKS.md.
bench-aggregates: install
	$(PY) scripts/stack.py bench bench/aggregates.py $(BENCH_ARGS)

# Streamed CSV export of ~1,000,000 headcounts: rows/s and peak RSS against COPY in the same run.
bench-exports: install
	$(PY) scripts/stack.py bench bench/exports.py $(BENCH_ARGS)

# 20 concurrent clients against gunicorn on the dashboard, Kerncijfers, a table page and the API with ~1,000,000
# headcounts: p50/p95 per page against a trivial page (BENCH_ARGS=--reuse uses the database a previous run built).
bench-http: install
	$(PY) scripts/stack.py bench bench/pages.py $(BENCH_ARGS)

# The portal form saved with 10, 100 and 1,000 changed cells through the service and the page: queries and ms
# against headcount_save per cell and one plain INSERT; fails when the queries grow with the cells (or exceed 20).
.PHONY: bench-portal
bench-portal: install
	$(PY) scripts/stack.py bench bench/portal.py $(BENCH_ARGS)

# The two amplification XLSX files of issue 12 (1.2 MB and 275 KB, shared strings unpacking to 430 and 270 MB)
# through the worker's service: refused, with time and peak RSS against a genuine file (BENCH_ARGS=--unguarded
# also reads them with the zip checks lifted).
.PHONY: bench-uploads
bench-uploads: install
	$(PY) scripts/stack.py bench bench/upload_limits.py $(BENCH_ARGS)

# A backup (backup_create) and its restore check (backup_check) of ~1,000,000 headcounts with an edition of them:
# seconds and file size against plain pg_dump -Fc and createdb + pg_restore in the same run.
.PHONY: bench-backups
bench-backups: install
	$(PY) scripts/stack.py bench bench/backups.py $(BENCH_ARGS)

# 300 municipalities x 20 measures x 12 years as a wide XLSX by name (a sheet per year) through an import profile,
# against the same figures as a long headcount CSV in the same run: rows/s, the ratio (goal 1.5x) and peak RSS.
.PHONY: bench-supplier
bench-supplier: install
	$(PY) scripts/stack.py bench bench/supplier.py $(BENCH_ARGS)

# The screenshots the README shows (docs/screenshots/), taken by the browser tests from the demo pages.
.PHONY: screenshots
screenshots: install browser
	SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots $(PY) scripts/stack.py test tests/browser

# Refresh locale/en/LC_MESSAGES/django.po from the Dutch msgids in the code and templates, then compile every
# catalogue (locale/en and the hand-written locale/nl) to .mo. Needs GNU gettext; touches no database or Redis,
# so placeholders stand in for the settings that must be set. See README, "Translations".
MESSAGES_ENV := DJANGO_SETTINGS_MODULE=config.settings.base DATABASE_URL="$${DATABASE_URL:-postgres:///unused}" \
	REDIS_URL="$${REDIS_URL:-redis://127.0.0.1:6379/0}" SECRET_KEY="$${SECRET_KEY:-makemessages-only}"

.PHONY: messages
messages: install
	$(MESSAGES_ENV) $(PY) manage.py makemessages -l en --ignore=.venv --ignore=staticfiles --ignore=tests --ignore=.local
	$(MESSAGES_ENV) $(PY) manage.py compilemessages --ignore=.venv --ignore=.local
