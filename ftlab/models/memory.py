"""Training-memory estimate: weights + gradients + optimizer state + activations + the NaN guard's weight copy.

The activation term follows Korthikanti et al. (2022), "Reducing Activation Recomputation in Large
Transformer Models": per layer about ``T*B*H*(34 + 5*heads*T/H)`` bytes in 16-bit precision. Only layers
at or above the lowest trainable one keep activations for backward, which is why freezing the bottom
of a network saves memory as well as time.

Example:
    >>> est = MemoryEstimate(weights_mb=90, gradients_mb=1, optimizer_mb=2, activations_mb=50, nan_guard_mb=1)
    >>> round(est.total_mb)
    144
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd
from torch import nn

from .groups import group_of

_OPTIMIZER_BYTES = {"adamw": 8, "adam": 8, "sgd": 4}  # state per trainable fp32 parameter (moments / momentum)
MB = 2**20


@dataclass
class MemoryEstimate:
    """Estimated peak training memory, in MiB, by part."""

    weights_mb: float
    gradients_mb: float
    optimizer_mb: float
    activations_mb: float
    nan_guard_mb: float = 0.0  # the Trainer's copy of the trainable weights, restored on a NaN/inf loss

    @property
    def total_mb(self) -> float:
        return self.weights_mb + self.gradients_mb + self.optimizer_mb + self.activations_mb + self.nan_guard_mb

    def to_frame(self) -> pd.DataFrame:
        """One row per part plus the total."""
        rows = [(k.replace("_mb", ""), round(v, 1)) for k, v in asdict(self).items()]
        rows.append(("total", round(self.total_mb, 1)))
        return pd.DataFrame(rows, columns=["part", "MiB"])

    def _repr_html_(self) -> str:
        return self.to_frame().to_html(index=False)


def estimate_training_memory(module: nn.Module, batch_size: int, seq_len: int, precision: str = "fp32",
                             optimizer: str = "adamw", gradient_checkpointing: bool = False) -> MemoryEstimate:
    """Estimate memory to train ``module`` with its current frozen/trainable split.

    Example:
        >>> from torch import nn
        >>> estimate_training_memory(nn.Linear(1024, 1024), 8, 16).weights_mb > 3.9
        True
    """
    total = sum(p.numel() for p in module.parameters())
    trainable = sum(p.numel() for p in module.parameters() if p.requires_grad)
    act_bytes = _activation_bytes(module, batch_size, seq_len, precision, gradient_checkpointing)
    return MemoryEstimate(
        weights_mb=total * 4 / MB,  # master weights stay fp32 under autocast
        gradients_mb=trainable * 4 / MB,
        optimizer_mb=trainable * _OPTIMIZER_BYTES.get(optimizer, 8) / MB,
        activations_mb=act_bytes / MB,
        nan_guard_mb=trainable * 4 / MB,  # fp32 copy of every trainable weight, refreshed before each update
    )


def _activation_bytes(module: nn.Module, b: int, t: int, precision: str, checkpointing: bool) -> float:
    cfg = getattr(module, "config", None)
    hidden = getattr(cfg, "hidden_size", None)
    heads = getattr(cfg, "num_attention_heads", None)
    if not hidden or not heads:
        return 0.0
    layers_trained = _layers_needing_activations(module)
    scale = 2.0 if precision == "fp32" else 1.0  # the formula counts 16-bit activations
    per_layer = t * b * hidden * (34 + 5 * heads * t / hidden) * scale
    if checkpointing:  # keep only each layer's input, recompute one layer at a time in backward
        return layers_trained * t * b * hidden * 2 * scale + per_layer
    head_bytes = b * t * hidden * 4  # final hidden states feeding the head
    return layers_trained * per_layer + head_bytes


def _layers_needing_activations(module: nn.Module) -> int:
    """Layers from the lowest trainable one to the top: only these store activations for backward."""
    layer_ids = sorted({int(g.split(".")[1]) for g in (group_of(n) for n, _ in module.named_parameters()) if g.startswith("layer.")})
    if not layer_ids:
        return 0
    trainable = [group_of(n) for n, p in module.named_parameters() if p.requires_grad]
    if "embeddings" in trainable:
        return len(layer_ids)
    trained_ids = [int(g.split(".")[1]) for g in trainable if g.startswith("layer.")]
    if not trained_ids:
        return 0
    return sum(1 for i in layer_ids if i >= min(trained_ids))
