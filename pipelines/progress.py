"""What a person at a terminal sees while a refresh runs: its stages, and a bar while files are read.

Only on a terminal (`kc refresh`'s stderr is a TTY): in a pipe, a log file, or a run the Dagster daemon launched, this
prints nothing, and the refresh's summary is its whole output. `kc refresh --verbose` shows Dagster's and
dbt's own detail instead.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager


def shown() -> bool:
    """`kc refresh` at a terminal says so before the run starts (KC_PROGRESS=1): inside a Dagster step
    stderr is the step's captured log (Dagster copies it to the terminal), no longer the terminal itself."""
    return os.environ.get("KC_PROGRESS") == "1"


def wanted() -> bool:
    """Whether `kc refresh` should show progress: its stderr is a terminal."""
    return sys.stderr.isatty()


def stage(text: str) -> None:
    """One line for a stage of the refresh: 'building the models (dbt)…'."""
    if shown():
        print(f"· {text}", file=sys.stderr, flush=True)


@contextmanager
def bar(total: int, what: str):
    """A bar over `total` items, advanced by calling the yielded function; nothing off a terminal."""
    if not shown() or total == 0:
        yield lambda: None
        return
    from tqdm import tqdm

    with tqdm(total=total, desc=f"· {what}", unit=" files", file=sys.stderr, leave=True, dynamic_ncols=True) as b:
        yield lambda: b.update(1)
