"""Imported once by the reader forkserver, so every reader process starts warm.

Loading the dataset configurations and the province resolver (vietnamadminunits) takes longer than
reading a typical file; done here, each forked reader inherits them instead of redoing them.
"""

from ..datasets import NAMES as DATASETS
from . import parse  # noqa: F401  (the code every reader runs)
from .config import CONFIG_DIR, load_dataset_config
from .provinces import resolver

for _dataset in DATASETS:
    load_dataset_config(_dataset, CONFIG_DIR)
resolver(CONFIG_DIR / "provinces.yaml")

__all__ = ["parse"]
