# Two commands on a fresh machine with python3 and make:  make run  ·  make test
PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
KC := $(VENV)/bin/kc
DBT_SOURCES := $(shell find dbt_project/models dbt_project/macros dbt_project/seeds -type f 2>/dev/null) dbt_project/dbt_project.yml dbt_project/profiles.yml
# uv uses this interpreter (never downloads one) and compiles bytecode at install:
# PYTHONDONTWRITEBYTECODE=1 would otherwise make every dbt/Dagster start pay for compiling.
export UV_PYTHON := $(shell command -v $(PYTHON))
export UV_PYTHON_DOWNLOADS := never
export UV_COMPILE_BYTECODE := 1

.PHONY: setup run refresh demo lint format test test-fast bench bench-ab report docs dagster clean

setup: $(VENV)/.synced $(VENV)/.compiled dbt_project/target/manifest.json

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	@touch $@

# uv compiles the dependencies, not this project's own modules (an editable install): compiled here, or
# each of a refresh's processes compiles them again at every start (about 0.15 s in the main one).
$(VENV)/.compiled: $(VENV)/.synced $(shell find pipelines -name '*.py')
	$(VENV)/bin/python -m compileall -q pipelines
	@touch $@

# dagster-dbt reads the manifest when the code location loads; parse once here, not at every start.
# A refresh runs dbt with the same settings (dbt_project/profiles.yml: KC_BUILD_DB unset), so every
# refresh starts from this parse (dbt partial parsing) instead of parsing again.
dbt_project/target/manifest.json: $(VENV)/.synced $(DBT_SOURCES)
	cd dbt_project && env -u KC_BUILD_DB $(CURDIR)/$(VENV)/bin/dbt parse --profiles-dir . --quiet
	@touch $@

run: setup
	$(KC) demo --if-empty
	$(KC) refresh

refresh: setup
	$(KC) refresh

demo: setup
	$(KC) demo

# ruff (lint and format) on the Python, sqlfluff (dbt + DuckDB, dbt_project/.sqlfluff) on the models.
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	cd dbt_project && ../$(VENV)/bin/sqlfluff lint models

# What `make lint` asks for, done: imports sorted, code formatted, SQL laid out.
format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
	cd dbt_project && ../$(VENV)/bin/sqlfluff fix models

test: lint
	$(VENV)/bin/pytest

# The edit–test loop: every test but those marked slow (kc refresh, PostgreSQL, the daemon), under a minute.
test-fast: setup
	$(VENV)/bin/pytest -m "not slow" -q

# National-scale benchmark: full / incremental refresh against the parse floor and a naive script
# (medians of 3 runs each, same run); writes data/bench/results.json. About 15 minutes on 2 cores.
bench: setup
	$(VENV)/bin/python -m bench

# A change measured: one corrected register, the code at BASE against this checkout, run alternately on two
# cloned national sites (bench/ab.py; data/bench/ab.json). make bench-ab BASE=<commit> [PAIRS=8] [FULL=1]
# [CORRECTION=register|facility|census] (FULL=1: full refreshes from an empty work area instead;
# CORRECTION: what each round brings, see bench/ab.py)
bench-ab: setup
	$(VENV)/bin/python -m bench.ab $(BASE) $(if $(PAIRS),--pairs $(PAIRS)) $(if $(FULL),--full) \
		$(if $(CORRECTION),--correction $(CORRECTION))

# The ministry review notebook, run headless on the published warehouse (after make run / a refresh):
# data/marts/reports/ministry_review.html, charts embedded. `make report REPORT_LANG=en`: English labels
# (ministry_review_en.html).
REPORT_LANG ?= vi
report: setup
	$(VENV)/bin/python -m pipelines.report --lang $(REPORT_LANG)

# The dbt documentation site (descriptions with units and Vietnamese terms, lineage): data/marts/docs/index.html
docs: setup
	$(VENV)/bin/python -m pipelines.docs

# The Dagster UI and daemon for development (lineage, runs, schedule, sensor): http://$(HOST):$(PORT)
HOST ?= 127.0.0.1
PORT ?= 3000
dagster: setup
	DAGSTER_HOME=$(CURDIR)/.dagster $(VENV)/bin/python -c "from pipelines.cli import dagster_home; dagster_home(create=True)"
	DAGSTER_HOME=$(CURDIR)/.dagster $(VENV)/bin/dagster dev -m pipelines.definitions -h $(HOST) -p $(PORT)

clean:
	rm -rf $(VENV) $(TOOLS) dbt_project/target data/work data/bench .dagster
	-git worktree prune  # make bench-ab's checkout of the compared commit was in data/bench
