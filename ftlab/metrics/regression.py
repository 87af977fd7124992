"""Regression metrics on scikit-learn: MSE, RMSE, MAE, R².

Example:
    >>> regression_scores([1, 2, 3], [1, 2, 4])["mae"]
    0.3333333333333333
"""
from __future__ import annotations

from typing import Sequence

from sklearn import metrics as skm


def regression_scores(y_true: Sequence[float], y_pred: Sequence[float]) -> dict:
    """MSE (what the loss minimises), RMSE (in the target's units), MAE, and R² (1 = perfect, 0 = predicting the mean)."""
    mse = float(skm.mean_squared_error(y_true, y_pred))
    return {"mse": mse, "rmse": mse ** 0.5, "mae": float(skm.mean_absolute_error(y_true, y_pred)),
            "r2": float(skm.r2_score(y_true, y_pred))}
