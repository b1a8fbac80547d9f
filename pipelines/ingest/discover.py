"""Finding submissions under the raw root, and what each one is."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..settings import DATASETS


@dataclass(frozen=True)
class FoundFile:
    path: Path
    relative: str  # POSIX path relative to the raw root: the file's identity in the warehouse
    dataset: str | None
    size: int
    modified_at: datetime
    sha256: str | None
    problem: str | None = None  # set when the file must be rejected before it is read
    stamp: tuple = ()  # (size, mtime_ns, inode) of the directory entry: how a refresh sees "unchanged"


def is_submission(relative: Path) -> bool:
    """What Excel leaves while a workbook is open (`~$…`), dotfiles and hidden folders are not
    submissions: the refresh, the quick "nothing changed" check and the inbox sensor all skip them."""
    return not (any(part.startswith(".") for part in relative.parts) or relative.name.startswith("~$"))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def discover(raw_dir: Path) -> list[FoundFile]:
    """Every regular file below the raw root, sorted by path. Symlinks out of the root are not followed."""
    root = raw_dir.resolve()
    found = []
    for path in sorted(p for p in raw_dir.rglob("*") if not p.is_dir() or p.is_symlink()):
        relative = path.relative_to(raw_dir).as_posix()
        if not is_submission(Path(relative)):
            continue
        parts = Path(relative).parts
        dataset = parts[0] if len(parts) > 1 and parts[0] in DATASETS else None
        problem = None
        if path.is_symlink():
            target = path.resolve()
            if not target.is_relative_to(root):
                problem = "symbolic link that leads outside the raw folder: not followed"
            elif not target.is_file():
                problem = "symbolic link to something that is not a file"
        if problem is None and dataset is None:
            problem = f"not inside a dataset folder ({', '.join(d + '/' for d in DATASETS)})"
        entry = path.lstat()
        stamp = (entry.st_size, entry.st_mtime_ns, entry.st_ino)
        if problem:
            found.append(FoundFile(path, relative, dataset, entry.st_size, _mtime(entry.st_mtime), None, problem,
                                   stamp))
            continue
        st = path.stat()
        found.append(FoundFile(path, relative, dataset, st.st_size, _mtime(st.st_mtime), sha256_of(path),
                               stamp=stamp))
    return found


def _mtime(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=timezone.utc)
