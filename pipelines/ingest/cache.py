"""What a file gave when it was last read, kept between refreshes so that only new or changed files
are read again.

An entry is keyed by the file's content (sha256), its path under the raw root (the path can name
the province and the year), its dataset, and a fingerprint of everything that decides how a file
is read: the ingestion code, the configuration (datasets, vocabulary, provinces, limits) and the
versions of the readers and of the administrative-unit reference. Changing any of them changes
every key, so a stale reading is never reused; entries no refresh asked for are pruned.

An entry is two files: `<key>.pickle`, what the reading said about the file (its status, rejected
rows, warnings, totals, and its records' row count and province-year keys), and `<key>.arrow`, the
records themselves (Arrow IPC). A refresh asks every file's summary (supersession is decided over all of
them) but loads the records only of the files whose rows it writes: after one corrected register, one.

Outcomes that say more about the run than about the file (a reader that timed out or died, a file
that changed while it was read) are not kept. Every entry file carries a sha256 of its contents: a
damaged summary is deleted and the file read again, never loaded; damaged records are found when they
are loaded (`DamagedEntry`: ingestion then reads the file again). The cache lives in the private work
area (`data/work/cache/`); deleting it is always safe.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from dataclasses import asdict, replace
from importlib.metadata import version
from pathlib import Path

import pyarrow as pa

from .discover import FoundFile
from .limits import Limits
from .parse import FileOutcome
from .results import ArrowRecords

INGEST_DIR = Path(__file__).resolve().parent
_PACKAGES = ("python-calamine", "vietnamadminunits", "olefile", "pyarrow")


_MAGIC = b"KCPARSE2"


class DamagedEntry(Exception):
    """A cached file's records did not match their checksum when loaded; the entry is gone."""

    def __init__(self, relative: str):
        super().__init__(f"the parse cache's records of {relative} were damaged (deleted; the file is read again)")
        self.relative = relative


