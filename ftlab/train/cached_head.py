"""Head-only training on cached trunk features: run the frozen trunk once, then train the head in seconds.

When only the head trains, every epoch of :class:`ftlab.Trainer` runs the whole trunk forward again on
the same texts. :func:`fit_head` runs it once, keeps the pooled sentence vectors (N, H), and trains the
head on those: the same optimizer, schedule, clipping, batches and History as the Trainer.

Example:
    >>> history = fit_head(model, splits["train"], splits["validation"], TrainConfig(lr=3e-3, epochs=10))  # doctest: +SKIP
"""
from __future__ import annotations

import math
import time
import warnings
from typing import Optional

import numpy as np
import torch

from ..config import TrainConfig
from ..device import autocast, peak_memory_mb, pick_device, resolve_precision
from ..metrics import classification_scores, regression_scores
from .batching import TokenizedData, collate, epoch_plan, target_tensor, to_device, tokenize_dataset
from .evaluation import lower_is_better
from .history import History
from .optim import build_optimizer
from .packing import batch_layout
from .schedules import lr_factor

FEATURE_BATCH = 64  # texts per trunk forward while caching (no gradients: larger batches are cheap)


def fit_head(model, train_data, val_data=None, config: Optional[TrainConfig] = None) -> History:
    """Train only ``model``'s head on trunk features computed once (head-only fine-tuning, fast).

    **This freezes the model to the head**: it calls ``model.freeze("head")`` (and warns if other groups
    were trainable), so afterwards only ``model.module.head`` has ``requires_grad=True``.

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
    train = tokenize_dataset(model, train_data, cfg.max_len)
    val = tokenize_dataset(model, val_data, cfg.max_len) if val_data is not None else None
    _freeze_to_head(model)  # after the data checks: a bad dataset leaves the model as it was
    module = model.module.to(device)
    if cfg.class_weights is not None:  # as the Trainer does: the head's loss weighs rare classes up
        module.class_weights = torch.tensor(cfg.class_weights, dtype=torch.float32)
    train_x = extract_features(model, train, device, precision)  # (N, H)
    val_x = extract_features(model, val, device, precision) if val is not None else None
    torch.manual_seed(cfg.seed)  # same seed point as Trainer: the head's dropout draws match
    optimizer = build_optimizer(module, cfg, device)
    history = History()
    t_head = time.perf_counter()
    history.stopped_reason = _train_head(model, cfg, optimizer, train, train_x, val, val_x, history)
    history.train_seconds = time.perf_counter() - t_head  # the head's loop; the one-time trunk pass came before
    history.peak_memory_mb = peak_memory_mb(device)
    return history


@torch.no_grad()
def extract_features(model, data: TokenizedData, device: torch.device, precision: str = "fp32") -> torch.Tensor:
    """Pooled trunk vectors for every example, in the data's order, with the trunk in eval mode.  -> (N, H)

    Batches are sorted by length so each is padded only to neighbours of similar length.
    """
    module = model.module
    was_training = module.training
    module.eval()  # no dropout: the features are a fixed function of the text
    order = np.argsort(data.lengths, kind="stable")
    pad = model.tokenizer.pad_token_id or 0
    features = torch.empty((len(data), module.config.hidden_size), device=device)  # (N, H)
    for i in range(0, len(order), FEATURE_BATCH):
        rows = order[i:i + FEATURE_BATCH].tolist()
        batch = to_device(collate(data, rows, pad), device)
        with autocast(device, precision):
            features[rows] = module.pool(batch["input_ids"], batch["attention_mask"]).float()  # (B, H)
    module.train(was_training)
    return features


def _train_head(model, cfg: TrainConfig, optimizer, train: TokenizedData, train_x: torch.Tensor,
                val: Optional[TokenizedData], val_x: Optional[torch.Tensor], history: History) -> str:
    """The Trainer's loop on cached features: same epoch plans, loss / grad_accum_steps, clipping and schedule."""
    module, head, device = model.module, model.module.head, train_x.device
    targets, lengths = target_tensor(train).to(device), train.lengths
    params = [p for p in head.parameters() if p.requires_grad]
    steps_per_epoch = len(epoch_plan(lengths, cfg.batch_size, cfg.grad_accum_steps, cfg.seed, 0, False))
    total = cfg.max_steps or max(1, math.ceil(cfg.epochs * steps_per_epoch))
    _, bucket = batch_layout(module, cfg)  # the Trainer's batches, example for example
    step, epoch, best, since_best, reason = 0, 0, None, 0, "completed"
    module.train()  # only the head's dropout is active here; the trunk never runs again
    while step < total and reason == "completed":
        plan = epoch_plan(lengths, cfg.batch_size, cfg.grad_accum_steps, cfg.seed, epoch, bucket)
        for i, step_rows in enumerate(plan):
            t0 = time.perf_counter()
            loss_sum = torch.zeros((), device=device)
            for rows in step_rows:
                loss = module.forward_features(train_x[rows], targets[rows])["loss"]  # (B, H) -> scalar
                (loss / len(step_rows)).backward()
                loss_sum += loss.detach() / len(step_rows)
            norm = torch.nn.utils.clip_grad_norm_(params, cfg.max_grad_norm) if cfg.max_grad_norm else _norm(params)
            loss_value, grad_norm = torch.stack([loss_sum, norm.to(loss_sum)]).tolist()  # one host sync per step
            if not (math.isfinite(loss_value) and math.isfinite(grad_norm)):
                optimizer.zero_grad(set_to_none=True)  # nothing was applied: the head keeps its last good weights
                warnings.warn(f"fit_head stopped: loss {loss_value}, gradient norm {grad_norm} at step {step + 1}. "
                              f"Try a lower lr (now {cfg.lr}) or warmup_steps.")
                reason = "non-finite loss"
                break
            factor = lr_factor(step, total, cfg.warmup_steps, cfg.scheduler)
            for group in optimizer.param_groups:
                group["lr"] = group["base_lr"] * factor
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            dt = time.perf_counter() - t0
            if step % cfg.log_every == 0 or step == total:
                history.steps.append({"step": step, "epoch": epoch + (i + 1) / len(plan), "loss": loss_value,
                                      "lr": cfg.lr * factor, "grad_norm": grad_norm,
                                      "samples_per_s": sum(len(r) for r in step_rows) / dt,
                                      "tokens_per_s": sum(lengths[r] for rs in step_rows for r in rs) / dt,
                                      "memory_mb": peak_memory_mb(device)})
            if val is not None and (i + 1 == len(plan) or step == total or (cfg.eval_every and step % cfg.eval_every == 0)):
                best, since_best = _evaluate(model, cfg, val, val_x, step, epoch, history, best, since_best)
                if cfg.early_stopping_patience and since_best >= cfg.early_stopping_patience:
                    reason = "early stopping"
                    break
            if step >= total:
                break
        epoch += 1
    if best is not None and cfg.early_stopping_patience:
        head.load_state_dict(best[1])  # keep the best validation weights, as the Trainer does
    return reason


