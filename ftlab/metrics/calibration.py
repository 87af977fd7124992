"""Calibration: does a model's confidence match how often it is right?

A classifier is *calibrated* when, among the predictions it makes with confidence 0.8, about 80% are
correct. The reliability table groups predictions by confidence (the probability of the predicted
class) into equal-width bins and compares each bin's mean confidence with its accuracy; the expected
calibration error (ECE) is the count-weighted mean gap. ECE measures honesty, not skill: a model that
guesses with confidence 1/3 on three balanced classes is well calibrated and useless.

Example:
    >>> probs = [[0.9, 0.1], [0.9, 0.1], [0.6, 0.4], [0.4, 0.6]]
    >>> round(expected_calibration_error(probs, [0, 1, 0, 1], n_bins=10), 3)  # 0.5 * |0.5 - 0.9| + 0.5 * |1 - 0.6|
    0.4
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd


def _confidence_and_correct(probs, y) -> tuple[np.ndarray, np.ndarray]:
    """Confidence (probability of the predicted class) and correctness per example.  (N, C), (N,) -> (N,), (N,)

    A 1-D ``probs`` is read as the probability of class 1 in a binary task.
    """
    p = np.asarray(probs, dtype=np.float64)
    y = np.asarray(y).astype(np.int64).reshape(-1)
    if p.ndim == 1:
        p = np.stack([1.0 - p, p], axis=1)  # (N,) p(class 1) -> (N, 2)
    if p.ndim != 2 or len(p) != len(y):
        raise ValueError(f"probs must have shape (N, C) (or (N,) for p(class 1)) with one row per label; "
                         f"got probs of shape {np.shape(probs)} and {len(y)} labels")
    if len(p) == 0:
        raise ValueError("calibration needs at least one example; got 0")
    if (p < -1e-6).any() or (p > 1 + 1e-6).any() or not np.allclose(p.sum(1), 1.0, atol=1e-4):
        raise ValueError("probs must be probabilities (each row in [0, 1], summing to 1); got values that are not "
                         "(logits?). Convert logits first: ftlab.metrics.softmax(logits)")
    if y.min() < 0 or y.max() >= p.shape[1]:
        raise ValueError(f"labels must be class ids in 0..{p.shape[1] - 1}; got min {y.min()}, max {y.max()}")
    return p.max(1), (p.argmax(1) == y).astype(np.float64)


def reliability_table(probs, y, n_bins: int = 10) -> pd.DataFrame:
    """Predictions grouped by confidence into ``n_bins`` equal-width bins (lo, hi]: mean confidence,
    accuracy and count per bin. Every bin is listed, so ``count`` sums to the number of examples;
    empty bins have NaN confidence and accuracy.

    Args:
        probs: class probabilities (N, C) — e.g. ``softmax(model.predict_outputs(texts))`` — or (N,) p(class 1).
        y: true class ids (N,).
        n_bins: number of confidence bins over [0, 1].

    Example:
        >>> reliability_table([[0.9, 0.1], [0.3, 0.7]], [0, 0], n_bins=2)["count"].tolist()
        [0, 2]
    """
    if not (isinstance(n_bins, (int, np.integer)) and n_bins >= 1):
        raise ValueError(f"n_bins must be an int >= 1; got {n_bins!r}")
    conf, correct = _confidence_and_correct(probs, y)
    edges = np.round(np.linspace(0.0, 1.0, n_bins + 1), 6)
    which = np.searchsorted(edges[1:-1], conf, side="left")  # bin k holds (edges[k], edges[k+1]]; 0 goes in bin 0
    count = np.bincount(which, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_conf = np.bincount(which, weights=conf, minlength=n_bins) / count
        accuracy = np.bincount(which, weights=correct, minlength=n_bins) / count
    return pd.DataFrame({"bin": pd.IntervalIndex.from_breaks(edges, closed="right"), "confidence": mean_conf,
                         "accuracy": accuracy, "count": count.astype(int)})


def table_ece(table: pd.DataFrame) -> float:
    """ECE from a :func:`reliability_table`: sum over bins of count/N * |accuracy - confidence|."""
    filled = table[table["count"] > 0]
    gap = (filled["accuracy"] - filled["confidence"]).abs()
    return float((gap * filled["count"]).sum() / filled["count"].sum())


def expected_calibration_error(probs, y, n_bins: int = 10) -> float:
    """Expected calibration error in [0, 1]: the count-weighted mean |accuracy - confidence| over bins.

    0 means every bin's accuracy equals its mean confidence; an overconfident model that says 0.99 and
    is right 70% of the time has ECE near 0.29.

    Example:
        >>> expected_calibration_error([[0.8, 0.2]] * 10, [0] * 8 + [1] * 2)  # 80% confident, 80% right
        0.0
    """
    return round(table_ece(reliability_table(probs, y, n_bins)), 12)


def reliability_figure(table: "pd.DataFrame | Mapping[str, pd.DataFrame]", title: str = "Reliability diagram"):
    """A plotly reliability diagram: accuracy per confidence bin (bars) against the diagonal of perfect
    calibration. Pass one :func:`reliability_table` or a dict ``{model name: table}`` to compare models
    (grouped bars; the legend shows each model's ECE). Bars below the diagonal = overconfident.

    Example:
        >>> fig = reliability_figure({"head only": t1, "full fine-tune": t2})  # doctest: +SKIP
        >>> fig.show()                                                          # doctest: +SKIP
    """
    import plotly.graph_objects as go

    tables = dict(table) if isinstance(table, Mapping) else {"model": table}
    fig = go.Figure()
    fig.add_scatter(x=[0, 1], y=[0, 1], mode="lines", name="perfect calibration",
                    line=dict(color="grey", dash="dash"))
    for name, t in tables.items():
        filled = t[t["count"] > 0]
        mids = [iv.mid for iv in filled["bin"]]
        width = float(t["bin"].iloc[0].length) if len(t) else 0.1
        hover = [f"bin {iv}<br>mean confidence {c:.3f}<br>accuracy {a:.3f}<br>{n} examples"
                 for iv, c, a, n in zip(filled["bin"], filled["confidence"], filled["accuracy"], filled["count"])]
        fig.add_bar(x=mids, y=filled["accuracy"], width=width / max(1, len(tables)), hovertext=hover,
                    hoverinfo="text", name=f"{name} (ECE {table_ece(t):.3f})" if len(t) else name)
    fig.update_layout(title=title, barmode="group", template="plotly_white", height=380, width=560,
                      xaxis=dict(title="confidence (probability of the predicted class)", range=[0, 1]),
                      yaxis=dict(title="accuracy in bin", range=[0, 1]), legend=dict(orientation="h", y=-0.25))
    return fig
