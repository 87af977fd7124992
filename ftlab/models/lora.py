"""LoRA (low-rank adapters) through peft: the trunk stays frozen, small rank-r matrices learn the update.

Example:
    >>> lora_targets(["encoder.layer.0.attention.self.query", "encoder.layer.0.attention.self.value"])
    ['query', 'value']
"""
from __future__ import annotations

import copy

from torch import nn

# Attention projections LoRA adapts by default, per architecture family (as in the LoRA paper: q and v).
_TARGETS = [("query", "value"), ("q_proj", "v_proj"), ("c_attn",), ("q_lin", "v_lin")]


def lora_targets(module_names: list[str]) -> list[str]:
    """The attention projection names present in this model."""
    leaves = {n.rsplit(".", 1)[-1] for n in module_names}
    for family in _TARGETS:
        if all(t in leaves for t in family):
            return list(family)
    raise ValueError("LoRA: found no known attention projections (query/value, q_proj/v_proj, c_attn, q_lin/v_lin) in this model")


def add_lora(module: nn.Module, r: int = 8, alpha: int = 16, dropout: float = 0.05) -> nn.Module:
    """Wrap ``module`` with LoRA adapters (all original weights frozen) and return the peft model."""
    from peft import LoraConfig, get_peft_model

    if not (isinstance(r, int) and r >= 1):
        raise ValueError(f"LoRA rank r must be an int >= 1; got {r!r}")
    targets = lora_targets([n for n, _ in module.named_modules()])
    config = LoraConfig(r=r, lora_alpha=alpha, lora_dropout=dropout, target_modules=targets, bias="none")
    return get_peft_model(module, config)


def is_lora(module: nn.Module) -> bool:
    """True when any LoRA adapter is attached anywhere in ``module``."""
    return any("lora_" in n for n, _ in module.named_parameters())


def merged_copy(module: nn.Module, attr: str | None) -> nn.Module:
    """A copy with LoRA merged into the base weights, so it saves/loads as a plain model.

    ``attr`` names the submodule that was wrapped (e.g. "trunk"), or None when the whole module was.
    """
    clone = copy.deepcopy(module)
    if attr is None:
        return clone.merge_and_unload()
    setattr(clone, attr, getattr(clone, attr).merge_and_unload())
    return clone