def _evaluate(model, cfg, val, val_x, step, epoch, history, best, since_best):
    row = {"step": step, "epoch": epoch} | score_features(model, val, val_x)
    history.evals.append(row)
    metric = cfg.early_stopping_metric
    if metric not in row:
        raise ValueError(f"TrainConfig.early_stopping_metric={metric!r} is not computed for this task; choose from {sorted(row)}")
    value = row[metric]
    if best is None or (value < best[0] if lower_is_better(metric) else value > best[0]):
        history.best_step, history.best_metric = step, value
        return (value, {k: v.detach().clone() for k, v in model.module.head.state_dict().items()}), 0
    return best, since_best + 1


@torch.no_grad()
def score_features(model, data: TokenizedData, features: torch.Tensor) -> dict:
    """val_loss plus accuracy/macro_f1 (classification) or mse/rmse/mae/r2 (regression) from cached features."""
    module = model.module
    was_training = module.training
    module.eval()
    out = module.forward_features(features, target_tensor(data).to(features.device))
    module.train(was_training)
    y = np.asarray(data.targets)
    if data.task == "regression":
        return {"val_loss": float(out["loss"])} | regression_scores(y, out["logits"].squeeze(-1).float().cpu().numpy())
    scores = classification_scores(y, out["logits"].argmax(-1).cpu().numpy(), model.labels)
    return {"val_loss": float(out["loss"]), "accuracy": scores["accuracy"], "macro_f1": scores["macro_f1"]}


def _norm(params: list) -> torch.Tensor:
    grads = [p.grad for p in params if p.grad is not None]
    return torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads])) if grads else torch.tensor(0.0)


def _freeze_to_head(model) -> None:
    before = model.trainable_groups()
    model.freeze("head")
    if before != ["head"]:
        warnings.warn(f"fit_head froze the model to its head (trainable groups were {before}, now ['head']): "
                      f"only the head trains on cached trunk features. Use ftlab.Trainer to train trunk layers or LoRA.",
                      stacklevel=3)


def _check_supported(model, cfg: TrainConfig) -> None:
    if model.task not in ("classification", "regression"):
        raise ValueError(f"fit_head trains a classification/regression head on pooled features; this model's task is "
                         f"{model.task!r}. Train causal-lm models with ftlab.Trainer")
    if cfg.class_weights is not None and (model.task != "classification" or len(cfg.class_weights) != len(model.labels)):
        raise ValueError(f"TrainConfig.class_weights has {len(cfg.class_weights)} values; the model has labels {model.labels}")
    if cfg.save_every or cfg.output_dir:
        raise ValueError(f"fit_head writes no checkpoints (it trains in seconds); got save_every={cfg.save_every!r}, "
                         f"output_dir={cfg.output_dir!r}. Set both to None and save with model.save('folder') afterwards")
