"""Administrative-unit reference data, read from the installed `vietnamadminunits` package.

Nothing here is typed by hand: upgrading the package refreshes the reference. The warehouse gets
three tables (raw.ref_provinces_pre2025, raw.ref_provinces_2025, raw.ref_province_mapping) and
the province resolver (ingest/provinces.py) uses the same rows.

Each table is built as rows (`*_rows`: tuples of dicts) and offered as a pandas frame for the
warehouse and the demo generator; the resolver reads the rows.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from functools import lru_cache
from importlib.metadata import version
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

PACKAGE_VERSION = version("vietnamadminunits")
# The package's data files, found without importing the package: its __init__ loads its address parser
# (geopy and more, about 0.45 s), which every refresh's reader processes would pay for nothing.
_DATA = Path(find_spec("vietnamadminunits").submodule_search_locations[0]) / "data"


def query(sql: str) -> list[dict]:
    """`vietnamadminunits.database.query`: rows of the package's SQLite database as dicts."""
    with closing(sqlite3.connect(f"file:{_DATA / 'dataset.db'}?mode=ro", uri=True)) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql).fetchall()]


@lru_cache(maxsize=1)
def _converter() -> dict:
    """The package's 2025 converter (read once: both the province mapping and the wards use it)."""
    return json.loads((_DATA / "converter_2025.json").read_text(encoding="utf-8"))


def _frame(rows) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(list(rows))


_PROVINCES = (
    "SELECT DISTINCT provinceCode AS province_code, province AS province_full_name, "
    "provinceShort AS province_name, provinceKey AS province_key, "
    "provinceLat AS latitude, provinceLon AS longitude FROM {table}"
)


@lru_cache(maxsize=1)
def province_rows_pre2025() -> tuple[dict, ...]:
    """The 63 provinces before 2025, by code."""
    return tuple(sorted(query(_PROVINCES.format(table="admin_units_legacy")), key=lambda r: r["province_code"]))


@lru_cache(maxsize=1)
def province_rows_2025() -> tuple[dict, ...]:
    """The 34 units of 2025, by code."""
    return tuple(sorted(query(_PROVINCES.format(table="admin_units")), key=lambda r: r["province_code"]))


@lru_cache(maxsize=1)
def province_mapping_rows() -> tuple[dict, ...]:
    """Old province → the 2025 province it went into whole (Resolution 202/2025/QH15), by old code."""
    new_to_old = _converter()["DICT_PROVINCE"]
    old = {r["province_key"]: r["province_code"] for r in province_rows_pre2025()}
    new = {r["province_key"]: r["province_code"] for r in province_rows_2025()}
    pairs = sorted({(old[o], new[n]) for n, olds in new_to_old.items() for o in olds})
    codes = [code for code, _ in pairs]
    if len(set(codes)) != len(codes) or len(pairs) != len(old):
        raise RuntimeError("vietnamadminunits: the old → new province mapping is not a whole roll-up")
    return tuple({"province_code": code, "province_code_2025": code_2025} for code, code_2025 in pairs)


@lru_cache(maxsize=1)
def district_name_rows_pre2025() -> tuple[dict, ...]:
    """District short names per old province, used to place 2025 rows in an old province."""
    return tuple(
        query("SELECT DISTINCT provinceCode AS province_code, districtShort AS district_name FROM admin_units_legacy")
    )


@lru_cache(maxsize=1)
def commune_rows_pre2025() -> tuple[dict, ...]:
    """Communes (wards) with their district and old province, in the package's order of ward codes."""
    return tuple(
        query(
            "SELECT provinceCode AS province_code, districtShort AS district_name, district AS district_full, "
            "ward AS commune_full, wardShort AS commune_name FROM admin_units_legacy ORDER BY wardCode"
        )
    )


@lru_cache(maxsize=1)
def ward_rows_2025() -> tuple[tuple[str, str, str], ...]:
    """(2025 province code, ward short name, old province code): 2025 communes and wards with each old
    province they were formed from, one row per pair, sorted: from the package's converter (a ward made
    whole of old communes, and the ward's share of an old commune divided between several)."""
    converter = _converter()
    old_code = {r["province_key"]: r["province_code"] for r in province_rows_pre2025()}
    origins: set[tuple[str, str, str]] = set()  # (2025 province key, 2025 ward key, old province code)
    for new_province, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward, old_wards in wards.items():
            origins.update((new_province, ward, old_code[old.split("_")[0]]) for old in old_wards)
    for new_province, old_wards in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old, parts in old_wards.items():
            origins.update((new_province, part["newWardKey"], old_code[old.split("_")[0]]) for part in parts)
    names: dict[tuple[str, str], dict] = {}
    for row in query(
        "SELECT provinceKey AS province_key, provinceCode AS province_code_2025, "
        "wardKey AS ward_key, wardShort AS ward_name FROM admin_units"
    ):
        key = (row["province_key"], row["ward_key"])
        if key in names:
            raise RuntimeError(f"vietnamadminunits: the 2025 ward {key} is listed twice")
        names[key] = row
    matched = [(names[(p, w)], old) for p, w, old in origins if (p, w) in names]
    if len({row["ward_key"] for row, _ in matched}) < len({row["ward_key"] for row in names.values()}) * 0.99:
        raise RuntimeError("vietnamadminunits: the 2025 wards do not match the converter's")
    return tuple(sorted((row["province_code_2025"], row["ward_name"], old) for row, old in matched))


def provinces_pre2025() -> pd.DataFrame:
    return _frame(province_rows_pre2025())


def provinces_2025() -> pd.DataFrame:
    return _frame(province_rows_2025())


def province_mapping() -> pd.DataFrame:
    return _frame(province_mapping_rows())


def district_names_pre2025() -> pd.DataFrame:
    return _frame(district_name_rows_pre2025())


def communes_pre2025() -> pd.DataFrame:
    return _frame(commune_rows_pre2025())
