"""Argument checks shared by the data functions, so each mistake gets the same clear message
wherever it is made: what was wrong, what was received, and how to fix it.
"""

from __future__ import annotations

import math

import datasets
import numpy as np
import pandas as pd


def require_dataset(ds: object, caller: str) -> datasets.Dataset:
    """Return ``ds`` if it is one ``datasets.Dataset``; raise TypeError with the fix otherwise.

    Example:
        >>> require_dataset([1, 2], "split")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        TypeError: split() takes a datasets.Dataset; got list. ...
    """
    if isinstance(ds, datasets.DatasetDict):
        raise TypeError(
            f"{caller}() takes one Dataset; got a DatasetDict with splits {list(ds)}. "
            f"Pass one split, e.g. {caller}(splits['train'])."
        )
    if not isinstance(ds, datasets.Dataset):
        raise TypeError(
            f"{caller}() takes a datasets.Dataset; got {type(ds).__name__}. Load data with "
            "ftlab.load_dataset(...), or wrap a DataFrame with datasets.Dataset.from_pandas(df)."
        )
    return ds


def require_rows(ds: datasets.Dataset, caller: str) -> None:
    """Raise ValueError when ``ds`` has no rows (e.g. everything was filtered or cleaned away)."""
    if len(ds) == 0:
        raise ValueError(
            f"{caller}() got a dataset with no rows (columns: {ds.column_names}). Check the "
            "steps before it: a filter, clean() or select() may have removed every row."
        )


def check_seed(seed: object, caller: str) -> int:
    """Return ``seed`` as an int; raise ValueError unless it is a whole number >= 0.

    Example:
        >>> check_seed(0, "split")
        0
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(
            f"{caller}(seed=...) must be a whole number >= 0, e.g. seed=0; got {seed!r}. "
            "The same seed gives the same result."
        )
    return int(seed)


def check_threshold(near_threshold: object, allow_none: bool = True) -> float | None:
    """Return the near-duplicate similarity threshold; ValueError unless it is in (0, 1].

    Example:
        >>> check_threshold(0.8)
        0.8
    """
    if near_threshold is None and allow_none:
        return None
    number = isinstance(near_threshold, int | float | np.number) and not isinstance(near_threshold, bool)
    if not number or math.isnan(near_threshold) or not 0 < near_threshold <= 1:
        none = " or None" if allow_none else ""
        skip = "; None skips the check" if allow_none else ""
        raise ValueError(
            f"near_threshold must be a similarity in (0, 1]{none}; got {near_threshold!r}. "
            f"0.8 finds copies with a few edited words{skip}."
        )
    return float(near_threshold)


def require_text_feature(ds: datasets.Dataset, column: str, caller: str) -> None:
    """Raise ValueError when ``column`` holds lists, dicts or other non-scalar values."""
    feature = ds.features.get(column)
    if feature is None or isinstance(feature, datasets.Value):
        return
    example = ds[0][column] if len(ds) else None
    fix = (f"Join the pieces into one string first, e.g. ds.map(lambda row: {{{column!r}: "
           f"' '.join(row[{column!r}])}})." if isinstance(feature, list) or hasattr(feature, "feature")  # List, Sequence
           else f"Pick the text column instead (columns: {ds.column_names}).")
    raise ValueError(
        f"{caller}() needs text in {column!r}, one string per row; the column has type {feature} "
        f"(first value: {example!r}). {fix}"
    )


def as_text(value: object) -> str:
    """The text of one cell: a missing value (None, NaN, pandas NA) is the empty text "".

    Example:
        >>> as_text(None), as_text(float("nan")), as_text(3)
        ('', '', '3')
    """
    if value is None or value is pd.NA or (isinstance(value, float | np.floating) and math.isnan(value)):
        return ""
    return str(value)
