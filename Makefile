# The two commands of the README: `make run` and `make test`. Everything else is a helper.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.DEFAULT_GOAL := help
.PHONY: help run test test-fast install browser lint messages static makemessages check-deploy audit worker clean

help:
	@echo "make run    install, migrate, load demo data, start web + worker on http://127.0.0.1:8000"
	@echo "make test   install and run the whole test suite (in parallel: pytest-xdist)"
	@echo "make test-fast  the same without the slow tests (demo, browser, worker)"
	@echo "make lint   ruff"

$(STAMP): pyproject.toml
	@test -x $(PY) || "$$(bin/find-python)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP) messages static

messages: $(STAMP)
	@$(PY) manage.py compilemessages --ignore=.venv --ignore=var -v0

static: $(STAMP)
	@$(PY) manage.py collectstatic --noinput -v0

makemessages: $(STAMP)
	$(PY) manage.py makemessages -l fr --ignore=.venv --ignore=var --ignore=bench --no-obsolete

run: install
	bin/run

# The suite runs on every core (pytest-xdist), one test file per worker at a time so that
# a module's shared setup runs once; each worker has its own test database (pytest-django
# suffixes it: var/test.sqlite3_gw0, test_<name>_gw0 on PostgreSQL). `make test XDIST=`
# runs it in one process.
XDIST ?= -n auto --dist loadfile

test: install browser
	$(PY) -m pytest $(XDIST) $(PYTEST_ARGS)

test-fast: install
	$(PY) -m pytest $(XDIST) -m "not slow" $(PYTEST_ARGS)

# The accessibility tests drive Debian's chromium, the document tests read PDFs with
# poppler's pdftotext and the seal tests put a key on a SoftHSM2 token; install them when
# we can (root + apt), otherwise those tests are skipped with a message.
browser:
	@if { [ ! -x /usr/bin/chromium ] || ! command -v pdftotext >/dev/null \
	      || ! command -v softhsm2-util >/dev/null; } \
	    && command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  echo "installing chromium, poppler-utils and softhsm2 for the browser and document tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    chromium poppler-utils softhsm2 >/dev/null; \
	fi

lint: $(STAMP)
	$(VENV)/bin/ruff check .

check-deploy: $(STAMP)
	DJANGO_SETTINGS_MODULE=config.settings.production ALLOWED_HOSTS=certification.example.org \
	SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	REDIS_URL=redis://127.0.0.1:6379/0 \
	$(PY) manage.py check --deploy --fail-level WARNING

# Known vulnerabilities of every installed package (pip-audit, needs PyPI's advisory
# API): see bin/audit for what happens when the service cannot be reached.
audit: $(STAMP)
	bin/audit

worker: install
	$(VENV)/bin/celery -A config worker -Q default,pdf --loglevel=INFO

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis

# Benchmarks (bench/README.md): every one, figures written to docs/benchmarks.md (12 min
# on 2 cores: the large-data generator, then the pages on its 2 million scores...), or
# all of them at small sizes in a few minutes (written to var/bench/benchmarks-quick.md).
.PHONY: bench bench-quick
bench: install
	$(PY) bench/run_all.py

bench-quick: install
	$(PY) bench/run_all.py --quick
