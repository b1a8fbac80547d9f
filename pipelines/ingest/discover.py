"""Finding submissions under the raw root, and what each one is."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..datasets import NAMES as DATASETS


@dataclass(frozen=True)
class FoundFile:
    path: Path
    relative: str  # POSIX path relative to the raw root: the file's identity in the warehouse
    dataset: str | None
    size: int
    modified_at: datetime
    sha256: str | None
    problem: str | None = None  # set when the file must be rejected before it is read
    stamp: tuple = ()  # file_stamp of the directory entry: how a refresh sees "unchanged"
    # the problem is of this moment (the file could not be opened: permissions, gone, locked), which a
    # fix may end without changing the stamp (chmod): the next refresh looks again
    passing: bool = False


def is_submission(relative: Path) -> bool:
    """What Excel leaves while a workbook is open (`~$…`), dotfiles and hidden folders are not
    submissions: the refresh, the quick "nothing changed" check and the inbox sensor all skip them."""
    return not (any(part.startswith(".") for part in relative.parts) or relative.name.startswith("~$"))


def file_stamp(st) -> tuple[int, int, int, int]:
    """How a refresh sees that a file is unchanged: its size, modification time, inode and change time
    (nanoseconds). Writing a file's bytes changes its change time, which no program can set back
    (`touch -d` and copies that keep the modification time change it too), as git's index relies on."""
    return (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def entries(raw_dir: Path) -> tuple[list[Path], list[tuple[Path, OSError]]]:
    """Every file, symbolic link and unreadable folder below the raw root (hidden ones and Excel's `~$…`
    left out), sorted; and the folders that could not be listed, with why. Links to folders are not
    followed (a loop cannot hang the walk)."""
    paths, unreadable = [], []

    def onerror(error: OSError) -> None:
        unreadable.append((Path(error.filename), error))

    for folder, dirs, files in os.walk(raw_dir, onerror=onerror):
        base = Path(folder)
        kept = []
        for name in dirs:
            path = base / name
            if not is_submission(path.relative_to(raw_dir)):
                continue
            if path.is_symlink():
                paths.append(path)  # described, not followed
            else:
                kept.append(name)
        dirs[:] = kept
        paths += [base / name for name in files if is_submission((base / name).relative_to(raw_dir))]
    return sorted(paths), sorted(unreadable, key=lambda pair: pair[0])


def relative_name(path: Path, raw_dir: Path) -> str:
    """The path under the raw root as text; a name that is not valid UTF-8 is shown with "\ufffd"."""
    relative = path.relative_to(raw_dir).as_posix()
    return relative.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _problem_of(path: Path, relative: str, root: Path, dataset: str | None) -> str | None:
    if "\ufffd" in relative:
        return "the file name is not valid text (not UTF-8): rename the file and send it again"
    if path.is_symlink():
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return "symbolic link that leads nowhere (missing, or a loop): not followed"
        if not target.is_relative_to(root):
            return "symbolic link that leads outside the raw folder: not followed"
        if not target.is_file():
            return "symbolic link to something that is not a file"
    if dataset is None:
        return f"not inside a dataset folder ({', '.join(d + '/' for d in DATASETS)})"
    return None


def discover(raw_dir: Path, known: Mapping[str, tuple[list, str]] | None = None) -> list[FoundFile]:
    """Every regular file below the raw root, sorted by path. Symlinks out of the root are not followed.

    `known`: each file's stamp and sha256 as the last refresh recorded them. A regular file whose stamp
    is the same keeps its sha256 without being read again (hashing the national inbox's 80 MB took 0.3 s
    of every refresh); any other file, and every symbolic link (its target may change under the same
    link), is hashed.

    Nothing below the raw root can stop the refresh: a file that cannot be read (permission denied,
    gone while the refresh runs), a link loop, a name that is not valid text and a folder that cannot be
    listed each become that entry's recorded rejection, with the reason."""
    root = raw_dir.resolve()
    paths, unreadable = entries(raw_dir)
    found = []
    for path in paths:
        relative = relative_name(path, raw_dir)
        parts = Path(relative).parts
        dataset = parts[0] if len(parts) > 1 and parts[0] in DATASETS else None
        try:
            entry = path.lstat()
        except OSError as exc:
            found.append(FoundFile(path, relative, dataset, 0, _mtime(0), None, unreadable_reason(exc)))
            continue
        stamp = file_stamp(entry)
        problem, passing = _problem_of(path, relative, root, dataset), False
        if problem is None:
            try:
                st = path.stat()
                last = known.get(relative) if known and stat.S_ISREG(entry.st_mode) else None
                digest = last[1] if last and tuple(last[0]) == stamp and last[1] else sha256_of(path)
            except OSError as exc:
                problem, passing = unreadable_reason(exc), True
        if problem:
            found.append(
                FoundFile(path, relative, dataset, entry.st_size, _mtime(entry.st_mtime), None, problem, stamp, passing)
            )
            continue
        found.append(FoundFile(path, relative, dataset, st.st_size, _mtime(st.st_mtime), digest, stamp=stamp))
    for folder, error in unreadable:
        relative = relative_name(folder, raw_dir) + "/"
        parts = Path(relative).parts
        dataset = parts[0] if parts and parts[0] in DATASETS else None
        found.append(
            FoundFile(
                folder,
                relative,
                dataset,
                0,
                _mtime(0),
                None,
                f"folder that cannot be opened ({error.strerror or error}): none of its files were read; "
                "give the refresh permission to read it",
            )
        )
    return found


def unreadable_reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "the file disappeared while the refresh was running: it will be looked at again next time"
    if isinstance(exc, PermissionError):
        return "the file cannot be opened (permission denied): give the refresh permission to read it"
    return f"the file cannot be read ({exc.strerror or exc})"


def _mtime(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)
