"""``split`` into train/validation/test and ``subsample`` for learning curves.

Both rest on one *stratified order*: every class is shuffled, then the classes are interleaved
so that any prefix of the order holds each class in (almost exactly) its overall proportion.
A split first fixes how many rows of each class go to each split (each count within 1 of the
class's share), then hands every class's rows out in that order; a subsample of ``n`` rows takes
the first ``n`` rows of the order, so ``subsample(ds, 100)`` is contained in ``subsample(ds, 200)`` and a learning
curve adds data instead of drawing a new sample at every size.
"""

from __future__ import annotations

import datasets
import numpy as np

from .checks import check_seed, require_dataset, require_rows


def stratified_order(labels: np.ndarray | None, n: int, seed: int) -> np.ndarray:
    """A permutation of ``range(n)`` whose prefixes keep the class proportions of ``labels``.

    Row ``r`` that is the ``k``-th (0-based) of its class, which has ``c`` rows, gets the key
    ``(k + u) / c`` with ``u`` uniform in (0, 1): each class's keys are spread evenly over [0, 1],
    so sorting by key interleaves classes in proportion. ``labels=None`` gives a plain shuffle.

    Example:
        >>> stratified_order(np.array([0, 0, 0, 1]), 4, seed=0).shape
        (4,)
    """
    rng = np.random.default_rng(seed)
    if labels is None:
        return rng.permutation(n)
    keys = np.empty(n)
    for label in np.unique(labels):
        rows = rng.permutation(np.flatnonzero(labels == label))
        keys[rows] = (np.arange(len(rows)) + rng.random(len(rows))) / len(rows)
    return np.argsort(keys, kind="stable")


def _labels_or_none(ds: datasets.Dataset, stratify: object, caller: str) -> np.ndarray | None:
    require_dataset(ds, caller)
    if not isinstance(stratify, bool | np.bool_):
        raise ValueError(f"{caller}(stratify=...) must be True or False; got {stratify!r}.")
    if not stratify or not isinstance(ds.features.get("label"), datasets.ClassLabel):
        return None  # nothing to stratify by: a plain shuffle
    # label -1 ("no class") rows form a group of their own, spread over the splits like a class
    return np.asarray(ds["label"], dtype=np.int64)


