# Together: the two commands are `make run` and `make test`; both set up everything first.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test test-any-hour bootstrap lock lint browser bench-load clean messages

bootstrap:
	@scripts/bootstrap.sh

# Web (gunicorn), Celery worker and Celery beat together, with demo data and console email.
run: export DEBUG ?= 1
run: export EMAIL_URL ?= console://
run: export RELOAD ?= 1
run: export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
run: bootstrap
	@$(PY) manage.py migrate --no-input
	@$(PY) manage.py seed_demo
	@echo "==> Together is starting at http://127.0.0.1:8000  (Ctrl-C stops web, worker and beat)"
	@$(VENV)/bin/honcho start -f Procfile

# The whole suite: unit, integration with a real Celery worker, and real Chromium.
test: bootstrap browser
	@# Import layers first (a second): a broken contract stops the run before the suite.
	@$(VENV)/bin/lint-imports --no-cache >/dev/null || $(VENV)/bin/lint-imports --no-cache
	@$(VENV)/bin/pytest

# The whole suite with every clock moved (this process, its workers and a PostgreSQL of its own,
# under libfaketime) to each of these UK times, or `make test-any-hour AT="00:30 12:00"`.
# "clocks-forward" is 00:30 on the Sunday the UK clocks go forward. About 7 minutes a moment.
AT ?= 00:30 07:59 12:00 21:00 clocks-forward
test-any-hour: bootstrap browser
	@$(PY) scripts/any_hour.py $(AT)

browser:
	@# The browser tests drive Debian's Chromium (Playwright cannot download its own browser here).
	@scripts/ensure_package.sh $${CHROMIUM_PATH:-/usr/bin/chromium} chromium "the browser tests" test

# The load benchmark (issue 7): builds the large dataset on first use, then prints the table.
bench-load: bootstrap
	@scripts/ensure_package.sh wrk wrk "the load benchmark" bench-load
	@$(PY) bench/load.py $(BENCH_ARGS)

lint: bootstrap
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@$(VENV)/bin/lint-imports --no-cache

lock:
	@scripts/lock.sh

clean:
	rm -rf $(VENV) staticfiles test-artifacts .pytest_cache

# Gather every translatable message into locale/es/LC_MESSAGES/django.po (new ones arrive
# empty: tests/test_translations.py fails until each has its Spanish), then compile django.mo.
messages: bootstrap
	@scripts/ensure_package.sh msgfmt gettext "translations" messages
	@DEBUG=1 $(PY) manage.py makemessages -l es --no-obsolete --no-location \
		--ignore='tests/*' --ignore='bench/*' --ignore='static/*' --ignore='staticfiles/*' \
		--ignore='scripts/*'
	@DEBUG=1 $(PY) manage.py compilemessages -l es --ignore='.venv/*'
