"""The one evaluation pass: run a model over data and hand arrays to the pure functions of ``ftlab.metrics``.

``validate`` serves the training loop (loss plus the task's headline metrics on its batches);
``evaluate`` is the public scorer (``ftlab.evaluate``) with the full metric set of the task.

Example:
    >>> scores = ftlab.evaluate(model, splits["test"])  # doctest: +SKIP
    >>> scores["accuracy"], scores["macro_f1"]          # doctest: +SKIP
"""
from __future__ import annotations

import numpy as np
import torch

from ..batches import Batches, make_batches, to_device
from ..config import TrainConfig
from ..device import autocast, pick_device
from ..metrics import classification_scores, regression_scores
from ..tasks import get_task

LOWER_IS_BETTER = ("loss", "mse", "mae", "rmse", "perplexity")


def lower_is_better(metric: str) -> bool:
    """Whether a smaller value of ``metric`` is better (losses and errors) or a larger one (accuracy, F1, R²)."""
    return any(k in metric for k in LOWER_IS_BETTER)


@torch.no_grad()
def validate(module: torch.nn.Module, batches: Batches, labels, device: torch.device, precision: str,
             batch_size: int) -> dict:
    """Mean loss over ``batches`` and the task's headline metrics (accuracy/macro-F1, MSE/R², perplexity).

    The module's train/eval mode is put back as it was found, also when the pass raises.
    """
    task = batches.task
    was_training = module.training
    module.eval()  # no dropout while measuring
    total_loss, total_weight, outputs = 0.0, 0, []
    try:
        for rows, batch in batches.eval_batches(batch_size):
            batch = to_device(batch, device)
            with autocast(device, precision):
                out = module(**batch)
            weight = task.loss_weight(batch["labels"])
            total_loss += float(out["loss"]) * weight
            total_weight += weight
            if task.pools_features:
                outputs.append((rows, out["logits"].float().cpu()))
    finally:
        module.train(was_training)
    mean = total_loss / max(1, total_weight)
    row = {"val_loss": mean} | task.summarize_loss(mean)
    if outputs:
        rows = [r for rs, _ in outputs for r in rs]
        logits = torch.cat([o for _, o in outputs]).numpy()
        row |= task.scores(batches.targets()[rows], logits, labels)
    return row


def evaluate(model, dataset, batch_size: int = 64, max_len: int = 128, text_column: str = "text") -> dict:
    """Task metrics for ``model`` on ``dataset`` (a ``datasets.Dataset`` or a pandas DataFrame).

    Classification: accuracy, macro/micro/weighted precision, recall and F1, and ``n``.
    Regression: mse, rmse, mae, r2. Causal LM: loss and perplexity per supervised token.

    Example:
        >>> ftlab.evaluate(model, splits["test"])["macro_f1"]  # doctest: +SKIP
    """
    dataset = _as_dataset(dataset)
    task = get_task(model.task)
    if len(dataset) == 0:
        raise ValueError("evaluate() got an empty dataset (0 rows); pass at least one example")
    if not task.pools_features:
        config = TrainConfig(batch_size=min(batch_size, 8), max_len=max_len)
        batches = make_batches(model, dataset, config, text_column)
        row = validate(model.module, batches, model.labels, model.device, "fp32", config.batch_size)
        return {"loss": row["val_loss"], "perplexity": row["perplexity"], "n": len(batches)}
    for col in (text_column, model.target_column):
        if col not in dataset.column_names:
            raise ValueError(f"evaluate() needs column {col!r}; the dataset has {dataset.column_names}")
    y = np.asarray(task.read_targets(dataset, model.target_column, model.labels))  # aligned by name, checked
    out = model.predict_outputs(list(dataset[text_column]), batch_size, max_len)
    if task == "regression":
        return regression_scores(y, out)
    return classification_scores(y, out.argmax(1), model.labels) | {"n": int(len(y))}


def _as_dataset(data):
    """Accept a pandas DataFrame as the docstring promises (``datasets.Dataset.from_pandas``)."""
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        import datasets

        return datasets.Dataset.from_pandas(data, preserve_index=False)
    if not hasattr(data, "column_names"):
        raise ValueError(f"evaluate() needs a datasets.Dataset or a pandas DataFrame; got {type(data).__name__}")
    return data
