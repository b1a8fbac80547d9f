"""The configurable limits for reading untrusted files (`pipelines/config/limits.yaml`)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import yaml

MIB = 1 << 20
CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"  # as config.CONFIG_DIR (which imports readers)


@dataclass(frozen=True)
class Limits:
    max_file_mib: float = 64
    max_unpacked_mib: float = 256
    max_compression_ratio: float = 100
    max_zip_entries: int = 2000
    max_sheet_cells: int = 5_000_000
    reader_memory_mib: float = 768
    reader_timeout_seconds: float = 60
    reader_processes: int = 2
    batch_files: int = 64
    batch_mib: float = 2

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mib * MIB)

    @property
    def max_unpacked_bytes(self) -> int:
        return int(self.max_unpacked_mib * MIB)

    @property
    def batch_bytes(self) -> int:
        return int(self.batch_mib * MIB)

    @property
    def reader_memory_bytes(self) -> int:
        return int(self.reader_memory_mib * MIB)


def load_limits(config_dir: Path = CONFIG_DIR) -> Limits:
    path = config_dir / "limits.yaml"
    values = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    known = {f.name for f in fields(Limits)}
    unknown = set(values or {}) - known
    if unknown:
        raise ValueError(f"{path}: unknown limits {sorted(unknown)} (known: {sorted(known)})")
    return Limits(**(values or {}))


def mib(n: float) -> str:
    """1.0 GiB / 256 MiB / 12 KiB, for reasons a person reads."""
    if n >= 1 << 30:
        return f"{n / (1 << 30):.1f} GiB"
    if n >= MIB:
        return f"{n / MIB:.0f} MiB"
    return f"{n / 1024:.0f} KiB"
