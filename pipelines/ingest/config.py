"""Loading the YAML configuration that maps headers and coded values."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from .table import HeaderConfig
from .text import fold

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"


@dataclass
class DatasetConfig:
    name: str
    header: HeaderConfig
    money_fields: list[str]
    count_fields: list[str]
    quantity_fields: list[str]
    personal_fields: list[str]  # never stored; masked in rejected rows
    row_identity_fields: list[str]
    values: dict[str, list[tuple[str, str]]]  # field → [(folded phrase, code)], longest phrase first
    subtotal_heads: list[str]
    signature_heads: list[str]
    path: Path

    def code_for(self, field: str, text: str | None, *, within: bool = False) -> str | None:
        """Coded value for a cell: an exact folded match, or (within=True) a phrase inside the text."""
        folded = fold(text)
        if not folded:
            return None
        for phrase, code in self.values.get(field, []):
            if folded == phrase:
                return code
        if within:
            for phrase, code in self.values.get(field, []):
                if f" {phrase} " in f" {folded} ":
                    return code
        return None


@lru_cache(maxsize=16)
def load_dataset_config(name: str, config_dir: Path = CONFIG_DIR) -> DatasetConfig:
    path = config_dir / f"{name}.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    vocabulary = yaml.safe_load((config_dir / "vocabulary.yaml").read_text(encoding="utf-8"))
    header = HeaderConfig.from_fields(raw["fields"], raw.get("min_header_fields", 3), raw["identity_fields"])
    values = {}
    for field, list_name in (raw.get("coded_fields") or {}).items():
        pairs = [(fold(p), code) for code, phrases in vocabulary[list_name].items() for p in phrases]
        values[field] = sorted(pairs, key=lambda p: -len(p[0]))
    return DatasetConfig(
        name=raw["dataset"],
        header=header,
        money_fields=raw.get("money_fields", []),
        count_fields=raw.get("count_fields", []),
        quantity_fields=raw.get("quantity_fields", []),
        personal_fields=raw.get("personal_fields", []),
        row_identity_fields=raw.get("row_identity_fields", raw["identity_fields"]),
        values=values,
        subtotal_heads=sorted((fold(h) for h in raw.get("subtotal_prefixes", [])), key=len, reverse=True),
        signature_heads=[fold(h) for h in raw.get("signature_prefixes", [])],
        path=path,
    )
