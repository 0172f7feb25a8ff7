# augur: the two commands of the README, and what they stand on.
#   make run   set up .venv and serve on 127.0.0.1:8080 with the embedded SQLite store (./.augur/)
#   make test  set up .venv with the test extra and the servers the tests need, then lint, types, tests

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Debian packages the test suite runs for real (PostgreSQL from initdb/pg_ctl, Prometheus,
# Graphite's carbon-cache and graphite-web, wrk for the HTTP benchmark's smoke test, and
# Chromium with its driver for the dashboard's tests).
SYSTEM_PACKAGES := postgresql prometheus graphite-carbon graphite-web wrk chromium chromium-driver
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint types unit coverage openapi system-deps clean demo demo-server

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --editable .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --editable '.[test]'
	@touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	@mkdir -p .augur
	$(BIN)/augur serve --host 127.0.0.1 --port 8080 --store sqlite+aiosqlite:///.augur/augur.db

# Installs only what is missing, so a machine that has everything hears nothing from apt.
system-deps:
	@missing=""; \
	for pkg in $(SYSTEM_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$pkg 2>/dev/null | grep -q "ok installed" || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/hadolint Dockerfile
	$(BIN)/yamllint --strict examples helm/augur/Chart.yaml helm/augur/values.yaml helm/augur/ci

types: $(VENV)/.installed-test
	$(BIN)/mypy --strict app providers

unit: $(VENV)/.installed-test system-deps
	$(BIN)/pytest -n 2

# The suite with branch coverage of app/ and providers/ (slower; not part of make test).
coverage: $(VENV)/.installed-test system-deps
	$(BIN)/pytest -n 2 --cov --cov-report=term

test: lint types unit

openapi: $(VENV)/.installed
	$(BIN)/augur openapi > openapi/openapi.json

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage .artifacts

# The seed template against a healthy and a degraded canary on two fake OAPs (no cluster needed).
demo: $(VENV)/.installed
	$(BIN)/python -m tests.fakes.demo

# Four canary analyses on the augur `make run` serves, to watch at http://127.0.0.1:8080/ui/
# (recorded SkyWalking answers: no cluster needed). DEMO_SERVER names another augur.
DEMO_SERVER ?= http://127.0.0.1:8080
demo-server: $(VENV)/.installed
	$(BIN)/python -m tests.fakes.demo_server --server $(DEMO_SERVER)
