"""Named layer groups (embeddings, layer.0 … layer.N-1, head) and freezing by group or preset.

Example:
    >>> group_of("trunk.encoder.layer.3.attention.self.query.weight")
    'layer.3'
"""
from __future__ import annotations

import re
from collections import OrderedDict

from torch import nn

_LAYER = re.compile(r"(?:^|\.)(?:layer|layers|h|block|blocks)\.(\d+)\.")
_EMBED = ("embeddings", "embed_tokens", "wte", "wpe", "embed_positions")
_HEAD = ("head.", "lm_head", "classifier", "score.")
_FINAL_NORM = re.compile(r"(?:^|\.)(?:norm|ln_f|final_layer_norm)\.")


def group_of(param_name: str) -> str:
    """The group a parameter belongs to, from its name alone."""
    m = _LAYER.search(param_name)
    if m:
        return f"layer.{m.group(1)}"
    if any(k in param_name for k in _EMBED):
        return "embeddings"
    if any(param_name.startswith(k) or f".{k}" in param_name for k in _HEAD) or _FINAL_NORM.search(param_name):
        return "head"  # the final norm feeds only the head, so it trains with it
    return "other"


def layer_groups(module: nn.Module) -> "OrderedDict[str, list[str]]":
    """Group name -> parameter names, bottom (embeddings) to top (head)."""
    groups: dict[str, list[str]] = {}
    for name, _ in module.named_parameters():
        groups.setdefault(group_of(name), []).append(name)
    layers = sorted((g for g in groups if g.startswith("layer.")), key=lambda g: int(g.split(".")[1]))
    order = ["embeddings", *layers, "other", "head"]
    return OrderedDict((g, groups[g]) for g in order if g in groups)


def resolve_train_groups(spec: str | list[str], groups: list[str]) -> list[str]:
    """Turn a preset ("head", "top-N", "all") or a list of group names into the groups to train.

    Raises:
        ValueError: unknown preset or group name (the message lists the valid ones).
    """
    layers = [g for g in groups if g.startswith("layer.")]
    if isinstance(spec, str):
        if spec == "all":
            return list(groups)
        if spec == "head":
            return [g for g in groups if g == "head"]
        m = re.fullmatch(r"top-(\d+)", spec)
        if m:
            n = int(m.group(1))
            if n > len(layers):
                raise ValueError(f"freeze('top-{n}') asks for {n} layers but the model has {len(layers)}; use top-0 … top-{len(layers)} or 'all'")
            return (layers[len(layers) - n:] if n else []) + [g for g in groups if g == "head"]
        raise ValueError(f"Unknown freeze preset {spec!r}; use 'head', 'top-N' (e.g. 'top-2'), 'all', 'lora', or a list of groups from {groups}")
    unknown = [g for g in spec if g not in groups]
    if unknown:
        raise ValueError(f"Unknown layer group(s) {unknown}; this model has {groups}")
    return list(spec)


def apply_freeze(module: nn.Module, train_groups: list[str]) -> None:
    """requires_grad=True exactly for the parameters in ``train_groups``."""
    keep = set(train_groups)
    for name, param in module.named_parameters():
        param.requires_grad = group_of(name) in keep


def trainable_groups(module: nn.Module) -> list[str]:
    """Groups with at least one trainable parameter, bottom to top."""
    trained = {group_of(n) for n, p in module.named_parameters() if p.requires_grad}
    return [g for g in layer_groups(module) if g in trained]
