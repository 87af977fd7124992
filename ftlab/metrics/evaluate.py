"""ftlab.evaluate: score a model on a dataset with the metrics that fit its task.

Example:
    >>> scores = ftlab.evaluate(model, splits["test"])  # doctest: +SKIP
    >>> scores["accuracy"], scores["macro_f1"]          # doctest: +SKIP
"""
from __future__ import annotations

import numpy as np

from .classification import classification_scores
from .regression import regression_scores


def evaluate(model, dataset, batch_size: int = 64, max_len: int = 128, text_column: str = "text") -> dict:
    """Task metrics for ``model`` on ``dataset`` (a ``datasets.Dataset`` or anything with columns).

    Classification: accuracy, macro/micro/weighted precision, recall and F1.
    Regression: mse, rmse, mae, r2. Causal LM: loss and perplexity per token.
    """
    if model.task == "causal-lm":
        from ..train.lm_eval import lm_scores

        return lm_scores(model, dataset, batch_size=min(batch_size, 8), max_len=max_len)
    for col in (text_column, model.target_column):
        if col not in dataset.column_names:
            raise ValueError(f"evaluate() needs column {col!r}; the dataset has {dataset.column_names}")
    out = model.predict_outputs(list(dataset[text_column]), batch_size, max_len)
    y = np.asarray(dataset[model.target_column])
    if model.task == "regression":
        return regression_scores(y, out)
    return classification_scores(y, out.argmax(1), model.labels) | {"n": int(len(y))}
