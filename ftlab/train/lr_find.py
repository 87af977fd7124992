"""LR finder: raise the learning rate exponentially over a few mini-batches and watch the loss.

The "LR range test" (Leslie Smith, 2015; popularised by fastai): start with a tiny lr, multiply it by the
same factor every optimizer step, and record the loss. At first nothing happens (the lr is too small to
move the weights), then the loss falls faster and faster, then it turns and explodes. A good peak lr
lies on the steep descent, well before the bottom: at the bottom the lr is already about to be too big.

The sweep is the Trainer's own loop (:class:`ftlab.Trainer`) with an exponential lr schedule and a callback
that stops on divergence, as fastai does. It really trains, so :func:`lr_find` copies the weights first and **always** puts them back
(also after an error or a Ctrl-C): the model you pass in is unchanged afterwards, ready for
``Trainer(config.replace(lr=result.suggestion)).fit(...)``.

Example:
    >>> result = lr_find(model, splits["train"], TrainConfig(batch_size=16))  # doctest: +SKIP
    >>> result.suggestion, result.plot()                                      # doctest: +SKIP
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Optional

import numpy as np
import pandas as pd
import torch

from ..config import TrainConfig
from .callbacks import Callback, StopTraining
from .trainer import Trainer

MIN_SPAN = 0.1  # a minimum in the first or last 10% of the sweep means the range did not bracket it


@dataclass
class LRFinderResult:
    """One LR range test: the lr of every step, its loss (raw and smoothed) and a suggested peak lr.

    ``raw_losses[i]`` is the loss of the batch seen at step i, measured before that step's update with
    ``lrs[i]``; ``losses[i]`` is the running average of ``raw_losses[:i + 1]`` (exponential moving average,
    bias-corrected), the curve the stop rule and the suggestion read.
    """

    lrs: list[float]
    losses: list[float]  # smoothed: running (exponential moving) average of raw_losses
    raw_losses: list[float]  # the loss of each mini-batch as measured
    suggestion: float  # min_loss_lr / 10: the suggested peak lr for training
    stopped_early: bool  # True when the loss diverged (or became NaN/inf) before num_steps

    @property
    def min_loss_lr(self) -> float:
        """The lr at the lowest smoothed loss: where the loss turns, already too high to train with."""
        return self.lrs[int(np.argmin(self.losses))]

    def to_frame(self) -> pd.DataFrame:
        """One row per step: step, lr, loss (smoothed), raw_loss."""
        return pd.DataFrame({"step": range(1, len(self.lrs) + 1), "lr": self.lrs, "loss": self.losses,
                             "raw_loss": self.raw_losses})

    def plot(self, title: str = "LR finder"):
        """A plotly figure: loss against lr on a log axis, the minimum and the suggestion marked.

        Example:
            >>> lr_find(model, train).plot().show()  # doctest: +SKIP
        """
        try:
            import plotly.graph_objects as go
        except ImportError as err:
            raise ImportError("LRFinderResult.plot() needs plotly: pip install 'ftlab[notebooks]' (or plotly)") from err
        near = int(np.argmin(np.abs(np.log(self.lrs) - math.log(self.suggestion))))
        lowest = int(np.argmin(self.losses))
        fig = go.Figure()
        fig.add_scatter(x=self.lrs, y=self.raw_losses, mode="markers", name="loss of each batch",
                        marker=dict(size=5, color="rgba(120,120,120,0.5)"))
        fig.add_scatter(x=self.lrs, y=self.losses, mode="lines", name="smoothed loss", line=dict(width=3))
        fig.add_scatter(x=[self.lrs[lowest]], y=[self.losses[lowest]], mode="markers", name="lowest smoothed loss",
                        marker=dict(size=11, symbol="circle-open", color="black", line=dict(width=2)))
        fig.add_scatter(x=[self.suggestion], y=[self.losses[near]], mode="markers+text", textposition="bottom left",
                        text=[f"{self.suggestion:.1e}"], name="suggested lr (lowest / 10)",
                        marker=dict(size=15, symbol="star", color="crimson"))
        shown = self.losses[:-1] if self.stopped_early and len(self.losses) > 2 else self.losses
        low, high = min(min(self.losses), min(self.raw_losses)), max(max(shown), self.raw_losses[0])
        pad = 0.08 * (high - low or 1.0)
        fig.update_layout(title=title, xaxis_title="learning rate (log scale)", yaxis_title="training loss",
                          template="plotly_white", height=380, legend=dict(orientation="h", y=-0.25))
        fig.update_xaxes(type="log", exponentformat="power")
        fig.update_yaxes(range=[low - pad, high + pad])
        return fig

    def __repr__(self) -> str:
        end = "stopped early: the loss diverged" if self.stopped_early else "ran every step"
        return (f"LRFinderResult({len(self.lrs)} steps, lr {self.lrs[0]:.1e} → {self.lrs[-1]:.1e}, {end}; "
                f"min_loss_lr={self.min_loss_lr:.2e}, suggestion={self.suggestion:.2e})")


def lr_find(model, train_data, config: Optional[TrainConfig] = None, start_lr: float = 1e-7, end_lr: float = 1,
            num_steps: int = 100, smooth: float = 0.05, diverge_factor: float = 4) -> LRFinderResult:
    """Sweep the lr from ``start_lr`` to ``end_lr`` (exponentially, one step per mini-batch) and suggest one.

    The sweep trains with ``config``'s optimizer, batch_size, grad_accum_steps, max_len, weight_decay,
    momentum, max_grad_norm, layer_lr_decay (the per-layer ratios are kept), class_weights, precision and
    seed, on the layers ``model`` has trainable now — so freeze first, as you will for the real run.
    ``config.lr``, warmup and the scheduler are ignored: the sweep is its own schedule. It stops early
    when the loss diverges: its running average exceeds ``diverge_factor`` × the lowest running average
    so far, or a loss is NaN/inf.

    **The model is left exactly as it was**: weights, buffers, ``requires_grad`` flags, gradients,
    train/eval mode, device and the torch random state are restored, even when the sweep raises.

    The suggestion is **a tenth of the lr at the lowest smoothed loss** (fastai's ``lr_min``). At the
    lowest point the lr is already big enough to start the blow-up, so it is too high to train with; one
    decade lower sits on the descent, where steps of that size still cut the loss. We use it rather than
    the lr of the steepest descent because a sweep of a few dozen noisy batches makes the steepest point
    jump with single lucky batches (on MiniLM it landed right against the minimum), while the minimum of
    the running average is a stable landmark. Read the plot too: the suggestion should sit on the slope.

    Args:
        model: an FTModel (classification, regression or causal-lm) from :func:`ftlab.load_model`.
        train_data: ``datasets.Dataset`` as for :meth:`ftlab.Trainer.fit`; batches cycle if it runs out.
        config: a :class:`TrainConfig` (default ``TrainConfig()``).
        start_lr, end_lr: the sweep's first and last lr, ``0 < start_lr < end_lr``.
        num_steps: optimizer steps in the sweep (>= 5); each uses a fresh mini-batch.
        smooth: weight of the newest loss in the running average, in (0, 1]; 1 = no smoothing.
        diverge_factor: stop once the running average exceeds this multiple of its lowest value (> 1).

    Returns:
        An :class:`LRFinderResult` (``.suggestion``, ``.to_frame()``, ``.plot()``).

    Raises:
        ValueError: an argument out of range (the message names it) or empty training data.

    Example:
        >>> model.freeze("top-2")                                                      # doctest: +SKIP
        >>> result = lr_find(model, train, TrainConfig(batch_size=16), num_steps=60)  # doctest: +SKIP
        >>> Trainer(TrainConfig(lr=result.suggestion)).fit(model, train, val)        # doctest: +SKIP
    """
    cfg = config if config is not None else TrainConfig()
    _check_args(cfg, start_lr, end_lr, num_steps, smooth, diverge_factor)
    if len(train_data) == 0:
        raise ValueError("lr_find: train_data is empty; pass a dataset with at least one row")
    lrs = [start_lr * (end_lr / start_lr) ** (i / (num_steps - 1)) for i in range(num_steps)]
    saved = _snapshot(model)
    try:
        raw, stopped = _sweep(model, train_data, cfg, lrs, smooth, diverge_factor)
    finally:
        _restore(model, saved)
    if not raw:
        raise ValueError(f"lr_find: the loss was not finite even at start_lr={start_lr:g}; check the data and the model")
    smoothed = running_average(raw, smooth)
    _warn_if_not_bracketed(smoothed, num_steps, start_lr, end_lr)
    return LRFinderResult(lrs[:len(raw)], smoothed, raw, suggest_lr(lrs[:len(raw)], smoothed), stopped)


def suggest_lr(lrs: list[float], losses: list[float]) -> float:
    """A tenth of the lr at the lowest loss, never below the first lr of the sweep.

    Example:
        >>> suggest_lr([1e-5, 1e-4, 1e-3, 1e-2, 1e-1], [1.1, 1.0, 0.6, 0.5, 3.0])
        0.001
    """
    return max(float(lrs[0]), float(lrs[int(np.argmin(losses))]) / 10)


def running_average(values: list[float], smooth: float) -> list[float]:
    """Exponential moving average, bias-corrected (as Adam's moments) so the first value is the first loss.

    Example:
        >>> running_average([2.0, 0.0, 0.0], smooth=0.5)
        [2.0, 0.6666666666666666, 0.2857142857142857]
    """
    out, avg = [], 0.0
    for i, v in enumerate(values):
        avg = (1 - smooth) * avg + smooth * v
        out.append(avg / (1 - (1 - smooth) ** (i + 1)))
    return out


def _warn_if_not_bracketed(smoothed: list[float], num_steps: int, start_lr: float, end_lr: float) -> None:
    """The suggestion means something only if the loss fell and then turned inside the sweep."""
    lowest = int(np.argmin(smoothed))
    if lowest < MIN_SPAN * num_steps:
        warnings.warn(f"lr_find: the loss was lowest in the first 10% of the sweep: it never fell. Try a lower "
                      f"start_lr (now {start_lr:g}), more num_steps, or check the data.", stacklevel=3)
    elif len(smoothed) == num_steps and lowest >= (1 - MIN_SPAN) * num_steps:
        warnings.warn(f"lr_find: the loss was still falling at end_lr={end_lr:g}; try a larger end_lr so the "
                      f"sweep finds where it turns.", stacklevel=3)


# ---- the sweep and the snapshot that undoes it ------------------------------------------------------
class _DivergenceStop(Callback):
    """Stops the sweep once the running average of the loss exceeds ``factor`` x its lowest value so far."""

    def __init__(self, smooth: float, factor: float):
        self.smooth, self.factor = smooth, factor
        self.avg, self.best, self.n = 0.0, math.inf, 0

    def on_step_end(self, trainer, row: dict) -> None:
        self.n += 1
        self.avg = (1 - self.smooth) * self.avg + self.smooth * row["loss"]
        running = self.avg / (1 - (1 - self.smooth) ** self.n)  # = running_average(raw, smooth)[-1], kept online
        self.best = min(self.best, running)
        if running > self.factor * self.best:
            raise StopTraining("diverged")


def _sweep(model, train_data, cfg: TrainConfig, lrs: list[float], smooth: float,
           diverge_factor: float) -> tuple[list[float], bool]:
    """One Trainer step per lr (the Trainer's own loop, with an exponential schedule and a divergence stop);
    returns the raw losses and whether the sweep ended before the last lr."""
    sweep_cfg = cfg.replace(lr=lrs[0], max_steps=len(lrs), warmup_steps=0, scheduler="constant", log_every=1,
                            eval_every=None, early_stopping_patience=None, save_every=None, output_dir=None,
                            progress="off")
    trainer = Trainer(sweep_cfg, callbacks=[_DivergenceStop(smooth, diverge_factor)],
                      lr_schedule=lambda step, total: lrs[step] / lrs[0])  # lr_i = start * (end/start)^(i/(n-1))
    with warnings.catch_warnings():  # a NaN at a huge lr is the expected end of a sweep, not news
        warnings.filterwarnings("ignore", message="Training stopped: (loss|gradient norm) became")
        history = trainer.fit(model, train_data)
    return [row["loss"] for row in history.steps], history.stopped_reason != "completed"


def _snapshot(model) -> dict:
    """Everything the sweep may change: trainable weights, buffers, flags, grads, mode, device, RNG."""
    module = model.module
    return {
        "module": module,
        "values": {n: p.detach().clone() for n, p in module.named_parameters() if p.requires_grad},
        "buffers": {n: b.detach().clone() for n, b in module.named_buffers()},
        "requires_grad": {n: p.requires_grad for n, p in module.named_parameters()},
        "grads": {n: p.grad for n, p in module.named_parameters()},
        "training": module.training,
        "device": model.device,
        "class_weights": getattr(module, "class_weights", None),
        "rng": torch.get_rng_state(),
        "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None,
    }


@torch.no_grad()
def _restore(model, saved: dict) -> None:
    module = saved["module"]
    module.to(saved["device"])
    params, buffers = dict(module.named_parameters()), dict(module.named_buffers())
    for name, value in saved["values"].items():
        params[name].copy_(value)
    for name, value in saved["buffers"].items():
        buffers[name].copy_(value)
    for name, p in params.items():
        p.requires_grad_(saved["requires_grad"][name])
        p.grad = saved["grads"][name]
    module.train(saved["training"])
    if hasattr(module, "class_weights"):
        module.class_weights = saved["class_weights"]
    torch.set_rng_state(saved["rng"])
    if saved["cuda_rng"] is not None:
        torch.cuda.set_rng_state_all(saved["cuda_rng"])


def _check_args(config, start_lr, end_lr, num_steps, smooth, diverge_factor) -> None:
    """One ValueError per bad argument, naming it, what it got and what it accepts."""
    def number(v):
        return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)

    if not isinstance(config, TrainConfig):
        raise ValueError(f"lr_find: config must be an ftlab.TrainConfig or None; got {type(config).__name__}")
    if not (number(start_lr) and start_lr > 0):
        raise ValueError(f"lr_find: start_lr must be a float > 0; got {start_lr!r}")
    if not (number(end_lr) and end_lr > start_lr):
        raise ValueError(f"lr_find: start_lr must be smaller than end_lr; got start_lr={start_lr!r}, end_lr={end_lr!r}")
    if not (isinstance(num_steps, int) and not isinstance(num_steps, bool) and num_steps >= 5):
        raise ValueError(f"lr_find: num_steps must be an int >= 5 (a curve needs a few points); got {num_steps!r}")
    if not (number(smooth) and 0 < smooth <= 1):
        raise ValueError(f"lr_find: smooth must be a float in (0, 1] (1 = no smoothing); got {smooth!r}")
    if not (number(diverge_factor) and diverge_factor > 1):
        raise ValueError(f"lr_find: diverge_factor must be a number > 1; got {diverge_factor!r}")
