"""Language-model evaluation for ``ftlab.evaluate`` on causal-LM models: loss and perplexity per token."""
from __future__ import annotations

from ..device import pick_device
from .batching import tokenize_dataset
from .evaluation import validate


def lm_scores(model, dataset, batch_size: int = 8, max_len: int = 256) -> dict:
    """Mean next-token loss over the non-masked tokens and its perplexity."""
    data = tokenize_dataset(model, dataset, max_len)
    row = validate(model, data, batch_size, model.device if model.device.type != "meta" else pick_device(), "fp32")
    return {"loss": row["val_loss"], "perplexity": row["perplexity"], "n": len(data)}
