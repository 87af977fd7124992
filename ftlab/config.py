"""TrainConfig: every knob of the trainer, validated once from one table.

Example:
    >>> cfg = TrainConfig(lr=5e-5, epochs=2, batch_size=32)
    >>> TrainConfig(lr=-3)
    Traceback (most recent call last):
    ...
    ValueError: TrainConfig.lr must be a float in (0, 1]; got -3
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

IGNORE_INDEX = -100  # label value the losses skip (padding, prompt tokens); defined once, here

OPTIMIZERS = ("adamw", "adam", "sgd")
SCHEDULERS = ("constant", "linear", "cosine")
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
PROGRESS = ("auto", "bar", "log", "off")


@dataclass
class TrainConfig:
    """Hyperparameters and run options for :class:`ftlab.Trainer`.

    Example:
        >>> TrainConfig(lr=1e-4, epochs=1, batch_size=16, grad_accum_steps=2).effective_batch_size
        32
    """

    lr: float = 5e-5  # peak learning rate reached after warmup
    epochs: float = 1  # passes over the training set (fractions allowed); ignored when max_steps is set
    max_steps: Optional[int] = None  # optimizer steps to run; overrides epochs
    batch_size: int = 32  # examples per forward pass (micro-batch)
    grad_accum_steps: int = 1  # micro-batches summed before each optimizer step
    max_len: int = 128  # tokens kept per example (longer ones are truncated)
    warmup_steps: int = 0  # steps of linear warmup from 0 to lr
    scheduler: str = "linear"  # lr after warmup: constant, linear decay to 0, or cosine decay to 0
    optimizer: str = "adamw"  # adamw (decoupled weight decay), adam, or sgd (with momentum)
    weight_decay: float = 0.01  # L2-style shrinkage; adamw applies it to weights but not biases/norms
    momentum: float = 0.9  # SGD momentum (unused by adam/adamw)
    max_grad_norm: Optional[float] = 1.0  # clip the global gradient norm to this; None disables clipping
    layer_lr_decay: Optional[float] = None  # discriminative lr: each group below the head gets lr * decay**depth
    class_weights: Optional[list] = None  # per-class loss weights for imbalanced classification
    seed: int = 0  # seeds shuffling, dropout and the new head, so the same seed gives the same run
    eval_every: Optional[int] = None  # evaluate every N optimizer steps (always at each epoch end)
    early_stopping_patience: Optional[int] = None  # stop after N evals without improvement; restores the best weights
    early_stopping_metric: str = "val_loss"  # metric watched by early stopping (lower is better for *loss/mse/mae)
    save_every: Optional[int] = None  # write a checkpoint every N optimizer steps (needs output_dir)
    output_dir: Optional[str] = None  # where checkpoints go; checked writable before training
    precision: str = "auto"  # auto: bf16 on GPUs that support it, else fp16 with loss scaling; fp32 on CPU
    device: str = "auto"  # auto picks CUDA > MPS > CPU; or name one: "cpu", "cuda", "cuda:1", "mps"
    gradient_checkpointing: bool = False  # recompute activations in backward: less memory, ~30% slower
    compile: bool = False  # torch.compile the model (GPU; pays a warm-up cost once)
    bucket_by_length: bool = True  # where packing does not apply: batch examples of similar length (less padding)
    # None = auto: classifier/regressor heads (encoder or decoder trunk) lay each random batch end to end, no padding;
    # causal-LM SFT packs only when True (opt-in: a block-causal mask with positions restarting per example)
    pack_sequences: Optional[bool] = None
    progress: str = "auto"  # auto: a bar in terminals/notebooks, a log line every ~10% under papermill
    log_every: int = 1  # record a history row every N optimizer steps

    def __post_init__(self) -> None:
        validate_config(self)
        object.__setattr__(self, "_validated", True)

    def __setattr__(self, name: str, value: Any) -> None:
        # `cfg.lr = -0.5` after construction is validated too, by the same table (not only the constructor)
        if getattr(self, "_validated", False):
            if name not in _RULES:
                raise AttributeError(f"TrainConfig has no field {name!r}; fields: {sorted(_RULES)}")
            check, allowed = _RULES[name]
            if not check(value):
                raise ValueError(f"TrainConfig.{name} must be {allowed}; got {value!r}")
            old = getattr(self, name)
            object.__setattr__(self, name, value)
            try:
                _check_combinations(self)
            except ValueError:
                object.__setattr__(self, name, old)
                raise
            return
        object.__setattr__(self, name, value)

    @property
    def effective_batch_size(self) -> int:
        """Examples per optimizer step: ``batch_size * grad_accum_steps``."""
        return self.batch_size * self.grad_accum_steps

    def replace(self, **changes: Any) -> "TrainConfig":
        """A copy with some fields changed (validated again).

        Example:
            >>> TrainConfig().replace(lr=1e-3).lr
            0.001
        """
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        """Plain dict of every field (JSON-friendly)."""
        return dataclasses.asdict(self)


def _is_number(v: Any) -> bool:
    # only floats can be inf/nan; math.isfinite on a huge int would overflow instead of answering
    return isinstance(v, (int, float)) and not isinstance(v, bool) and (isinstance(v, int) or math.isfinite(v))


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _optional(check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda v: v is None or check(v)


# One table: field -> (check, allowed range as the error message states it).
_RULES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "lr": (lambda v: _is_number(v) and 0 < v <= 1, "a float in (0, 1]"),
    "epochs": (lambda v: _is_number(v) and v > 0, "a number > 0"),
    "max_steps": (_optional(lambda v: _is_int(v) and v >= 1), "None or an int >= 1"),
    "batch_size": (lambda v: _is_int(v) and v >= 1, "an int >= 1"),
    "grad_accum_steps": (lambda v: _is_int(v) and v >= 1, "an int >= 1"),
    "max_len": (lambda v: _is_int(v) and 2 <= v <= 1_000_000, "an int in [2, 1000000]"),
    "warmup_steps": (lambda v: _is_int(v) and v >= 0, "an int >= 0"),
    "scheduler": (lambda v: v in SCHEDULERS, f"one of {SCHEDULERS}"),
    "optimizer": (lambda v: v in OPTIMIZERS, f"one of {OPTIMIZERS}"),
    "weight_decay": (lambda v: _is_number(v) and 0 <= v < 1, "a float in [0, 1)"),
    "momentum": (lambda v: _is_number(v) and 0 <= v < 1, "a float in [0, 1)"),
    "max_grad_norm": (_optional(lambda v: _is_number(v) and v > 0), "None or a float > 0"),
    "layer_lr_decay": (_optional(lambda v: _is_number(v) and 0 < v <= 1), "None or a float in (0, 1]"),
    "class_weights": (
        _optional(lambda v: isinstance(v, (list, tuple)) and len(v) > 0 and all(_is_number(x) and x > 0 for x in v)),
        "None or a non-empty list of positive numbers",
    ),
    "seed": (lambda v: _is_int(v) and v >= 0, "an int >= 0"),
    "eval_every": (_optional(lambda v: _is_int(v) and v >= 1), "None or an int >= 1"),
    "early_stopping_patience": (_optional(lambda v: _is_int(v) and v >= 1), "None or an int >= 1"),
    "early_stopping_metric": (lambda v: isinstance(v, str) and v != "", "a metric name such as 'val_loss' or 'macro_f1'"),
    "save_every": (_optional(lambda v: _is_int(v) and v >= 1), "None or an int >= 1"),
    "output_dir": (_optional(lambda v: isinstance(v, str) and v != ""), "None or a directory path"),
    "precision": (lambda v: v in PRECISIONS, f"one of {PRECISIONS}"),
    "device": (lambda v: isinstance(v, str) and v.split(":")[0] in ("auto", "cpu", "cuda", "mps"), "'auto', 'cpu', 'cuda[:N]' or 'mps'"),
    "gradient_checkpointing": (lambda v: isinstance(v, bool), "True or False"),
    "compile": (lambda v: isinstance(v, bool), "True or False"),
    "bucket_by_length": (lambda v: isinstance(v, bool), "True or False"),
    "pack_sequences": (lambda v: v is None or isinstance(v, bool), "None (auto), True or False"),
    "progress": (lambda v: v in PROGRESS, f"one of {PROGRESS}"),
    "log_every": (lambda v: _is_int(v) and v >= 1, "an int >= 1"),
}


def validate_config(config: TrainConfig) -> None:
    """Raise ValueError naming the first invalid field, its value and the allowed range."""
    for f in dataclasses.fields(config):
        check, allowed = _RULES[f.name]
        value = getattr(config, f.name)
        if not check(value):
            raise ValueError(f"TrainConfig.{f.name} must be {allowed}; got {value!r}")
    _check_combinations(config)


def _check_combinations(config: TrainConfig) -> None:
    """Rules that involve two fields."""
    if config.save_every is not None and config.output_dir is None:
        raise ValueError("TrainConfig.save_every needs TrainConfig.output_dir (where to write checkpoints); got output_dir=None")
