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
        if any(part.startswith(".") for part in Path(relative).parts) or path.name.startswith("~$"):
            continue  # editor lock files and hidden folders are not submissions
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
        if problem:
            st = path.lstat()
            found.append(FoundFile(path, relative, dataset, st.st_size, _mtime(st.st_mtime), None, problem))
            continue
        st = path.stat()
        found.append(FoundFile(path, relative, dataset, st.st_size, _mtime(st.st_mtime), sha256_of(path)))
    return found


def _mtime(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=timezone.utc)
