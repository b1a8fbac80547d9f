"""Administrative-unit reference data, read from the installed `vietnamadminunits` package.

Nothing here is typed by hand: upgrading the package refreshes the reference. The warehouse gets
three tables (raw.ref_provinces_pre2025, raw.ref_provinces_2025, raw.ref_province_mapping) and
the resolver below uses the same frames.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from functools import lru_cache
from importlib.metadata import version
from importlib.util import find_spec
from pathlib import Path

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


@lru_cache(maxsize=1)
def provinces_pre2025() -> pd.DataFrame:
    rows = query(
        "SELECT DISTINCT provinceCode AS province_code, province AS province_full_name, "
        "provinceShort AS province_name, provinceKey AS province_key, "
        "provinceLat AS latitude, provinceLon AS longitude FROM admin_units_legacy"
    )
    return pd.DataFrame(rows).sort_values("province_code", ignore_index=True)


@lru_cache(maxsize=1)
def provinces_2025() -> pd.DataFrame:
    rows = query(
        "SELECT DISTINCT provinceCode AS province_code, province AS province_full_name, "
        "provinceShort AS province_name, provinceKey AS province_key, "
        "provinceLat AS latitude, provinceLon AS longitude FROM admin_units"
    )
    return pd.DataFrame(rows).sort_values("province_code", ignore_index=True)


@lru_cache(maxsize=1)
def province_mapping() -> pd.DataFrame:
    """Old province → the 2025 province it went into whole (Resolution 202/2025/QH15)."""
    new_to_old = _converter()["DICT_PROVINCE"]
    old = provinces_pre2025().set_index("province_key")["province_code"]
    new = provinces_2025().set_index("province_key")["province_code"]
    pairs = [{"province_code": old[o], "province_code_2025": new[n]} for n, olds in new_to_old.items() for o in olds]
    mapping = pd.DataFrame(pairs).drop_duplicates().sort_values("province_code", ignore_index=True)
    if mapping["province_code"].duplicated().any() or len(mapping) != len(old):
        raise RuntimeError("vietnamadminunits: the old → new province mapping is not a whole roll-up")
    return mapping


def district_names_pre2025() -> pd.DataFrame:
    """District short names per old province, used to place 2025 rows in an old province."""
    rows = query(
        "SELECT DISTINCT provinceCode AS province_code, districtShort AS district_name FROM admin_units_legacy"
    )
    return pd.DataFrame(rows)


def communes_pre2025() -> pd.DataFrame:
    """Communes (wards) with their district and old province, used by the demo census."""
    rows = query(
        "SELECT provinceCode AS province_code, districtShort AS district_name, district AS district_full, "
        "ward AS commune_full, wardShort AS commune_name FROM admin_units_legacy ORDER BY wardCode"
    )
    return pd.DataFrame(rows)


@lru_cache(maxsize=1)
def wards_2025() -> pd.DataFrame:
    """2025 communes and wards (short name) with each old province they were formed from, one row per
    pair: from the package's converter (a ward made whole of old communes, and the ward's share of an old
    commune divided between several)."""
    converter = _converter()
    old_code = provinces_pre2025().set_index("province_key")["province_code"]
    origins: set[tuple[str, str, str]] = set()  # (2025 province key, 2025 ward key, old province code)
    for new_province, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward, old_wards in wards.items():
            origins.update((new_province, ward, old_code[old.split("_")[0]]) for old in old_wards)
    for new_province, old_wards in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old, parts in old_wards.items():
            origins.update((new_province, part["newWardKey"], old_code[old.split("_")[0]]) for part in parts)
    names = pd.DataFrame(
        query(
            "SELECT provinceKey AS province_key, provinceCode AS province_code_2025, "
            "wardKey AS ward_key, wardShort AS ward_name FROM admin_units"
        )
    )
    pairs = pd.DataFrame(sorted(origins), columns=["province_key", "ward_key", "province_code"])
    merged = names.merge(pairs, on=["province_key", "ward_key"], how="inner", validate="one_to_many")
    if merged["ward_key"].nunique() < names["ward_key"].nunique() * 0.99:
        raise RuntimeError("vietnamadminunits: the 2025 wards do not match the converter's")
    return merged[["province_code_2025", "ward_name", "province_code"]].sort_values(
        ["province_code_2025", "ward_name", "province_code"], ignore_index=True
    )
