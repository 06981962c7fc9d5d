# Clearinghouse 174. `make demo` runs the platform on SQLite; `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/clearinghouse
DEMO_ENV := DEBUG=0 HTTPS=0 ALLOWED_HOSTS=127.0.0.1,localhost TASKS_BACKEND=immediate EMAIL_BACKEND=django.core.mail.backends.console.EmailBackend

.PHONY: demo test install translations lint typecheck test-sqlite test-postgres chromium fonts postgres messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.runtime: $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install -q -c constraints.txt -e .
	touch $@

$(VENV)/.test: $(VENV)/.runtime
	$(BIN)/pip install -q -c constraints.txt -e '.[test]'
	touch $@

install: $(VENV)/.runtime

# Compile the interface catalogs (.po -> .mo) with Babel: no GNU gettext needed.
translations: $(VENV)/.runtime
	@for po in clearinghouse/locale/*/LC_MESSAGES/django.po; do \
	  $(BIN)/pybabel compile -f -D django -i "$$po" -o "$${po%.po}.mo" || exit 1; done

demo: translations
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput -v0
	$(DEMO_ENV) $(BIN)/python manage.py load_reference_data
	$(DEMO_ENV) $(BIN)/python manage.py load_demo_data
	$(DEMO_ENV) $(BIN)/python manage.py ensure_administrator
	$(DEMO_ENV) $(BIN)/python manage.py collectstatic --noinput -v0
	@echo "Serving Clearinghouse 174 on http://127.0.0.1:8000/ (Ctrl+C stops it)"
	$(DEMO_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

lint: $(VENV)/.test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.test
	$(BIN)/mypy clearinghouse tests

chromium:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q chromium; \
	  else echo "chromium is missing: browser tests will be skipped (install it with: sudo apt-get install chromium)"; fi; }

# the browser tests read maps and charts in Arabic and Chinese: fonts with their glyphs, from Debian
fonts:
	@for pair in ar:fonts-noto-core zh:fonts-noto-cjk; do \
	  lang=$${pair%%:*}; package=$${pair#*:}; \
	  fc-list ":lang=$$lang" 2>/dev/null | grep -q . && continue; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q $$package; \
	  else echo "no font for $$lang: the browser tests' glyph checks will fail (sudo apt-get install $$package)"; fi; \
	done

postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || { \
	  command -v pg_ctlcluster >/dev/null && pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start; \
	  for i in 1 2 3 4 5 6 7 8 9 10; do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; \
	  pg_isready -h 127.0.0.1 -p 5432 || { echo "PostgreSQL is not reachable on 127.0.0.1:5432 (see DEVELOPERS.md)"; exit 1; }; }

test-sqlite: $(VENV)/.test translations chromium fonts
	$(BIN)/pytest -q -p no:cacheprovider

test-postgres: $(VENV)/.test translations chromium fonts postgres
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -q -p no:cacheprovider

test: lint typecheck test-sqlite test-postgres

# For developers: extract the interface strings into the six catalogs (needs GNU gettext).
messages: $(VENV)/.runtime
	cd clearinghouse && ../$(BIN)/python ../manage.py makemessages -l ar -l en -l es -l fr -l ru -l zh_Hans --no-obsolete --no-location

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
