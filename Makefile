# One command per check, the same for people and CI.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: test lint types unit bench demo demo-rest run clean

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "meetbot needs Python 3.11 or newer" or 0)'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

lint: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

types: $(VENV)/.installed
	$(PY) -m mypy

unit: $(VENV)/.installed
	$(PY) -m pytest

test: lint types unit

bench: $(VENV)/.installed
	$(PY) -m bench

# The service on its embedded default: a simulated Webex site and a console chat.
demo: $(VENV)/.installed
	$(PY) -m bot demo

# The same demo over the Webex REST API: the REST simulator, fed by webhooks.
demo-rest: $(VENV)/.installed
	WEBEX_API=rest $(PY) -m bot demo

# The service with real credentials from the environment or .env.
run: $(VENV)/.installed
	$(PY) -m bot run

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
