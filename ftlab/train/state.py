"""The run state a panel reads while a fit runs, and what decides whether the optimizer must be rebuilt.

Example:
    >>> state = RunState(step=3, total_steps=10)
    >>> state.fraction_done
    0.3
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

# TrainConfig fields the optimizer, the accelerator or the prepared module are built from: a change to any of
# them between two fits must reach the optimizer, so the trainer rebuilds it (and says so once).
OPTIMIZER_FIELDS = ("lr", "optimizer", "weight_decay", "momentum", "layer_lr_decay", "class_weights", "compile",
                    "gradient_checkpointing", "precision", "device")


@dataclass
class RunState:
    """Where a run stands: optimizer steps done, epoch, position inside the epoch, and the planned total."""

    step: int = 0
    epoch: int = 0
    batch_in_epoch: int = 0
    total_steps: int = 0

    @property
    def fraction_done(self) -> float:
        return self.step / self.total_steps if self.total_steps else 0.0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "RunState":
        return cls(**{k: int(values[k]) for k in ("step", "epoch", "batch_in_epoch", "total_steps")})


def optimizer_signature(model, config) -> tuple:
    """What the current optimizer was built for: the model, its trainable parameters and the config fields."""
    trainable = tuple(id(p) for p in model.module.parameters() if p.requires_grad)
    fields = tuple((name, repr(getattr(config, name))) for name in OPTIMIZER_FIELDS)
    return id(model), id(model.module), trainable, fields


def describe_change(old: tuple, new: tuple) -> str:
    """Human words for why two signatures differ (for the one warning a rebuild gives)."""
    if old[2] != new[2]:
        return "the set of trainable parameters changed (freeze/unfreeze or LoRA)"
    changed = [f"{a[0]} {a[1]} -> {b[1]}" for a, b in zip(old[3], new[3]) if a != b]
    return "TrainConfig changed: " + ", ".join(changed)
