# The two commands of the README: `make run` (embedded default) and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000

.PHONY: run test install install-dev messages setup lint typecheck backup restore screenshots

$(VENV)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(VENV)/bin/pip install -q -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

messages: $(VENV)/.installed
	$(PY) manage.py compilemessages --ignore=.venv --ignore=var -v0

# Migrate, load the reference data and the demo story (all idempotent).
setup: messages
	@mkdir -p var
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py load_reference_data
	$(PY) manage.py seed_demo

run: setup
	@echo "Cổng NTM: http://127.0.0.1:$(PORT)  (Ctrl+C để dừng)"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .

# mypy with django-stubs; what is checked and how strictly is in mypy.ini.
typecheck: $(VENV)/.installed-dev
	$(VENV)/bin/mypy

test: $(VENV)/.installed-dev messages
	$(VENV)/bin/pytest

# docs/screenshots/*.png for the README: each role's home page and the report form, desktop and phone, over
# the demo (scripts/screenshots.py starts and stops its own server on a free port).
screenshots: $(VENV)/.installed-dev setup
	$(PY) scripts/screenshots.py

# Backups of a PostgreSQL installation (DATABASE_URL and MEDIA_ROOT from the environment, else from .env;
# a variable set in the environment wins). Backup files are readable by their owner only (600 in 700).
backup:
	scripts/backup.sh $(DIR)

restore:
	@test -n "$(DIR)" || (echo "usage: make restore DIR=var/backups/<timestamp>" && exit 2)
	scripts/restore.sh $(DIR)
