"""The columnar reading of a register against the row-by-row walker, file by file: records, rejected rows
with their reasons, warnings and totals must be identical. Run over every file of an inbox:

    python -m pipelines.ingest.differential data/raw [more roots…]

(exit 1 naming the first difference of each file). `tests/test_columnar.py` runs it over the demo inbox.
"""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path

from .config import CONFIG_DIR, load_dataset_config
from .discover import discover
from .parse import PARSERS
from .provinces import resolver
from .readers import read_sheets
from .results import arrow_schema
from .sniff import UnreadableFile


def _reading(parsed, schema) -> dict:
    return {
        # as they are written: a field a record leaves out is null
        "records": parsed.records.arrow(schema).to_pylist(),
        "rejected": [asdict(r) for r in parsed.rejected],
        "warnings": [asdict(w) for w in parsed.warnings],
        "totals": [asdict(t) for t in parsed.totals],
        "rows_read": parsed.rows_read,
        "sheets": [(s.name, s.note, s.table is not None) for s in parsed.sheets],
    }


def difference(path: Path, relative: str, dataset: str, config_dir: Path = CONFIG_DIR) -> str | None:
    """The first difference between the columnar and the row-by-row reading of one file, or None."""
    if not PARSERS[dataset].columnar:
        return None
    try:
        sheets = read_sheets(path)
    except (UnreadableFile, OSError):
        return None  # refused before any parser runs: nothing to compare
    readings = []
    for columnar in (True, False):
        parser = PARSERS[dataset](load_dataset_config(dataset, config_dir), resolver(config_dir / "provinces.yaml"))
        parser.columnar = columnar
        readings.append(_reading(parser.parse(sheets, relative), arrow_schema(parser.columns)))
    fast, slow = readings
    for part in slow:
        if fast[part] != slow[part]:
            if isinstance(slow[part], list):
                for i, (a, b) in enumerate(zip(fast[part], slow[part])):
                    if a != b:
                        return f"{part}[{i}]: columnar {a!r} ≠ row walker {b!r}"
                return f"{part}: columnar {len(fast[part])} ≠ row walker {len(slow[part])}"
            return f"{part}: columnar {fast[part]!r} ≠ row walker {slow[part]!r}"
    return None


def compare(raw_dir: Path) -> tuple[int, list[str]]:
    """(files compared, differences as 'relative path: difference')."""
    compared, differences = 0, []
    for found in discover(raw_dir):
        if found.problem or found.dataset not in PARSERS or not PARSERS[found.dataset].columnar:
            continue
        compared += 1
        diff = difference(found.path, found.relative, found.dataset)
        if diff:
            differences.append(f"{found.relative}: {diff}")
    return compared, differences


def main(argv: list[str]) -> int:
    failed = False
    for root in argv or ["data/raw"]:
        compared, differences = compare(Path(root))
        print(f"{root}: {compared} files read both ways, {len(differences)} differ")
        for line in differences:
            print(f"  {line}")
        failed = failed or bool(differences)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
