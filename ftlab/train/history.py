"""History: what happened during fit, step by step and eval by eval, as tables.

Example:
    >>> h = History(); h.steps.append({"step": 1, "loss": 0.7}); h.steps_frame()["loss"].tolist()
    [0.7]
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Optional

import pandas as pd


# Every reason the Trainer itself sets (a callback's StopTraining("...") message is kept as given):
STOP_REASONS = ("completed",        # ran every planned step (epochs or max_steps)
                "early stopping",   # validation stopped improving; the best weights were restored
                "stop requested",   # trainer.request_stop(), e.g. the dashboard's Stop button
                "interrupted",      # Ctrl-C / the kernel's interrupt
                "non-finite loss",  # NaN/inf loss or gradient; the last good weights were restored
                "out of memory")    # an allocation failed; advice on what to shrink was given


@dataclass
class History:
    """Per-step rows (loss, lr, grad_norm, samples_per_s, tokens_per_s, memory) and per-eval rows (metrics)."""

    steps: list[dict] = field(default_factory=list)
    evals: list[dict] = field(default_factory=list)
    stopped_reason: str = ""  # "" before any fit; then one of STOP_REASONS, or the message of a callback's StopTraining
    best_step: Optional[int] = None  # step of the best eval (early stopping restores its weights)
    best_metric: Optional[float] = None
    peak_memory_mb: float = 0.0
    train_seconds: float = 0.0

    @property
    def last_step(self) -> int:
        return self.steps[-1]["step"] if self.steps else 0

    def steps_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.steps)

    def evals_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.evals)

    def to_frame(self) -> pd.DataFrame:
        """Steps joined with evals on step (eval columns empty between evaluations)."""
        steps, evals = self.steps_frame(), self.evals_frame()
        if evals.empty:
            return steps
        return steps.merge(evals.drop(columns=["epoch"], errors="ignore"), on="step", how="left")

    def summary(self) -> dict:
        """Key numbers of the run (for tables and metrics JSON)."""
        last_eval = self.evals[-1] if self.evals else {}
        return {"steps": self.last_step, "final_loss": self.steps[-1]["loss"] if self.steps else None,
                "train_seconds": round(self.train_seconds, 2), "peak_memory_mb": round(self.peak_memory_mb, 1),
                "stopped_reason": self.stopped_reason, "best_step": self.best_step,
                **{k: v for k, v in last_eval.items() if k not in ("step", "epoch")}}

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "History":
        return cls(**json.loads(text))

    def _repr_html_(self) -> str:
        return pd.DataFrame([self.summary()]).to_html(index=False)
