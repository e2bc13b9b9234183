# `make run` serves the portal on http://127.0.0.1:5000; `make test` runs every test;
# `make screenshots` renders the main pages into build/screenshots/ (docs/screenshots.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
export PORTAL_DATA_DIR ?= instance
CHROMIUM ?= /usr/bin/chromium

.PHONY: run demo test screenshots install translations clean

$(VENV)/.installed-run: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@ $(VENV)/.installed-run

node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed-run

run: $(VENV)/.installed-run
	mkdir -p "$(PORTAL_DATA_DIR)"
	PORTAL_ENV=$${PORTAL_ENV:-development} $(FLASK) portal init
	PORTAL_ENV=$${PORTAL_ENV:-development} $(FLASK) run --host 127.0.0.1 --port 5000

demo: $(VENV)/.installed-run
	PORTAL_ENV=$${PORTAL_ENV:-development} $(FLASK) portal init
	PORTAL_ENV=$${PORTAL_ENV:-development} $(FLASK) portal demo

test: $(VENV)/.installed-test node_modules/.installed
	@test -x "$(CHROMIUM)" || { \
	  echo "Chromium was not found at $(CHROMIUM); the browser tests drive Debian's Chromium."; \
	  echo "Install it (as root) with:  apt-get install chromium fonts-wqy-microhei"; \
	  echo "or point CHROMIUM=/path/to/chromium at another build."; exit 1; }
	PORTAL_CHROMIUM="$(CHROMIUM)" $(BIN)/python -m pytest

# The main pages of the three journeys at 1,280 and 360 px, in Chinese and English, from a fresh demo site.
screenshots: $(VENV)/.installed-test
	@test -x "$(CHROMIUM)" || { \
	  echo "Chromium was not found at $(CHROMIUM); the screenshots are taken with Debian's Chromium."; \
	  echo "Install it (as root) with:  apt-get install chromium fonts-wqy-microhei"; \
	  echo "or point CHROMIUM=/path/to/chromium at another build."; exit 1; }
	CHROMIUM="$(CHROMIUM)" $(BIN)/python docs/screenshots.py --out build/screenshots

# Extract interface strings, merge them into the Chinese catalogue, compile it.
translations: $(VENV)/.installed-run
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs '.* __pycache__' \
	  --project portal --version 0.1.0 -o portal/translations/messages.pot .
	$(BIN)/pybabel update -i portal/translations/messages.pot -d portal/translations -l zh_Hans_CN --ignore-obsolete
	$(BIN)/pybabel compile -d portal/translations --statistics

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
