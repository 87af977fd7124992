"""Optimizer construction: AdamW/Adam/SGD, no weight decay on biases and norms, optional per-layer lrs.

Example:
    >>> opt = build_optimizer(model.module, TrainConfig(lr=1e-4))  # doctest: +SKIP
"""
from __future__ import annotations

import torch
from torch import nn

from ..models.groups import group_of


def _layer_depth(group: str, n_layers: int) -> int:
    """Distance below the head: head 0, top layer 1, …, embeddings n_layers + 1."""
    if group == "head":
        return 0
    if group.startswith("layer."):
        return n_layers - int(group.split(".")[1])
    return n_layers + 1


def param_groups(module: nn.Module, lr: float, weight_decay: float, layer_lr_decay: float | None) -> list[dict]:
    """Trainable parameters split by (decay or not) x (lr of their layer).

    Biases and LayerNorm weights get no weight decay: shrinking them toward 0 only hurts.
    With ``layer_lr_decay`` (discriminative learning rates, ULMFiT), lower layers — which hold more
    general features — move more slowly: lr * decay**depth.
    """
    named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
    if not named:
        raise ValueError("No trainable parameters: every group is frozen. Call model.freeze('head') (or 'top-2', 'all', 'lora') first")
    n_layers = len({group_of(n) for n, _ in module.named_parameters() if group_of(n).startswith("layer.")})
    groups: dict[tuple, dict] = {}
    for name, p in named:
        no_decay = p.ndim < 2 or "norm" in name.lower()
        depth = _layer_depth(group_of(name), n_layers) if layer_lr_decay else 0
        key = (no_decay, depth)
        g = groups.setdefault(key, {"params": [], "weight_decay": 0.0 if no_decay else weight_decay,
                                    "lr": lr * (layer_lr_decay or 1.0) ** depth, "depth": depth})
        g["params"].append(p)
    for g in groups.values():
        g["base_lr"] = g["lr"]  # the schedule multiplies this each step
    return list(groups.values())


def build_optimizer(module: nn.Module, config, device: torch.device | None = None) -> torch.optim.Optimizer:
    """The optimizer named by ``config.optimizer``; torch's fused Adam/AdamW kernel on CUDA and CPU.

    Fused = one kernel updates every parameter of a group instead of a chain of small per-tensor ops;
    on the 2-core benchmark CPU it made a whole MiniLM epoch ~10 % faster (benchmarks/RESULTS.md).
    """
    groups = param_groups(module, config.lr, config.weight_decay, config.layer_lr_decay)
    fused = {"fused": True} if device is not None and device.type in ("cuda", "cpu") else {}
    if config.optimizer == "adamw":
        return torch.optim.AdamW(groups, lr=config.lr, **fused)
    if config.optimizer == "adam":  # Adam's weight decay is L2 in the gradient; here decay is kept at 0
        for g in groups:
            g["weight_decay"] = 0.0
        return torch.optim.Adam(groups, lr=config.lr, **fused)
    return torch.optim.SGD(groups, lr=config.lr, momentum=config.momentum)
