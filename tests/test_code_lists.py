"""The code lists are the seeds (dbt_project/seeds): the models' compile-time lists, the marts' declared
columns and the ingestion vocabulary all agree with them."""

from __future__ import annotations

import ast
import csv
import re

import yaml

from pipelines.ingest.config import CONFIG_DIR
from pipelines.settings import DBT_PROJECT_DIR


def _seed(name: str) -> list[str]:
    with (DBT_PROJECT_DIR / "seeds" / f"{name}.csv").open(encoding="utf-8") as handle:
        return [row[next(iter(row))] for row in csv.DictReader(handle)]


def _macro_list(name: str) -> list[str]:
    text = (DBT_PROJECT_DIR / "macros" / "code_lists.sql").read_text(encoding="utf-8")
    body = re.search(rf"macro {name}\(\).*?return\((\[.*?\])\)", text, re.S).group(1)
    return ast.literal_eval(body)


def _mart_columns(mart: str) -> list[str]:
    spec = yaml.safe_load((DBT_PROJECT_DIR / "models" / "marts" / f"{mart}.yml").read_text(encoding="utf-8"))
    return [c["name"] for c in spec["models"][0]["columns"]]


def test_the_models_lists_are_the_seeds():
    assert _macro_list("support_contents") == _seed("support_contents")
    assert _macro_list("facility_types") == _seed("facility_types")


def test_the_marts_declare_a_column_per_code():
    contents, types = _seed("support_contents"), _seed("facility_types")
    by_year = _mart_columns("projects_by_province_year")
    assert {f"projects_{c}" for c in contents} <= set(by_year)
    assert {f"beneficiaries_{t}" for t in types if t != "other"} <= set(by_year)
    assert set(types) <= set(_mart_columns("facility_census_by_province"))


def test_ingestion_knows_every_facility_type_and_no_other():
    vocabulary = yaml.safe_load((CONFIG_DIR / "vocabulary.yaml").read_text(encoding="utf-8"))
    section = next(v for v in vocabulary.values() if isinstance(v, dict) and "household_business" in v)
    assert set(section) | {"other"} == set(_seed("facility_types"))


def test_the_support_content_rules_map_to_known_codes():
    with (DBT_PROJECT_DIR / "seeds" / "support_content_rules.csv").open(encoding="utf-8") as handle:
        assert {row["support_content"] for row in csv.DictReader(handle)} <= set(_seed("support_contents"))
