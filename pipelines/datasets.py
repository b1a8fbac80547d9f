"""The datasets provinces send: one registry, from which everything else that lists them derives.

The inbox folders (`discover`), the parsers (`ingest.parse.PARSERS`) and their reader preload, the raw
tables and their Dagster assets, the CLI's `--dataset` choices and the Vietnamese names `kc validate`
shows all come from `DATASETS`. dbt's side of it (the raw sources, and the `datasets` variable that
`reporting_completeness` reads) is checked against this list by tests/test_datasets.py.

Adding a dataset touches this registry, a parser (`ingest/<name>.py`), its YAML mapping
(`config/<name>.yaml`) and the dbt models (a source, a staging model, the `datasets` variable), and
nothing else. This module imports nothing heavy: the CLI reads it before anything else is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module


@dataclass(frozen=True)
class Dataset:
    name: str  # the inbox folder, the raw table (raw.<name>), the config file (config/<name>.yaml)
    parser: str  # "module:Class" under pipelines.ingest, imported only when a file is read
    vietnamese: str  # what a provincial officer calls it (kc validate)
    description: str  # the raw table, as Dagster shows it

    def parser_class(self):
        module, _, cls = self.parser.partition(":")
        return getattr(import_module(f"pipelines.ingest.{module}"), cls)


DATASETS: tuple[Dataset, ...] = (
    Dataset("projects", "projects:ProjectsParser", "danh mục đề án", "Accepted project-register rows with lineage."),
    Dataset(
        "census",
        "census:CensusParser",
        "phiếu điều tra cơ sở",
        "Accepted census rows (facility × wave), personal data left behind.",
    ),
    Dataset(
        "outcomes",
        "outcomes:OutcomesParser",
        "phiếu khảo sát kết quả",
        "Accepted outcome-survey rows (before/after support).",
    ),
    Dataset("plans", "plans:PlansParser", "kế hoạch kinh phí", "Accepted plan lines (province × year × level)."),
)

NAMES: tuple[str, ...] = tuple(d.name for d in DATASETS)
BY_NAME: dict[str, Dataset] = {d.name: d for d in DATASETS}
