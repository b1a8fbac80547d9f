"""One file, read: its real format checked, its sheets parsed by its dataset's parser.

`parse_file` never raises for anything wrong with the file itself: it returns a `FileOutcome` whose
status is `rejected` with the reason. It runs inside a sandboxed reader process (`sandbox.py`), so
it imports nothing the refresh process needs to keep (no database).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..datasets import DATASETS
from .config import CONFIG_DIR, load_dataset_config
from .discover import FoundFile, sha256_of, unreadable_reason
from .limits import Limits
from .provinces import resolver
from .readers import read_sheets
from .results import ParsedFile, arrow_schema
from .sniff import FileFormat, UnreadableFile, inspect
from .walker import RegisterParser

CHANGED_WHILE_READ = (
    "the file changed while it was being read (it was probably still being copied or saved): "
    "it will be read again at the next refresh"
)


def _sha256_now(path: Path) -> str | None:
    try:
        return sha256_of(path)
    except OSError:
        return None


PARSERS: dict[str, type[RegisterParser]] = {d.name: d.parser_class() for d in DATASETS}


@dataclass
class FileOutcome:
    found: FoundFile
    status: str = "loaded"
    reason: str | None = None
    parsed: ParsedFile | None = None
    format: FileFormat | None = None
    province_code: str | None = None
    province_code_2025: str | None = None
    years: list[int] = field(default_factory=list)
    rows_accepted: int = 0
    # False when the outcome says more about this run than about the file (the reader ran out of
    # time or died): such an outcome is never cached, so the next refresh reads the file again.
    cacheable: bool = True
    hint: str | None = None  # kc validate: another dataset that reads the file (a census in projects/)

    def reject(self, reason: str) -> FileOutcome:
        self.status, self.reason = "rejected", reason
        return self


def parse_file(found: FoundFile, config_dir: Path = CONFIG_DIR, limits: Limits | None = None) -> FileOutcome:
    """Read one file as its dataset; a file with nothing loadable is `rejected` with the reason."""
    outcome = FileOutcome(found)
    if found.problem:
        return outcome.reject(found.problem)
    limits = limits or Limits()
    config = load_dataset_config(found.dataset, config_dir)
    parser = PARSERS[found.dataset](config, resolver(config_dir / "provinces.yaml"))
    try:
        outcome.format = inspect(found.path, limits)
        sheets = read_sheets(found.path, outcome.format, limits)
        outcome.parsed = parser.parse(sheets, found.relative).lighten(arrow_schema(parser.columns))
    except UnreadableFile as exc:
        return outcome.reject(str(exc))
    except OSError as exc:  # gone or locked since discovery: a fact about this moment, not the file
        outcome.cacheable = False
        return outcome.reject(unreadable_reason(exc))
    if found.sha256 is not None and _sha256_now(found.path) != found.sha256:
        # what was parsed may be neither the bytes that were hashed nor the bytes there now: refuse it
        # for this refresh, uncached, so that the next refresh reads the file as it then is
        outcome.cacheable = False
        return outcome.reject(CHANGED_WHILE_READ)
    parsed = outcome.parsed
    if not parsed.tables:
        notes = "; ".join(f"sheet '{s.name}': {s.note}" for s in parsed.sheets) or "the workbook has no sheets"
        if parsed.sheets and all(s.note == "empty sheet" for s in parsed.sheets):
            return outcome.reject(f"the workbook is empty ({notes})")
        return outcome.reject(f"no {parser.table_name} in the file ({notes})")
    if not parsed.records:
        return outcome.reject(
            f"no row could be read: all {len(parsed.rejected)} rows rejected"
            if parsed.rejected
            else f"the {parser.table_name} has no rows"
        )
    # worked out here, in the reader process, and sent with the records: grouping with Arrow loads its
    # query engine and pandas (0.3 s), which the refresh process then never needs
    parsed.records.keys()
    return outcome