def _check_fraction(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1:
        raise ValueError(
            f"split({name}=...) must be a fraction in [0, 1), e.g. {name}=0.1 for 10 %; got {value!r}."
        )
    return float(value)


def split(
    ds: datasets.Dataset, val: float = 0.1, test: float = 0.1, stratify: bool = True, seed: int = 0
) -> datasets.DatasetDict:
    """Split one Dataset into ``train``, ``validation`` and ``test``.

    Args:
        ds: the (cleaned) Dataset.
        val: fraction of rows for ``validation`` (0 leaves the split out).
        test: fraction of rows for ``test`` (0 leaves the split out).
        stratify: keep each class's share the same in every split (needs a ClassLabel
            ``label``; ignored for unlabelled data).
        seed: random seed; the same seed gives the same split.

    Example:
        >>> splits = split(ftlab.load_dataset("reviews"), val=0.1, test=0.1, seed=0)  # doctest: +SKIP
        >>> {k: len(v) for k, v in splits.items()}  # doctest: +SKIP
        {'train': 1280, 'validation': 160, 'test': 160}
    """
    val, test = _check_fraction("val", val), _check_fraction("test", test)
    if val + test >= 1:
        raise ValueError(f"split(val={val}, test={test}) leaves no training rows; val + test must be < 1.")
    labels = _labels_or_none(ds, stratify, "split")
    seed = check_seed(seed, "split")
    sizes = _split_sizes(len(ds), val, test)  # test, validation, train
    order = stratified_order(labels, len(ds), seed)
    parts = _stratified_parts(order, labels, sizes)
    result = {name: ds.select(rows.tolist()) for name, rows in zip(("test", "validation", "train"), parts)}
    return datasets.DatasetDict({name: result[name] for name in ("train", "validation", "test") if len(result[name])})


def _split_sizes(n: int, val: float, test: float) -> np.ndarray:
    n_test = max(1, round(test * n)) if test else 0
    n_val = max(1, round(val * n)) if val else 0
    if n - n_test - n_val < 1:
        needed = 1 + bool(val) + bool(test)  # every split that is asked for gets at least one row
        raise ValueError(
            f"split() got {n} rows: too few for val={val} and test={test} plus a training split "
            f"(at least {needed} rows are needed). Use more data, or val=0 / test=0 to leave "
            "a split out."
        )
    return np.array([n_test, n_val, n - n_test - n_val])


def _stratified_parts(order: np.ndarray, labels: np.ndarray | None, sizes: np.ndarray) -> list[np.ndarray]:
    """Cut ``order`` into splits of ``sizes`` rows with every class count within 1 of its share.

    Consecutive slices of the stratified order usually do that, and are kept (so a split is the
    same as before this check existed); a slice can miss a class's share by up to 2, and then the
    counts per (class, split) are rounded together (:func:`round_to_margins`). Each class then
    hands out its rows in ``order``: a slice is exactly the first rows of every class.
    """
    labels = np.zeros(len(order), dtype=np.int64) if labels is None else labels
    classes, class_of, per_class = np.unique(labels, return_inverse=True, return_counts=True)
    slices = np.split(class_of[order], np.cumsum(sizes)[:-1])
    counts = np.stack([np.bincount(part, minlength=len(classes)) for part in slices], axis=1)
    if np.any(np.abs(counts - np.outer(per_class, sizes) / len(order)) >= 1):
        counts = round_to_margins(per_class, sizes)
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    parts: list[list[int]] = [[] for _ in sizes]
    for c, label in enumerate(classes):
        rows = np.flatnonzero(labels == label)
        rows = rows[np.argsort(position[rows])]  # this class's rows in the shuffled order
        for j, chunk in enumerate(np.split(rows, np.cumsum(counts[c])[:-1])):
            parts[j] += chunk.tolist()
    # rows stay in the shuffled order: a file sorted by class must not give a sorted train split
    return [np.asarray(sorted(part, key=position.__getitem__), dtype=np.int64) for part in parts]


def round_to_margins(row_sums: np.ndarray, col_sums: np.ndarray) -> np.ndarray:
    """Integer table with the given row and column sums, each cell the floor or ceiling of
    ``row_sums[i] * col_sums[j] / total`` (a bipartite flow: it always exists).

    Example:
        >>> round_to_margins(np.array([2, 2, 2]), np.array([2, 2, 2])).tolist()
        [[0, 1, 1], [1, 1, 0], [1, 0, 1]]
    """
    total = int(np.sum(row_sums))
    exact = np.outer(row_sums, col_sums)  # ideal cell = exact / total
    table = exact // total
    fractional = exact % total > 0
    spare = col_sums - table.sum(axis=0)  # units each column still needs
    take = np.zeros_like(fractional)
    for c in range(len(row_sums)):
        for _ in range(int(row_sums[c] - table[c].sum())):
            _augment(c, take, fractional, spare)
    return table + take


def _augment(start: int, take: np.ndarray, fractional: np.ndarray, spare: np.ndarray) -> None:
    """Give row ``start`` one more rounded-up cell, moving other rows' cells along a path if needed."""
    parent: dict[int, tuple[int, int]] = {start: (-1, -1)}
    queue = [start]
    for row in queue:  # breadth-first over rows; the queue grows while it is read
        for col in np.flatnonzero(fractional[row] & ~take[row]):
            if spare[col] > 0:
                spare[col] -= 1
                while row != -1:  # flip the path: row takes col, its parent takes what row gave up
                    take[row, col] = True
                    prev_row, prev_col = parent[row]
                    if prev_row != -1:
                        take[row, prev_col] = False
                    row, col = prev_row, prev_col
                return
            for other in np.flatnonzero(take[:, col]):
                if other not in parent:
                    parent[int(other)] = (row, int(col))
                    queue.append(int(other))
    raise RuntimeError("round_to_margins: no rounding found; this is a bug, please report it")


def subsample(ds: datasets.Dataset, n: int, seed: int = 0, stratify: bool = True) -> datasets.Dataset:
    """Take ``n`` rows, keeping class proportions; smaller samples are nested in larger ones.

    Args:
        ds: the Dataset to draw from (usually the training split).
        n: rows to keep, 1 <= n <= len(ds).
        seed: random seed; with the same seed, ``subsample(ds, 100)`` is a subset of
            ``subsample(ds, 200)`` (for learning curves).
        stratify: keep class proportions (needs a ClassLabel ``label``).

    Example:
        >>> small = subsample(splits["train"], 200, seed=0)  # doctest: +SKIP
    """
    labels = _labels_or_none(ds, stratify, "subsample")
    seed = check_seed(seed, "subsample")
    require_rows(ds, "subsample")
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or not 1 <= n <= len(ds):
        raise ValueError(
            f"subsample(n=...) must be a whole number from 1 to {len(ds)} (the dataset's rows); "
            f"got {n!r}. For more rows, use balance(ds, 'oversample') or collect more data."
        )
    order = stratified_order(labels, len(ds), seed)
    return ds.select(order[:n].tolist())
