# Everything runs from a virtual environment in .venv, built from requirements.lock: every
# runtime and dev dependency at an exact version, with hashes. The Lambda layer installs the
# same versions (layers/common/requirements.txt, compiled against the lock by `make lock`).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PORT ?= 8787
# make demo CRM=salesforce (or hubspot): crm_sync's real adapter against the CRM's local stub
CRM ?= file

# `make lock` resolves with uv, installed at this version in a venv of its own, so .venv
# holds exactly the lock.
UV_VERSION := 0.13.9
LOCK_TOOLS := $(VENV)/lock-tools
UV := $(LOCK_TOOLS)/bin/uv
UV_STAMP := $(LOCK_TOOLS)/.uv-$(UV_VERSION)
# What the layer ships: the runtime dependencies of pyproject.toml but boto3, which the
# Lambda runtime provides (and with it botocore, urllib3, s3transfer). Powertools' Tracer
# needs aws-lambda-powertools[tracer], whose aws-xray-sdk pulls botocore into the layer:
# then ship boto3 too, so that the two come from the same lock.
LAYER_PACKAGES := aws-lambda-powertools pydantic

.PHONY: setup demo serve lint test bench lock clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(PY) -m socialscore_local demo --crm $(CRM)

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
	$(PY) bench/crm_sync.py
	$(PY) bench/attribution.py
	$(PY) bench/aws_calls.py
	$(PY) bench/e2e.py
	$(PY) bench/e2e_serve.py
	$(PY) bench/cold_start.py

# Re-resolve after changing a dependency in pyproject.toml. Versions already in the lock are
# kept when they still fit; `make lock UPGRADE=--upgrade` moves everything to the newest.
# The lock holds for Python 3.11 and up on every platform (the tests run on 3.11, Lambda on
# 3.12); the layer's file is resolved against the lock, so every version it pins is the
# lock's, with hashes for every platform (sam build downloads on the developer's machine).
lock: $(UV_STAMP)
	$(UV) pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
		--generate-hashes --custom-compile-command "make lock" $(UPGRADE) \
		--output-file requirements.lock
	printf '%s\n' $(LAYER_PACKAGES) | $(UV) pip compile - --constraint requirements.lock \
		--universal --python-version 3.12 --generate-hashes \
		--custom-compile-command "make lock" --output-file layers/common/requirements.txt

$(UV_STAMP):
	$(PYTHON) -m venv $(LOCK_TOOLS)
	$(LOCK_TOOLS)/bin/python -m pip install --quiet uv==$(UV_VERSION)
	touch $@

clean:
	rm -rf $(VENV) .local .aws-sam
