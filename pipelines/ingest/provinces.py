"""Resolve a province mention to official codes (pre-2025 GSO code and 2025 code).

Order of evidence (the first that names a province wins): a province column on the row, the title
block above the table, then the file's path. The year decides the generation: up to 2024 a name is
an old province; from 2025 a name is read as a current (34-unit) province first, and as an old one
only if no current unit has that name (e.g. "Sóc Trăng" in 2025 is the old province inside Cần Thơ).
A 2025-generation record gets an old code only when its unit came from exactly one old province, or
its location names an old province or a district that lies in exactly one of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from .text import compact, contains_phrase, fold, name_key

REFORM_YEAR = 2025
_PREFIXES = ("tinh ", "thanh pho ", "tp ", "t ", "tp. ", "ubnd tinh ", "so cong thuong ")


@dataclass(frozen=True)
class Province:
    code: str | None  # pre-2025 GSO code, None when the record cannot be placed in one
    code_2025: str


class _Names:
    """Folded names of one generation, longest first so 'Bà Rịa - Vũng Tàu' wins over parts."""

    def __init__(self, rows, abbreviations: dict[str, str] | None = None):
        self.by_compact: dict[str, str] = {}
        phrases = []
        for row in rows:
            for name in (row["province_name"], row["province_full_name"]):
                self.by_compact[compact(name)] = row["province_code"]
                phrases.append((fold(row["province_name"]), row["province_code"]))
        for abbr, code in (abbreviations or {}).items():
            self.by_compact.setdefault(compact(abbr), code)
        # longest first; among names of one length, in a fixed order (a set's order changes from process to
        # process with the hash seed, and so would the province of a text that holds two such names)
        self.phrases = sorted(set(phrases), key=lambda p: (-len(p[0]), p))

    def exact(self, text: str) -> str | None:
        """A whole cell or path segment that is a name: 'T. Sóc Trăng', 'soc-trang', 'ST'."""
        folded = fold(text)
        for prefix in _PREFIXES:
            if folded.startswith(prefix) and compact(folded[len(prefix) :]) in self.by_compact:
                return self.by_compact[compact(folded[len(prefix) :])]
        return self.by_compact.get(compact(folded))

    def within(self, text: str) -> str | None:
        """A name inside a longer text: 'UBND TỈNH SÓC TRĂNG' → 94."""
        folded = fold(text)
        for phrase, code in self.phrases:
            if contains_phrase(folded, phrase):
                return code
        return None


class ProvinceResolver:
    def __init__(self, config_path: Path):
        # imported here: only the reader processes need the reference data, not the refresh process that
        # imports this module for its types
        from .. import reference

        config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
        self.old = _Names(reference.province_rows_pre2025(), config.get("abbreviations", {}))
        self.new = _Names(reference.province_rows_2025())
        self.old_to_new = {r["province_code"]: r["province_code_2025"] for r in reference.province_mapping_rows()}
        self.new_to_olds: dict[str, list[str]] = {}
        for old, new in self.old_to_new.items():
            self.new_to_olds.setdefault(new, []).append(old)
        # Places are compared with their tones (name_key: case, spacing, NFC/NFD and tone placement
        # ignored): folded, "Xã Mỹ Thọ" (Đồng Tháp) would read as "Mỹ Tho" (Tiền Giang).
        self.districts = self._places_by_unit(reference.district_name_rows_pre2025(), "district_name")
        self.communes = self._places_by_unit(reference.commune_rows_pre2025(), "commune_name")
        # a 2025 commune or ward → the old provinces it was formed from (a register of 2025 names them)
        wards: dict[str, set[tuple[str, str]]] = {}
        for unit, name, old in reference.ward_rows_2025():
            wards.setdefault(unit, set()).add((name_key(name), old))
        self.wards_2025 = {unit: sorted(pairs) for unit, pairs in wards.items()}
        self.old_name_phrase = {
            r["province_code"]: name_key(r["province_name"]) for r in reference.province_rows_pre2025()
        }

    def _places_by_unit(self, rows, column: str) -> dict[str, list[tuple[str, str]]]:
        """2025 unit → [(place key, old province code)] for the districts or communes of its old provinces."""
        places: dict[str, set[tuple[str, str]]] = {}
        for row in rows:
            code, name = row["province_code"], row[column]
            name = re.sub(
                r"\s*\([^)]*\)\s*$", "", name if isinstance(name, str) else ""
            )  # "Cao Lãnh (Thành phố)": its kind
            if name:
                places.setdefault(self.old_to_new[code], set()).add((name_key(name), code))
        return {unit: sorted(pairs) for unit, pairs in places.items()}

    def _from_old(self, code: str) -> Province:
        return Province(code, self.old_to_new[code])

    def _from_new(self, code_2025: str) -> Province:
        olds = self.new_to_olds.get(code_2025, [])
        return Province(olds[0] if len(olds) == 1 else None, code_2025)

    # Every row of a sheet asks about the same title and path, and its commune repeats: the resolver
    # lives for the whole reader process (see `resolver`), so its answers are kept.
    @lru_cache(maxsize=1 << 14)  # noqa: B019 (one resolver per process, kept for good)
    def resolve(self, text: str | None, year: int | None, *, whole: bool) -> Province | None:
        """A province from one piece of evidence. `whole`: the text is just a name (cell, path part)."""
        if not text:
            return None
        find_old = self.old.exact if whole else self.old.within
        find_new = self.new.exact if whole else self.new.within
        if year is not None and year >= REFORM_YEAR:
            code = find_new(text)
            if code:
                return self._from_new(code)
        code = find_old(text)
        return self._from_old(code) if code else None

    @lru_cache(maxsize=1 << 12)  # noqa: B019
    def resolve_path(self, relative_path: str, year: int | None) -> Province | None:
        for part in reversed(Path(relative_path).parts[:-1]):
            found = self.resolve(re.sub(r"[-_]+", " ", part), year, whole=True)
            if found:
                return found
        return self.resolve(Path(relative_path).stem.replace("-", " ").replace("_", " "), year, whole=False)

    @lru_cache(maxsize=1 << 14)  # noqa: B019
    def place_in_old(self, province: Province, location: str | None) -> Province:
        """For a 2025 unit merged from several old provinces: the old one its location names (an old
        province's name, else a district, else a commune or ward, of either generation, of exactly one of
        them). A place found in two old provinces (an old commune of one and a 2025 ward formed from
        another, or a 2025 ward formed from both) leaves the old province empty: never a guess."""
        if province.code is not None or not location:
            return province
        key = name_key(location)
        olds = self.new_to_olds.get(province.code_2025, [])
        for candidates in (
            {old for old in olds if contains_phrase(key, self.old_name_phrase[old])},
            {old for name, old in self.districts.get(province.code_2025, []) if contains_phrase(key, name)},
            {
                old
                for name, old in self.communes.get(province.code_2025, []) + self.wards_2025.get(province.code_2025, [])
                if contains_phrase(key, name)
            },
        ):
            if len(candidates) == 1:
                return Province(candidates.pop(), province.code_2025)
            if candidates:
                return province  # named in more than one old province: ambiguous
        return province


@lru_cache(maxsize=4)
def resolver(config_path: Path) -> ProvinceResolver:
    return ProvinceResolver(config_path)
