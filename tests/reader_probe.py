"""Run in a reader forked from the readers' fork server (tests/test_hostile_files.py): which modules
reading files imports that the fork server had not imported already. Kept free of imports of its own,
so that loading it in the reader changes nothing."""

import sys


def modules_imported_by_reading(paths: list[str], raw_dir: str) -> list[str]:
    from pathlib import Path

    from pipelines.ingest.discover import discover
    from pipelines.ingest.parse import parse_file

    before = set(sys.modules)
    wanted = set(paths)
    for found in discover(Path(raw_dir)):
        if found.relative in wanted:
            parse_file(found)
    return sorted(set(sys.modules) - before)
