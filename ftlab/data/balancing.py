"""Class balance: resample a dataset (``balance``) or weight the loss (``class_weights``).

Oversampling repeats minority examples (the model may memorise them); undersampling throws
majority examples away (less data); class weights keep the data and make each minority
mistake cost more. The curriculum compares all three on the reviews' small neutral class.
"""

from __future__ import annotations

import datasets
import numpy as np

from .checks import check_seed, require_dataset, require_rows
from .labels import row_list

METHODS = ("oversample", "undersample")


def label_ids(ds: datasets.Dataset, caller: str) -> tuple[np.ndarray, list[str]]:
    """The ``label`` column as class ids, and the class names; clear errors otherwise.

    Example:
        >>> ids, names = label_ids(ftlab.load_dataset("reviews"), "balance")  # doctest: +SKIP
    """
    require_dataset(ds, caller)
    feature = ds.features.get("label")
    if not isinstance(feature, datasets.ClassLabel):
        found = "no 'label' column" if feature is None else f"a 'label' column of type {feature}"
        raise ValueError(
            f"{caller}() needs a 'label' column of type ClassLabel; the dataset has {found} "
            f"(columns: {ds.column_names}). Load it with ftlab.load_dataset(..., label=<column>), "
            "which types the labels."
        )
    require_rows(ds, caller)
    labels = np.asarray(ds["label"], dtype=np.int64)
    unlabelled = np.flatnonzero(labels < 0).tolist()
    if unlabelled:  # ClassLabel's -1 means "no class": it must not be dropped or counted silently
        raise ValueError(
            f"{caller}() needs a class for every row, but {len(unlabelled)} rows have label -1 "
            f"(no class) at {row_list(unlabelled)}. Label them, or drop them first: "
            "ds.filter(lambda row: row['label'] >= 0)."
        )
    return labels, list(feature.names)


def balance(ds: datasets.Dataset, method: str = "oversample", seed: int = 0) -> datasets.Dataset:
    """Resample so that every class has the same number of rows.

    Args:
        ds: a Dataset with a ClassLabel ``label`` column. Balance the training split only:
            validation and test must keep the real class mix.
        method: ``"oversample"`` repeats random minority rows up to the largest class;
            ``"undersample"`` keeps a random subset of every class, the size of the smallest.
        seed: random seed; the result is shuffled with it too.

    Example:
        >>> train = balance(splits["train"], method="undersample", seed=0)  # doctest: +SKIP
    """
    if method not in METHODS:
        raise ValueError(f"balance(method=...) must be one of {METHODS}; got {method!r}.")
    labels, names = label_ids(ds, "balance")
    rng = np.random.default_rng(check_seed(seed, "balance"))
    groups = [np.flatnonzero(labels == k) for k in range(len(names))]
    present = [g for g in groups if len(g)]
    target = max(map(len, present)) if method == "oversample" else min(map(len, present))
    chosen = []
    for rows in present:
        if method == "oversample":
            extra = rng.choice(rows, size=target - len(rows), replace=True)
            chosen.append(np.concatenate([rows, extra]))
        else:
            chosen.append(rng.choice(rows, size=target, replace=False))
    indices = rng.permutation(np.concatenate(chosen)) if chosen else np.array([], dtype=np.int64)
    return ds.select(indices.tolist())


def class_weights(ds: datasets.Dataset) -> list[float]:
    """Per-class loss weights, ``n_rows / (n_classes * rows_in_class)`` (scikit-learn "balanced").

    Returns one weight per class name, in class-id order, for a weighted cross-entropy loss.

    Example:
        >>> class_weights(splits["train"])  # doctest: +SKIP
        [0.83, 2.5, 0.71]
    """
    from sklearn.utils.class_weight import compute_class_weight

    labels, names = label_ids(ds, "class_weights")
    counts = np.bincount(labels, minlength=len(names))
    empty = [names[k] for k in np.flatnonzero(counts == 0)]
    if empty:
        raise ValueError(
            f"class_weights() cannot weight classes with no rows: {empty} (counts: "
            f"{dict(zip(names, counts.tolist()))}). Add examples of those classes, or use a "
            "split that contains them (ftlab.split(..., stratify=True))."
        )
    weights = compute_class_weight("balanced", classes=np.arange(len(names)), y=labels)
    return [float(w) for w in weights]
