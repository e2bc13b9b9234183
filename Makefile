# `make run` serves the portal on http://127.0.0.1:5000 (development); `make serve` serves it as in
# production, nginx in front of gunicorn (deploy/), on http://127.0.0.1:8000; `make test` runs every test
# (`make test-search-engine` the search tests again on the PostgreSQL search engine); `make audit`
# checks the dependencies for advisories and the code with bandit; `make lint` checks the Python code with
# ruff (lint rules and formatting) and `make format` fixes what ruff can fix and formats the code;
# `make screenshots` renders the main pages into build/screenshots/ (docs/screenshots.md); `make two-hosts`
# (as root) runs two app hosts in network namespaces behind one nginx on a scratch PostgreSQL database.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
export PORTAL_DATA_DIR ?= instance
CHROMIUM ?= /usr/bin/chromium
# pytest-xdist workers for `make test` (one per core by default; TEST_WORKERS=0 runs in one process).
TEST_WORKERS ?= auto
# What `make test` runs (every test by default), e.g. TESTS=tests/search.
TESTS ?=
# The tests that search through the app, run again by `make test-search-engine` on the in-database search
# engine. tests/search and tests/services/test_search_in_database.py are left out: they choose their engines
# themselves (both, in every run), so `make test` has already run them on PostgreSQL's engine.
SEARCH_TESTS := tests/services/test_search.py tests/public/test_search_page.py tests/api/test_search_api.py \
	tests/feeds/test_search_feed.py tests/browser/test_search_journey.py tests/test_cli.py \
	tests/public/test_query_counts.py tests/test_confidentiality.py tests/services/test_access.py \
	tests/services/test_search_task_reports.py

.PHONY: run serve demo test test-search-engine two-hosts audit lint format screenshots install translations vendor clean

# A new venv gets the current pip and setuptools: the ones Python bundles have known advisories.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip setuptools

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
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

# Production (PORTAL_ENV=production) in the foreground: needs PORTAL_SECRET_KEY and PORTAL_IDENTITY_KEY;
# PORT (8000) changes the port. deploy/serve runs `portal init`, then nginx and gunicorn; Ctrl-C stops both.
serve: $(VENV)/.installed-run
	SERVE_PYTHON=$(BIN)/python exec deploy/serve

demo: $(VENV)/.installed-run
	PORTAL_ENV=$${PORTAL_ENV:-development} $(FLASK) portal init
	PORTAL_ENV=$${PORTAL_ENV:-development} $(FLASK) portal demo

test: $(VENV)/.installed-test node_modules/.installed
	@test -x "$(CHROMIUM)" || { \
	  echo "Chromium was not found at $(CHROMIUM); the browser tests drive Debian's Chromium."; \
	  echo "Install it (as root) with:  apt-get install chromium fonts-wqy-microhei"; \
	  echo "or point CHROMIUM=/path/to/chromium at another build."; exit 1; }
	PORTAL_CHROMIUM="$(CHROMIUM)" $(BIN)/python -m pytest -n $(TEST_WORKERS) $(TESTS)

# The search tests again with PORTAL_SEARCH_ENGINE=postgresql (needs PORTAL_DATABASE_URL=postgresql+psycopg://…;
# tests marked `whoosh` stay on Whoosh).
test-search-engine:
	@case "$$PORTAL_DATABASE_URL" in postgresql*) ;; *) echo "set PORTAL_DATABASE_URL to a PostgreSQL database"; exit 1;; esac
	PORTAL_TEST_SEARCH_ENGINE=postgresql $(MAKE) test TESTS="$(SEARCH_TESTS)"

# Two app hosts, each in a network namespace of its own, on one scratch PostgreSQL database (through its
# Unix socket) and one files directory, behind one nginx: the journey across hosts, the limits kept in the
# database, and 16 clients submitting while one host is killed (deploy/two_hosts.py says what it checks).
# Needs root, iproute2, nginx and PostgreSQL on this machine; not part of `make test`. TWO_HOSTS_SECONDS
# sets the length of the load run (30).
two-hosts: $(VENV)/.installed-test
	PORTAL_TEST_TWO_HOSTS=1 $(BIN)/python -m pytest -n 0 -s -q -rs -p no:cacheprovider tests/deploy/test_two_hosts.py

# Known vulnerabilities in the installed packages (pip-audit) and risky code in the portal (bandit).
audit: $(VENV)/.installed-test
	$(BIN)/python .ci/audit_dependencies.py
	$(BIN)/bandit --quiet --configfile pyproject.toml --recursive portal wsgi.py

# Ruff's lint rules and formatting ([tool.ruff] in pyproject.toml) over the whole tree; fails on any finding.
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# What `make lint` asks for: ruff's safe fixes, then the formatting (also when findings remain that need a
# hand fix: ruff lists them, and `make lint` fails on them). Review the diff before committing.
format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix --exit-zero .
	$(BIN)/ruff format .

# The main pages of the three journeys at 1,280 and 360 px, in Chinese and English, from a fresh demo site.
screenshots: $(VENV)/.installed-test
	@test -x "$(CHROMIUM)" || { \
	  echo "Chromium was not found at $(CHROMIUM); the screenshots are taken with Debian's Chromium."; \
	  echo "Install it (as root) with:  apt-get install chromium fonts-wqy-microhei"; \
	  echo "or point CHROMIUM=/path/to/chromium at another build."; exit 1; }
	CHROMIUM="$(CHROMIUM)" $(BIN)/python docs/screenshots.py --out build/screenshots

# Leaflet's files as the portal serves them (static/vendor/leaflet/, committed) from the npm package pinned in
# package.json; after changing its version run `make vendor` and commit the result (tests/test_vendor.py
# fails while the committed copy differs from the installed package).
LEAFLET_FILES := dist/leaflet.js dist/leaflet.css dist/images/layers.png dist/images/layers-2x.png \
	dist/images/marker-icon.png dist/images/marker-icon-2x.png dist/images/marker-shadow.png LICENSE
vendor: node_modules/.installed
	mkdir -p static/vendor/leaflet/images
	for f in $(LEAFLET_FILES); do cp node_modules/leaflet/$$f static/vendor/leaflet/$${f#dist/}; done

# Extract interface strings, merge them into the Chinese catalogue, compile it.
translations: $(VENV)/.installed-run
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs '.* __pycache__' \
	  --project portal --version 0.1.0 -o portal/translations/messages.pot .
	$(BIN)/pybabel update -i portal/translations/messages.pot -d portal/translations -l zh_Hans_CN --ignore-obsolete
	$(BIN)/pybabel compile -d portal/translations --statistics

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
