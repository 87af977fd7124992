"""``inspect``: look at a dataset before training on it.

The checks mirror what goes wrong in real fine-tuning data: classes out of balance, texts far
longer than the model's ``max_len``, the same example twice (which inflates scores when copies
land in both train and test), empty rows, contradicting labels, text in another language, and
markup left over from scraping.
"""

from __future__ import annotations

import warnings
from collections import Counter
from typing import Any

import datasets
import numpy as np

from . import text_checks as tc
from .checks import as_text, check_threshold, require_text_feature
from .labels import is_missing
from .report import DataReport

NEAR_DUP_MAX_ROWS = 50_000  # above this the pairwise similarity check takes minutes: skip it


def inspect(
    ds: datasets.Dataset | datasets.DatasetDict,
    tokenizer: Any = None,
    near_threshold: float | None = 0.8,
    column: str = "text",
) -> DataReport:
    """Check a dataset for imbalance, length spread, duplicates, empty rows, label conflicts,
    vocabulary diversity, non-English rows and HTML/URL remnants.

    Args:
        ds: a Dataset, or a DatasetDict (its splits are checked together, which also finds
            identical texts shared between splits).
        tokenizer: optional Hugging Face tokenizer; adds length percentiles in tokens.
        near_threshold: cosine similarity (0-1) from which two different texts count as near
            duplicates; ``None`` skips that check.
        column: the text column to check (e.g. ``"en"`` for translation pairs).

    Returns:
        A :class:`DataReport`; in Jupyter it renders as a table with flagged examples.

    Example:
        >>> report = inspect(ftlab.load_dataset("reviews"))  # doctest: +SKIP
        >>> report.imbalance_ratio  # doctest: +SKIP
    """
    splits = _as_splits(ds)
    _check_column(splits, column)
    near_threshold = check_threshold(near_threshold)
    texts, labels, row_ids = [], [], []
    for name, part in splits.items():
        texts += [as_text(t) for t in part[column]]  # None/NaN: an empty row, as clean() sees it
        labels += _label_names_per_row(part)
        row_ids += [(name, i) for i in range(len(part))]
    label_names = _label_names(splits)
    if len(splits) > 1 and label_names is not None:
        _warn_label_mismatch(splits)
    return DataReport(
        rows_per_split={name: len(part) for name, part in splits.items()},
        label_names=label_names,
        **_class_counts(splits, labels, label_names),
        word_lengths=_percentiles([len(t.split()) for t in texts]),
        token_lengths=_token_lengths(texts, tokenizer) if tokenizer is not None else None,
        **_row_checks(texts, labels, near_threshold),
        near_threshold=near_threshold if len(texts) <= NEAR_DUP_MAX_ROWS else None,
        texts=texts,
        labels=labels,
        row_ids=row_ids,
    )


def _as_splits(ds) -> dict[str, datasets.Dataset]:
    if isinstance(ds, datasets.DatasetDict) and not ds:
        raise ValueError("inspect() got a DatasetDict with no splits. Pass a Dataset, or a "
                         "DatasetDict such as ftlab.split(ds).")
    if isinstance(ds, datasets.DatasetDict):
        return dict(ds)
    if isinstance(ds, datasets.Dataset):
        return {"data": ds}
    raise TypeError(
        f"inspect() takes a datasets.Dataset or DatasetDict; got {type(ds).__name__}. "
        "Load data with ftlab.load_dataset(...), or wrap a DataFrame with "
        "datasets.Dataset.from_pandas(df)."
    )


def _check_column(splits: dict[str, datasets.Dataset], column: str) -> None:
    for name, part in splits.items():
        if column not in part.column_names:
            raise ValueError(
                f"inspect() needs a {column!r} column, but split {name!r} has columns "
                f"{part.column_names}. Pass column=<name of the text column>, or load with "
                "ftlab.load_dataset(..., text=<column>)."
            )
        require_text_feature(part, column, "inspect")


