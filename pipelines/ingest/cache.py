"""What a file gave when it was last read, kept between refreshes so that only new or changed files
are read again.

An entry is keyed by the file's content (sha256), its path under the raw root (the path can name
the province and the year), its dataset, and a fingerprint of everything that decides how a file
is read: the ingestion code, the configuration (datasets, vocabulary, provinces, limits) and the
versions of the readers and of the administrative-unit reference. Changing any of them changes
every key, so a stale reading is never reused; entries no refresh asked for are pruned.

Outcomes that say more about the run than about the file (a reader that timed out or died, a file
that changed while it was read) are not kept. Every entry carries a sha256 of its contents: a damaged
entry is deleted and the file read again, never loaded. The cache lives in the private work area (`data/work/cache/`); deleting it is always safe.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from dataclasses import asdict, replace
from importlib.metadata import version
from pathlib import Path

from .discover import FoundFile
from .limits import Limits
from .parse import FileOutcome

INGEST_DIR = Path(__file__).resolve().parent
_PACKAGES = ("python-calamine", "vietnamadminunits", "olefile", "pyarrow")


_MAGIC = b"KCPARSE1"


def _verified(data: bytes) -> bytes:
    """The pickled payload of an entry whose checksum holds; ValueError otherwise. An entry is
    MAGIC + sha256(payload) + payload: one flipped bit anywhere makes it a miss, never a wrong figure."""
    head = len(_MAGIC) + 32
    if len(data) < head or not data.startswith(_MAGIC):
        raise ValueError("not a parse-cache entry")
    payload = data[head:]
    if hashlib.sha256(payload).digest() != data[len(_MAGIC):head]:
        raise ValueError("checksum mismatch")
    return payload


def fingerprint(config_dir: Path, limits: Limits) -> str:
    """A hash of the code, configuration, limits and library versions a reading depends on."""
    digest = hashlib.sha256()
    sources = sorted(INGEST_DIR.glob("*.py")) + sorted(p for p in config_dir.rglob("*") if p.is_file())
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
        key = hashlib.sha256("\0".join((found.sha256 or "", found.relative, found.dataset,
                                        self.fingerprint)).encode()).hexdigest()
        return self.root / key[:2] / f"{key}.pickle"

    def get(self, found: FoundFile) -> FileOutcome | None:
        if found.sha256 is None or found.problem:
            return None
        entry = self._entry(found)
        self.used.add(entry)
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
        except Exception:  # a damaged entry (a flipped bit, a truncated write): never loaded, read again
            entry.unlink(missing_ok=True)
            self.misses += 1
            self.damaged += 1
            return None
        self.hits += 1
        return replace(outcome, found=found)  # same content; the received time may differ

    def put(self, outcome: FileOutcome) -> None:
        found = outcome.found
        if not outcome.cacheable or found.sha256 is None or found.problem:
            return
        entry = self._entry(found)
        self.used.add(entry)
        entry.parent.mkdir(parents=True, exist_ok=True)
        temp = entry.with_name(f".{entry.name}.{os.getpid()}")
        payload = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        with temp.open("wb") as handle:
            handle.write(_MAGIC + hashlib.sha256(payload).digest() + payload)
        os.replace(temp, entry)  # whole or absent, never half-written

    def prune(self) -> int:
        """Remove entries this refresh did not ask for (files gone or changed, older fingerprints)."""
        removed = 0
        if not self.root.exists():
            return removed
        for entry in self.root.rglob("*"):
            if entry.is_file() and entry not in self.used:
                entry.unlink(missing_ok=True)
                removed += 1
        return removed
