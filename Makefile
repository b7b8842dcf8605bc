# The two commands a newcomer needs: `make run` and `make test`. Both build .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py

.PHONY: install run test check worker bench screenshots messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

run: install
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	$(BIN)/python -m config.devserver 127.0.0.1:8000

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

check: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run
	$(MANAGE) check

worker: install
	$(BIN)/celery -A config worker --beat --loglevel INFO --concurrency 2

bench: install
	@set -e; for f in bench/*.py; do echo "== $$f"; $(BIN)/python $$f; done

# docs/img/console.png and docs/img/dashboard.png, from the demo data (needs /usr/bin/chromium).
screenshots: install
	$(BIN)/python docs/screenshots.py

APPS := volunteers hotline outreach dispatch assessment audit

# Translations: each app keeps its own locale/; project-wide strings (templates/, config/) in locale/.
messages: install
	@set -e; for app in $(APPS); do (cd $$app && ../$(BIN)/python ../manage.py makemessages -l ko -l es --no-obsolete); done
	$(MANAGE) makemessages -l ko -l es --no-obsolete $(foreach app,$(APPS),-i '$(app)/*') -i '.venv/*' -i 'bench/*' -i 'tests/*'
	$(MANAGE) compilemessages -i .venv

clean:
	rm -rf $(VENV) staticfiles
