"""One registry of datasets (pipelines/datasets.py): everything that lists them agrees with it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

from pipelines.datasets import DATASETS, NAMES
from pipelines.ingest.config import CONFIG_DIR
from pipelines.ingest.parse import PARSERS
from pipelines.settings import DBT_PROJECT_DIR


def _dbt_datasets() -> list[dict]:
    """The list macros/datasets.sql returns (a Python literal inside `return(…)`)."""
    text = (DBT_PROJECT_DIR / "macros" / "datasets.sql").read_text(encoding="utf-8")
    literal = re.search(r"return\((\[.*\])\)", text, re.S).group(1)
    return ast.literal_eval(literal)


def test_each_dataset_has_its_parser_and_its_mapping():
    assert list(PARSERS) == list(NAMES)
    for dataset in DATASETS:
        assert PARSERS[dataset.name].dataset == dataset.name
        assert (CONFIG_DIR / f"{dataset.name}.yaml").is_file()


def test_dbt_sources_and_the_completeness_list_match_the_registry():
    sources = yaml.safe_load((DBT_PROJECT_DIR / "models" / "staging" / "_sources.yml").read_text(encoding="utf-8"))
    raw = next(s for s in sources["sources"] if s["name"] == "raw")
    tables = {t["name"] for t in raw["tables"]}
    assert {t for t in tables if not t.startswith("ref_")} == set(NAMES)
    listed = _dbt_datasets()
    assert [d["name"] for d in listed] == list(NAMES)
    for d in listed:
        model = DBT_PROJECT_DIR / "models" / "staging" / f"{d['staging_model']}.sql"
        sql = model.read_text(encoding="utf-8")
        assert f"source('raw', '{d['name']}')" in sql, model
        assert re.search(rf"\b{d['year_column']}\b", sql), f"{model} has no column {d['year_column']}"


def test_the_cli_offers_the_registered_datasets(capsys):
    from pipelines.cli import main

    with pytest.raises(SystemExit):
        main(["validate", "--help"])
    assert "{" + ",".join(NAMES) + "}" in capsys.readouterr().out


def test_dagster_has_a_raw_asset_per_dataset():
    from pipelines.assets import INGEST_TABLES

    assert {table for schema, table in INGEST_TABLES if schema == "raw" and not table.startswith("ref_")} == set(NAMES)


def test_the_registry_module_stays_light():
    """The CLI reads the registry before anything else: it must not import the parsers."""
    source = Path(__file__).resolve().parent.parent / "pipelines" / "datasets.py"
    imported = {n.names[0].name for n in ast.walk(ast.parse(source.read_text())) if isinstance(n, ast.Import)}
    imported |= {n.module for n in ast.walk(ast.parse(source.read_text())) if isinstance(n, ast.ImportFrom)}
    assert imported <= {"__future__", "dataclasses", "importlib"}


def test_column_types_are_declared_once_by_the_parser():
    """The parser's `columns` type the raw table (ingestion creates and fills it from them); staging does
    not cast those columns again to the same type (the marts' contracts pin what analysts get)."""
    from pipelines.ingest.results import SOURCE_COLUMNS

    for dataset in NAMES:
        types = {**PARSERS[dataset].columns, **SOURCE_COLUMNS}
        sql = (DBT_PROJECT_DIR / "models" / "staging" / f"stg_{dataset}.sql").read_text(encoding="utf-8")
        recast = [
            f"{c}::{t}" for c, t in re.findall(r"\b([a-z_0-9]+)::([a-z]+)\b", sql) if types.get(c, "").lower() == t
        ]
        assert not recast, f"stg_{dataset} casts again what the parser declares: {recast}"
