"""Validation inside fit: loss plus the task's headline metrics on pre-tokenized data.

Example:
    >>> row = validate(model, val_data, batch_size=64, device=torch.device("cpu"), precision="fp32")  # doctest: +SKIP
    >>> row["val_loss"], row["macro_f1"]                                                               # doctest: +SKIP
"""
from __future__ import annotations

import math

import numpy as np
import torch

from ..device import autocast
from ..metrics import classification_scores, regression_scores
from .batching import TokenizedData, collate

LOWER_IS_BETTER = ("loss", "mse", "mae", "rmse", "perplexity")


def lower_is_better(metric: str) -> bool:
    return any(k in metric for k in LOWER_IS_BETTER)


@torch.no_grad()
def validate(model, data: TokenizedData, batch_size: int, device: torch.device, precision: str,
             module: torch.nn.Module | None = None) -> dict:
    """Mean loss over ``data`` and, for classification/regression, accuracy/macro-F1 or MSE/MAE/R²."""
    module = module or model.module
    was_training = module.training
    module.eval()
    order = np.argsort(data.lengths)  # similar lengths together: less padding, faster eval
    pad = model.tokenizer.pad_token_id or 0
    total_loss, total_weight, outputs = 0.0, 0, []
    for i in range(0, len(order), batch_size):
        rows = order[i:i + batch_size].tolist()
        batch = {k: v.to(device) for k, v in collate(data, rows, pad).items()}
        with autocast(device, precision):
            out = module(**batch)
        weight = int((batch["labels"] != -100).sum()) if data.task == "causal-lm" else len(rows)
        total_loss += float(out["loss"]) * weight
        total_weight += weight
        if data.task != "causal-lm":
            outputs.append((rows, out["logits"].float().cpu()))
    module.train(was_training)
    row = {"val_loss": total_loss / max(1, total_weight)}
    if data.task == "causal-lm":
        return row | {"perplexity": math.exp(min(row["val_loss"], 50))}
    rows = [r for rs, _ in outputs for r in rs]
    logits = torch.cat([o for _, o in outputs])
    y = np.asarray([data.targets[r] for r in rows])
    if data.task == "regression":
        return row | regression_scores(y, logits.squeeze(-1).numpy())
    scores = classification_scores(y, logits.argmax(-1).numpy(), model.labels)
    return row | {"accuracy": scores["accuracy"], "macro_f1": scores["macro_f1"]}
