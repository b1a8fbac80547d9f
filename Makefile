# Two commands on a fresh machine with python3 and make:  make run  ·  make test
PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
KC := $(VENV)/bin/kc
DBT_SOURCES := $(shell find dbt_project/models dbt_project/macros dbt_project/seeds -type f 2>/dev/null) dbt_project/dbt_project.yml
# uv uses this interpreter (never downloads one) and compiles bytecode at install:
# PYTHONDONTWRITEBYTECODE=1 would otherwise make every dbt/Dagster start pay for compiling.
export UV_PYTHON := $(shell command -v $(PYTHON))
export UV_PYTHON_DOWNLOADS := never
export UV_COMPILE_BYTECODE := 1

.PHONY: setup run refresh demo test dagster clean

setup: $(VENV)/.synced dbt_project/target/manifest.json

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	@touch $@

# dagster-dbt reads the manifest when the code location loads; parse once here, not at every start.
dbt_project/target/manifest.json: $(VENV)/.synced $(DBT_SOURCES)
	$(VENV)/bin/dbt parse --project-dir dbt_project --profiles-dir dbt_project --quiet
	@touch $@

run: setup
	$(KC) demo --if-empty
	$(KC) refresh

refresh: setup
	$(KC) refresh

demo: setup
	$(KC) demo

test: setup
	$(VENV)/bin/pytest

dagster: setup
	DAGSTER_HOME=$(CURDIR)/.dagster $(VENV)/bin/dagster dev -m pipelines.definitions

clean:
	rm -rf $(VENV) $(TOOLS) dbt_project/target data/work .dagster