def _label_names(splits: dict[str, datasets.Dataset]) -> list[str] | None:
    first = next(iter(splits.values()))
    if "label" not in first.column_names:
        return None
    feature = first.features["label"]
    if isinstance(feature, datasets.ClassLabel):
        return list(feature.names)
    # a missing label is not a class called "None"
    return sorted({str(v) for part in splits.values() for v in part["label"] if not is_missing(v)})


def _label_names_per_row(part: datasets.Dataset) -> list[str | None]:
    if "label" not in part.column_names:
        return [None] * len(part)
    feature = part.features["label"]
    if isinstance(feature, datasets.ClassLabel):
        return [feature.int2str(int(v)) if v is not None and v >= 0 else None for v in part["label"]]
    return [None if is_missing(v) else str(v) for v in part["label"]]


def _warn_label_mismatch(splits: dict[str, datasets.Dataset]) -> None:
    """Warn when splits name their classes differently, or a class is absent from a split."""
    names = {name: getattr(part.features.get("label"), "names", None) for name, part in splits.items()}
    if len({tuple(n) for n in names.values() if n is not None}) > 1:
        warnings.warn(
            f"The splits name their classes differently: {names}. Class ids then mean different "
            "things in each split; load all splits with the same label_names=[...].",
            stacklevel=3,
        )
    present = {name: {v for v in _label_names_per_row(part) if v is not None} for name, part in splits.items()}
    every = set().union(*present.values())
    for name, labels in present.items():
        missing = sorted(every - labels)
        if missing:
            warnings.warn(
                f"Split {name!r} has no rows labelled {missing} although other splits do; "
                "metrics for those classes will be missing or misleading. Re-split with "
                "ftlab.split(ds, stratify=True).",
                stacklevel=3,
            )


def _class_counts(splits, labels, label_names) -> dict[str, Any]:
    if label_names is None:
        return {"rows_per_class": {}, "rows_per_class_by_split": {}, "imbalance_ratio": None}
    counts = Counter(labels)
    per_class = {name: counts.get(name, 0) for name in label_names}
    by_split = {}
    for name, part in splits.items():
        split_counts = Counter(_label_names_per_row(part))
        by_split[name] = {label: split_counts.get(label, 0) for label in label_names}
    smallest = min(per_class.values()) if per_class else 0
    ratio = max(per_class.values()) / smallest if smallest else float("inf")
    return {"rows_per_class": per_class, "rows_per_class_by_split": by_split, "imbalance_ratio": ratio}


def _percentiles(lengths: list[int]) -> dict[str, float]:
    if not lengths:
        return {"p5": 0.0, "p50": 0.0, "p95": 0.0, "max": 0.0}
    p5, p50, p95 = np.percentile(lengths, [5, 50, 95])
    return {"p5": float(p5), "p50": float(p50), "p95": float(p95), "max": float(max(lengths))}


def _token_lengths(texts: list[str], tokenizer: Any, batch_size: int = 1000) -> dict[str, float]:
    if not callable(tokenizer):
        raise TypeError(
            f"tokenizer must be a Hugging Face tokenizer (callable on a list of texts); got "
            f"{type(tokenizer).__name__}. Example: AutoTokenizer.from_pretrained(path)."
        )
    lengths: list[int] = []
    for start in range(0, len(texts), batch_size):
        encoded = tokenizer(texts[start : start + batch_size], truncation=False)
        lengths += [len(ids) for ids in encoded["input_ids"]]
    return _percentiles(lengths)


def _row_checks(texts: list[str], labels: list, near_threshold: float | None) -> dict[str, Any]:
    has_labels = any(label is not None for label in labels)
    near = near_threshold is not None and len(texts) <= NEAR_DUP_MAX_ROWS
    return {
        "exact_duplicates": tc.duplicate_groups(texts),
        "near_duplicates": tc.near_duplicate_pairs(texts, near_threshold) if near else [],
        "empty_rows": tc.empty_rows(texts),
        "label_conflicts": tc.label_conflicts(texts, labels) if has_labels else [],
        "distinct_1": tc.distinct_n(texts, 1),
        "distinct_2": tc.distinct_n(texts, 2),
        "language_outliers": tc.non_english_rows(texts),
        "html_rows": tc.html_rows(texts),
        "url_rows": tc.url_rows(texts),
    }
