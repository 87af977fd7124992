"""Learning-rate schedules as pure functions of the step (no hidden scheduler state to save or restore).

Example:
    >>> lr_factor(0, total_steps=100, warmup_steps=10, kind="linear")
    0.1
    >>> lr_factor(100, total_steps=100, warmup_steps=10, kind="linear")
    0.0
"""
from __future__ import annotations

import math


def lr_factor(step: int, total_steps: int, warmup_steps: int, kind: str) -> float:
    """Multiplier on the peak lr for optimizer step ``step`` (0-based).

    Warmup rises linearly to 1 so early, noisy gradients cannot wreck the pretrained weights; then
    "constant" stays at 1, "linear" falls to 0 at the last step, "cosine" follows half a cosine to 0.
    """
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    if kind == "constant":
        return 1.0
    span = max(1, total_steps - warmup_steps)
    progress = min(1.0, (step - warmup_steps) / span)
    if kind == "linear":
        return 1.0 - progress
    if kind == "cosine":
        return 0.5 * (1.0 + math.cos(math.pi * progress))
    raise ValueError(f"Unknown scheduler {kind!r}; use 'constant', 'linear' or 'cosine'")
