"""Error analysis: the examples a model gets most wrong, as a table you can read.

Sorting by per-example loss puts confident mistakes first (a wrong prediction at 0.95 confidence costs
more than one at 0.4), which is where label noise, ambiguous texts and real model blind spots show up.

Example:
    >>> error_table(model, splits["test"], top=10)  # doctest: +SKIP
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import pandas as pd

from .classification import softmax


def error_table(model, dataset, top: Optional[int] = 20, batch_size: int = 64, max_len: int = 128,
                text_column: str = "text") -> pd.DataFrame:
    """The ``top`` examples with the highest loss, highest first.

    Classification: columns ``text, true, predicted, confidence, loss`` — ``confidence`` is the
    probability of the predicted label and ``loss`` the example's cross-entropy, -log p(true label).
    Regression: columns ``text, true, predicted, loss`` where ``loss`` is the absolute error |predicted - true|.
    The index (``row``) is the example's position in ``dataset``.

    Args:
        model: a classification or regression :class:`ftlab.FTModel`.
        dataset: a ``datasets.Dataset`` with the text column and the model's target column.
        top: rows to keep (None = all, still sorted).
        batch_size, max_len: as in ``model.predict_outputs``.
        text_column: the column holding the texts.

    Example:
        >>> errors = error_table(model, splits["test"], top=None)  # doctest: +SKIP
        >>> errors[errors.true != errors.predicted].head()          # doctest: +SKIP
    """
    if model.task not in ("classification", "regression"):
        raise ValueError(f"error_table() is for classification/regression models; this model's task is {model.task!r}")
    for col in (text_column, model.target_column):
        if col not in dataset.column_names:
            raise ValueError(f"error_table() needs column {col!r}; the dataset has {dataset.column_names}")
    if top is not None and not (isinstance(top, (int, np.integer)) and top >= 1):
        raise ValueError(f"top must be None or an int >= 1; got {top!r}")
    texts = list(dataset[text_column])
    y = np.asarray(dataset[model.target_column])
    out = model.predict_outputs(texts, batch_size, max_len)  # (N, C) logits or (N,) values
    if model.task == "regression":
        frame = pd.DataFrame({"text": texts, "true": y.astype(float), "predicted": out.astype(float),
                              "loss": np.abs(out - y)})
    else:
        frame = classification_frame(texts, y, softmax(out.astype(np.float64)), model.labels)
    frame.index.name = "row"
    frame = frame.sort_values("loss", ascending=False, kind="stable")
    return frame if top is None else frame.head(top)


def classification_frame(texts, y, probs: np.ndarray, labels) -> pd.DataFrame:
    """Per-example table from probabilities (N, C): text, true, predicted, confidence, loss (-log p(true))."""
    y = np.asarray(y).astype(np.int64)
    pred = probs.argmax(1)
    p_true = probs[np.arange(len(y)), y]
    return pd.DataFrame({"text": list(texts), "true": [labels[i] for i in y], "predicted": [labels[i] for i in pred],
                         "confidence": probs.max(1), "loss": -np.log(np.clip(p_true, 1e-12, None))})
