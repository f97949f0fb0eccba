# Everything runs from a virtual environment in .venv, built from pyproject.toml.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PORT ?= 8787

.PHONY: setup demo serve lint test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(PY) -m socialscore_local demo

serve: $(STAMP)
	$(PY) -m socialscore_local serve --port $(PORT)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: lint
	$(VENV)/bin/pytest -n 2

bench: $(STAMP)
	$(PY) bench/ingest.py
	$(PY) bench/rehydrate.py

clean:
	rm -rf $(VENV) .local .aws-sam
