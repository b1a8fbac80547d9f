"""Imported once by the reader forkserver, so every reader process starts warm.

Loading the dataset configurations and the province resolver (vietnamadminunits) takes longer than
reading a typical file; done here, each forked reader inherits them instead of redoing them.
"""

import pyarrow

from ..datasets import NAMES as DATASETS
from . import parse  # noqa: F401  (the code every reader runs)
from .config import CONFIG_DIR, load_dataset_config
from .provinces import resolver

# What the readers would import lazily, imported once here rather than by each forked reader: pyarrow
# imports pandas and its conversion modules the first time it converts Python values (about 0.3 s a
# reader: the national inbox's full refresh took 1.11 x as long when the server did not).
# tests/test_hostile_files.py holds that reading imports nothing more.
pyarrow.table({"warm": ["up", None]})
for _dataset in DATASETS:
    load_dataset_config(_dataset, CONFIG_DIR)
resolver(CONFIG_DIR / "provinces.yaml")

__all__ = ["parse"]
