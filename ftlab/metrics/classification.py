"""Classification metrics on scikit-learn: accuracy, precision/recall/F1 (macro, micro, weighted, per class).

Example:
    >>> classification_scores([0, 1, 1], [0, 1, 0], labels=["neg", "pos"])["accuracy"]
    0.6666666666666666
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import pandas as pd
from sklearn import metrics as skm


def classification_scores(y_true: Sequence[int], y_pred: Sequence[int], labels: Optional[Sequence[str]] = None) -> dict:
    """Accuracy and precision/recall/F1 averaged three ways.

    macro: every class counts the same (the honest number on imbalanced data);
    micro: every example counts the same (equals accuracy for single-label classification);
    weighted: classes weighted by their support.
    """
    ids = list(range(len(labels))) if labels is not None else None
    scores = {"accuracy": float(skm.accuracy_score(y_true, y_pred))}
    for avg in ("macro", "micro", "weighted"):
        p, r, f, _ = skm.precision_recall_fscore_support(y_true, y_pred, labels=ids, average=avg, zero_division=0)
        scores.update({f"{avg}_precision": float(p), f"{avg}_recall": float(r), f"{avg}_f1": float(f)})
    return scores


def per_class_report(y_true: Sequence[int], y_pred: Sequence[int], labels: Sequence[str]) -> pd.DataFrame:
    """One row per class: precision, recall, F1 and support."""
    p, r, f, s = skm.precision_recall_fscore_support(y_true, y_pred, labels=list(range(len(labels))), zero_division=0)
    return pd.DataFrame({"label": list(labels), "precision": p, "recall": r, "f1": f, "support": s})


def confusion_matrix(y_true: Sequence[int], y_pred: Sequence[int], labels: Sequence[str]) -> pd.DataFrame:
    """Rows are true labels, columns predicted labels."""
    m = skm.confusion_matrix(y_true, y_pred, labels=list(range(len(labels))))
    return pd.DataFrame(m, index=pd.Index(labels, name="true"), columns=pd.Index(labels, name="predicted"))


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, numerically stable.  (N, C) -> (N, C)"""
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)
