"""Data preparation: load, inspect, clean, balance and split datasets for fine-tuning.

Example:
    >>> from ftlab.data import load_dataset, inspect, clean, split
    >>> ds = load_dataset("reviews-raw")
    >>> report = inspect(ds)              # what is wrong with it?
    >>> ds, cleaning = clean(ds)          # fix it, with every removed row accounted for
    >>> splits = split(ds, val=0.1, test=0.1, seed=0)
"""

from .balancing import balance, class_weights
from .cleaning import CleaningReport, clean
from .cleaning_steps import DEFAULT_STEPS, STEPS
from .inspection import inspect
from .loading import BUNDLED, list_datasets, load_dataset
from .report import DataReport
from .splitting import split, subsample

__all__ = [
    "BUNDLED",
    "DEFAULT_STEPS",
    "STEPS",
    "CleaningReport",
    "DataReport",
    "balance",
    "class_weights",
    "clean",
    "inspect",
    "list_datasets",
    "load_dataset",
    "split",
    "subsample",
]
