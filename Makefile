# Everything runs from a virtual environment in .venv, built from two locks of exact versions
# with hashes: requirements-demo.lock, what the product and its local runtime import (`make
# demo`, `make serve`), and requirements.lock, that and the developer's tools (`make test`),
# installed on top. The demo lock is resolved within the full one, so the two never disagree,
# and the Lambda layer installs the same versions (layers/common/requirements.txt).
# uv installs them (the same files, checked against the same hashes) in 19 s of CPU where pip
# took 30 on a clean clone, and compiles their bytecode as pip does: where the environment sets
# PYTHONDONTWRITEBYTECODE, nothing else would, and every process (each test worker, each serve
# and CLI a test starts) would compile moto, botocore and pydantic again, twice the CPU.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEMO_STAMP := $(VENV)/.demo-stamp
STAMP := $(VENV)/.installed-stamp
PORT ?= 8787
# make demo CRM=salesforce (or hubspot, marketo): crm_sync's real adapter against its local stub
CRM ?= file

# `make lock` resolves and every install target installs with uv, itself installed from its own
# hashed lock (requirements-uv.lock) in a venv of its own, so .venv holds exactly the lock. .venv
# has no pip of its own: uv installs into it (a venv's own pip costs 2.5 s of CPU a clean clone).
LOCK_TOOLS := $(VENV)/lock-tools
UV := $(LOCK_TOOLS)/bin/uv
UV_STAMP := $(LOCK_TOOLS)/.uv-stamp
# What the layer ships: the runtime dependencies of pyproject.toml but boto3, which the
# Lambda runtime provides (and with it botocore, urllib3, s3transfer). Powertools' Tracer
# needs aws-lambda-powertools[tracer], whose aws-xray-sdk pulls botocore into the layer:
# then ship boto3 too, so that the two come from the same lock.
LAYER_PACKAGES := aws-lambda-powertools pydantic
# pyproject.toml's build-system requirements, locked too: the editable install builds with them
# (--no-build-isolation), so nothing is installed that the lock does not pin.
BUILD_REQUIRES = $(PYTHON) -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))\
	["build-system"]["requires"], sep="\n")'

.PHONY: setup demo serve lint test bench lock clean

$(DEMO_STAMP): requirements-demo.lock pyproject.toml | $(UV_STAMP)
	$(PYTHON) -m venv --without-pip $(VENV)
	$(UV) pip install --quiet --compile-bytecode --python $(PY) --require-hashes -r requirements-demo.lock
	$(UV) pip install --quiet --python $(PY) --no-deps --no-build-isolation -e .
	touch $@

$(STAMP): $(DEMO_STAMP) requirements.lock
	$(UV) pip install --quiet --compile-bytecode --python $(PY) --require-hashes -r requirements.lock
	touch $@

setup: $(STAMP)

demo: $(DEMO_STAMP)
	$(PY) -m socialscore_local demo --crm $(CRM)

serve: $(DEMO_STAMP)
	$(PY) -m socialscore_local serve --port $(PORT)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(BESIDE_MYPY) $(VENV)/bin/mypy; checked=$$?; wait; exit $$checked

# --dist loadfile: a test file runs on one worker, so a module's stack (a seeded demo, a serve
# process, chromium) is built once, not once on each worker its tests were dealt to. Files are
# dealt in collection order, the slow ones first (tests/conftest.py), not xdist's (most tests
# first), which left a slow file with few tests to run alone at the end.
# BESIDE_MYPY: mypy checks on one core (9 s from a clean clone) while the other would idle; it
# collects the suite once meanwhile, writing bytecode, so that each worker and each serve or CLI
# process a test starts reads our own package and the tests' assertion-rewritten modules
# compiled, where PYTHONDONTWRITEBYTECODE had every one of them compile them again (a worker's
# collection 3.8 -> 1.7 CPU-s). Its failures are the run's to report: its output is dropped.
test: BESIDE_MYPY = PYTHONDONTWRITEBYTECODE= $(VENV)/bin/pytest --collect-only -q -p no:xdist \
	>/dev/null 2>&1 &
test: lint
	$(VENV)/bin/pytest -n 2 --dist loadfile --no-loadscope-reorder

bench: $(STAMP)
	$(PY) bench/ingest.py
	$(PY) bench/rehydrate.py
	$(PY) bench/crm_sync.py
	$(PY) bench/activities.py
	$(PY) bench/attribution.py
	$(PY) bench/aws_calls.py
	$(PY) bench/bill.py
	$(PY) bench/e2e.py
	$(PY) bench/e2e_serve.py
	$(PY) bench/cold_start.py

# Re-resolve after changing a dependency in pyproject.toml. Versions already in the lock are
# kept when they still fit; `make lock UPGRADE=--upgrade` moves everything to the newest.
# The locks hold for Python 3.11 and up on every platform (the tests run on 3.11, Lambda on
# 3.12); the demo's and the layer's are resolved against requirements.lock, so every version
# they pin is its, with hashes for every platform (sam build downloads on the developer's
# machine).
lock: $(UV_STAMP)
	$(BUILD_REQUIRES) | $(UV) pip compile pyproject.toml - --extra local --extra dev \
		--universal --python-version 3.11 --generate-hashes \
		--quiet --custom-compile-command "make lock" $(UPGRADE) --output-file requirements.lock
	$(BUILD_REQUIRES) | $(UV) pip compile pyproject.toml - --extra local \
		--constraint requirements.lock --universal --python-version 3.11 --generate-hashes \
		--quiet --custom-compile-command "make lock" --output-file requirements-demo.lock
	printf '%s\n' $(LAYER_PACKAGES) | $(UV) pip compile - --constraint requirements.lock \
		--universal --python-version 3.12 --generate-hashes \
		--quiet --custom-compile-command "make lock" --output-file layers/common/requirements.txt

$(UV_STAMP): requirements-uv.lock
	$(PYTHON) -m venv $(LOCK_TOOLS)
	$(LOCK_TOOLS)/bin/python -m pip install --quiet --require-hashes -r requirements-uv.lock
	touch $@

clean:
	rm -rf $(VENV) .local .aws-sam
