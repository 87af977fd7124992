"""Head-only training on cached trunk features: run the frozen trunk once, then train the head in seconds.

When only the head trains, every epoch of :class:`ftlab.Trainer` runs the whole trunk forward again on
the same texts. :func:`fit_head` runs it once, keeps the pooled sentence vectors (N, H), and trains the
head on those: the same optimizer, schedule, clipping, batches and History as the Trainer.

Example:
    >>> history = fit_head(model, splits["train"], splits["validation"], TrainConfig(lr=3e-3, epochs=10))  # doctest: +SKIP
"""
from __future__ import annotations

import warnings
from typing import Optional

import numpy as np
import torch

from ..batches import FeatureBatches, TokenBatches, collate, make_batches, pad_token_id, to_device
from ..config import TrainConfig
from ..device import autocast, pick_device, resolve_precision
from .history import History
from .trainer import Trainer

FEATURE_BATCH = 64  # texts per trunk forward while caching (no gradients: larger batches are cheap)


def fit_head(model, train_data, val_data=None, config: Optional[TrainConfig] = None, callbacks: tuple = ()) -> History:
    """Train only ``model``'s head on trunk features computed once (head-only fine-tuning, fast).

    **This freezes the model to the head**: it calls ``model.freeze("head")`` (and warns if other groups
    were trainable), so afterwards only ``model.module.head`` has ``requires_grad=True``. For a decoder
    classifier that differs from ``Trainer`` + ``freeze("head")``, which also trains the trunk's final norm
    (part of the "head" group): its output is what is cached here, so it stays as pretrained.

    Why caching is exact: with the trunk frozen *and in eval mode*, its output is a fixed function of the
    text — no weight changes and no dropout — so computing each text's pooled vector once gives the same
    numbers as running the trunk at every step. The head's own dropout still applies during training
    (it acts on the cached vectors), so the head trains exactly as under ``Trainer`` with a deterministic
    trunk. One difference from ``Trainer(...)`` + ``model.freeze("head")``: the Trainer runs the trunk in
    train mode, so the trunk's dropout perturbs the features each step; here it does not.

    When it is not valid — use :class:`ftlab.Trainer` instead: trunk layers should train (``"top-2"``,
    ``"all"``), LoRA adapters should train (``"lora"``), or you want the trunk's dropout as data
    augmentation (noisier features each epoch).

    Args:
        model: a classification or regression FTModel from :func:`ftlab.load_model`.
        train_data, val_data: ``datasets.Dataset`` with a text column and the model's target column.
        config: lr, epochs/max_steps, batch_size, grad_accum_steps, optimizer, scheduler, warmup_steps,
            weight_decay, max_grad_norm, class_weights, seed, eval_every, early_stopping_* and max_len are
            used. There are no checkpoints (``save_every``/``output_dir`` raise ValueError);
            ``gradient_checkpointing`` and ``compile`` do not apply to a single linear layer.
        callbacks: :class:`ftlab.Callback` objects, as for the Trainer (a panel can watch and stop it).

    Returns:
        A :class:`History` in the Trainer's format: step rows (loss, lr, grad_norm, samples_per_s, …) and
        eval rows (val_loss plus accuracy/macro_f1, or mse/mae/r2). ``train_seconds`` is the head's training
        loop only; time the whole call to include tokenizing and the one-time trunk pass.

    Raises:
        ValueError: a causal-lm model, a config asking for checkpoints, class_weights that do not match the
            labels, or data without the text/target column.

    Example:
        >>> model = ftlab.load_model("minilm", task="classification", labels=names)         # doctest: +SKIP
        >>> history = fit_head(model, splits["train"], splits["validation"],
        ...                    TrainConfig(lr=3e-3, epochs=10))                              # doctest: +SKIP
        >>> history.evals[-1]["accuracy"]                                                    # doctest: +SKIP
    """
    cfg = config or TrainConfig()
    _check_supported(model, cfg)
    device = pick_device(cfg.device)
    precision = resolve_precision(cfg.precision, device)
    train = make_batches(model, train_data, cfg)
    val = make_batches(model, val_data, cfg) if val_data is not None else None
    _freeze_to_head(model)  # after the data checks: a bad dataset leaves the model as it was
    model.module.to(device)
    train_x = feature_batches(model, train, device, precision)  # the trunk runs once here ...
    val_x = feature_batches(model, val, device, precision) if val is not None else None
    return Trainer(cfg, callbacks).fit(model, train_x, val_x)  # ... and never again: the loop trains the head


def feature_batches(model, batches: TokenBatches, device: torch.device, precision: str = "fp32") -> FeatureBatches:
    """Batches of pooled trunk vectors with the same plans (lengths, bucketing) as the token batches."""
    features = extract_features(model, batches.data, device, precision)  # (N, H)
    labels = batches.data.task.target_tensor(batches.data.targets).to(device)  # (N,)
    return FeatureBatches(batches.task, batches.lengths, bucket=batches.bucket, features=features, labels=labels)


@torch.no_grad()
def extract_features(model, data, device: torch.device, precision: str = "fp32") -> torch.Tensor:
    """Pooled trunk vectors for every example, in the data's order, with the trunk in eval mode.  -> (N, H)

    Batches are sorted by length so each is padded only to neighbours of similar length.
    """

    module = model.module
    was_training = module.training
    module.eval()  # no dropout: the features are a fixed function of the text
    order = np.argsort(data.lengths, kind="stable")
    pad = pad_token_id(model.tokenizer)
    features = torch.empty((len(data), module.config.hidden_size), device=device)  # (N, H)
    try:
        for i in range(0, len(order), FEATURE_BATCH):
            rows = order[i:i + FEATURE_BATCH].tolist()
            batch = to_device(collate(data, rows, pad), device)
            with autocast(device, precision):
                features[rows] = module.pool(batch["input_ids"], batch["attention_mask"]).float()  # (B, H)
    finally:
        module.train(was_training)
    return features


def _freeze_to_head(model) -> None:
    before = model.trainable_groups()
    model.freeze("head")
    # The "head" group also holds a decoder's final norm (it feeds only the head, so top-N training trains it);
    # here it sits inside the cached features and cannot learn, so it is frozen to say so truthfully.
    for name, p in model.module.named_parameters():
        if not name.startswith("head."):
            p.requires_grad_(False)
    if before != ["head"]:
        warnings.warn(f"fit_head froze the model to its head (trainable groups were {before}, now ['head']): "
                      f"only the head trains on cached trunk features. Use ftlab.Trainer to train trunk layers or LoRA.",
                      stacklevel=3)


def _check_supported(model, cfg: TrainConfig) -> None:
    if not model.task.pools_features:
        raise ValueError(f"fit_head trains a classification/regression head on pooled features; this model's task is "
                         f"{model.task!r}. Train causal-lm models with ftlab.Trainer")
    model.task.check_class_weights(cfg.class_weights, model.labels)  # before the costly feature pass
    if cfg.save_every or cfg.output_dir:
        raise ValueError(f"fit_head writes no checkpoints (it trains in seconds); got save_every={cfg.save_every!r}, "
                         f"output_dir={cfg.output_dir!r}. Set both to None and save with model.save('folder') afterwards")