def write_records(path: Path, table: pa.Table) -> None:
    """A file's records as the cache keeps them: Arrow IPC, sealed with its checksum, written whole."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    _write_whole(path, _sealed(sink.getvalue().to_pybytes()))


def read_records(path: Path) -> pa.Table:
    """The records `write_records` wrote; OSError, ValueError or ArrowException when they are not whole."""
    return pa.ipc.open_file(pa.py_buffer(_verified(path.read_bytes()))).read_all()


class Spooled:
    """The records of a file a reader process has just read, which it wrote to the cache's spool folder
    (`write_records`) rather than send them through its pipe: `put` moves the file into its entry. Sending
    them cost the reader its pickling and the refresh process the unpickling and the writing again (about
    2.5 s of CPU in a national full refresh)."""

    portable = True  # sent from the reader to the refresh process as it is (ArrowRecords.__getstate__)

    def __init__(self, path: Path, relative: str):
        self.path, self.relative = path, relative

    def __call__(self) -> pa.Table:
        try:
            return read_records(self.path)
        except (OSError, ValueError, pa.ArrowException) as exc:
            raise DamagedEntry(self.relative) from exc


class _Detached:
    """The records of a cache summary: their row count and keys, the table being in the `.arrow` file."""

    def __init__(self, rows: int, keys: list[dict]):
        self.rows, self.keys = rows, keys


def _sealed(payload: bytes) -> bytes:
    return _MAGIC + hashlib.sha256(payload).digest() + payload


def _write_whole(path: Path, data: bytes) -> None:
    temp = path.with_name(f".{path.name}.{os.getpid()}")
    with temp.open("wb") as handle:
        handle.write(data)
    os.replace(temp, path)  # whole or absent, never half-written


def _verified(data: bytes) -> bytes:
    """The pickled payload of an entry whose checksum holds; ValueError otherwise. An entry is
    MAGIC + sha256(payload) + payload: one flipped bit anywhere makes it a miss, never a wrong figure."""
    head = len(_MAGIC) + 32
    if len(data) < head or not data.startswith(_MAGIC):
        raise ValueError("not a parse-cache entry")
    payload = data[head:]
    if hashlib.sha256(payload).digest() != data[len(_MAGIC) : head]:
        raise ValueError("checksum mismatch")
    return payload


def fingerprint(config_dir: Path, limits: Limits) -> str:
    """A hash of the code, configuration, limits and library versions a reading depends on."""
    digest = hashlib.sha256()
    # the registry decides which parser reads which folder
    sources = [INGEST_DIR.parent / "datasets.py", *sorted(INGEST_DIR.glob("*.py"))]
    sources += sorted(p for p in config_dir.rglob("*") if p.is_file())
    for path in sources:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(repr(sorted(asdict(limits).items())).encode())
    for package in _PACKAGES:
        digest.update(f"{package}=={version(package)}".encode())
    return digest.hexdigest()[:16]


class ParseCache:
    def __init__(self, root: Path, config_dir: Path, limits: Limits):
        self.root = root
        self.fingerprint = fingerprint(config_dir, limits)
        self.used: set[Path] = set()
        self.hits = self.misses = self.damaged = 0

    def _entry(self, found: FoundFile) -> Path:
        key = hashlib.sha256(
            "\0".join((found.sha256 or "", found.relative, found.dataset, self.fingerprint)).encode()
        ).hexdigest()
        return self.root / key[:2] / f"{key}.pickle"

    def get(self, found: FoundFile) -> FileOutcome | None:
        """The file's outcome as last read; its records' table is loaded only when asked for."""
        if found.sha256 is None or found.problem:
            return None
        entry = self._entry(found)
        records_file = entry.with_suffix(".arrow")
        self.used.update((entry, records_file))
        try:
            data = entry.read_bytes()
        except FileNotFoundError:
            self.misses += 1
            return None
        except OSError:
            data = b""
        try:
            payload = _verified(data)
            outcome: FileOutcome = pickle.loads(payload)
            detached = outcome.parsed.records if outcome.parsed else None
            if isinstance(detached, _Detached):
                if not records_file.exists():
                    raise ValueError("records missing")
                outcome.parsed.records = ArrowRecords.deferred(
                    detached.rows, detached.keys, lambda: self._records(entry, records_file, found.relative)
                )
        except Exception:  # a damaged entry (a flipped bit, a truncated write): never loaded, read again
            self._forget(entry)
            self.misses += 1
            self.damaged += 1
            return None
        self.hits += 1
        return replace(outcome, found=found)  # kept without it (`put`); same content, the received time may differ

    def _records(self, entry: Path, records_file: Path, relative: str) -> pa.Table:
        try:
            return read_records(records_file)
        except (OSError, ValueError, pa.ArrowException) as exc:
            self._forget(entry)
            self.damaged += 1
            raise DamagedEntry(relative) from exc

    def _forget(self, entry: Path) -> None:
        entry.unlink(missing_ok=True)
        entry.with_suffix(".arrow").unlink(missing_ok=True)

    @property
    def spool(self) -> Path:
        """Where reader processes write the records they read (`Spooled`); what is left there (a reader
        killed while writing) is pruned."""
        return self.root / "spool"

    def put(self, outcome: FileOutcome) -> None:
        found = outcome.found
        records = outcome.parsed.records if outcome.parsed else None
        loader = records.loader if isinstance(records, ArrowRecords) else None
        spooled = loader if isinstance(loader, Spooled) else None  # a reader's records, still in the spool
        if not outcome.cacheable or found.sha256 is None or found.problem:
            if spooled is not None:  # kept in memory, not in the cache: its spool file is pruned
                _ = records.table
            return
        entry = self._entry(found)
        records_file = entry.with_suffix(".arrow")
        self.used.update((entry, records_file))
        entry.parent.mkdir(parents=True, exist_ok=True)
        summary = outcome
        if isinstance(records, ArrowRecords):
            if spooled is not None:
                os.replace(spooled.path, records_file)  # whole, as the reader wrote it whole
                records.load_with(lambda: self._records(entry, records_file, found.relative))
            else:
                write_records(records_file, records.table)
            summary = replace(outcome, parsed=replace(outcome.parsed, records=_Detached(len(records), records.keys())))
        # without the file's description: `get` is given it (rebuilding its Path was a third of loading the
        # national inbox's 2,075 summaries, every refresh)
        summary = replace(summary, found=None)
        _write_whole(entry, _sealed(pickle.dumps(summary, protocol=pickle.HIGHEST_PROTOCOL)))

    def prune(self) -> int:
        """Remove entries this refresh did not ask for (files gone or changed, older fingerprints)."""
        # os.scandir and names as text: Path.rglob and a Path per entry took 0.15-0.2 s of every refresh
        # on the national inbox's 4,000 entries (a corrected register's refresh is about 10 s)
        used = {str(path) for path in self.used}
        removed = 0
        stack = [str(self.root)]
        while stack:
            try:
                listing = os.scandir(stack.pop())
            except FileNotFoundError:
                continue
            with listing:
                for entry in listing:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                    elif entry.path not in used:
                        try:
                            os.unlink(entry.path)
                        except FileNotFoundError:
                            continue
                        removed += 1
        return removed
