"""Runs: the table of training runs a learner compares, and the weights to go back to the best one.

Each row is one finished (or stopped) fit: what changed against the first run's config, what trained
(a freeze preset, a list of groups or LoRA), trainable parameters, steps, seconds, peak memory, the
validation metric (best during the run and at its end) and, when asked, test scores. Headless: the
Playground widget fills one, and a script can too. The weights of the best run are kept (or of every
run, ``keep_weights="all"``), so ``restore_best`` loads them back bit for bit.

Example:
    >>> runs = Runs()
    >>> history = ftlab.Trainer(config).fit(model, train, val)  # doctest: +SKIP
    >>> runs.add(model, config, history)                         # doctest: +SKIP
    >>> runs.to_frame(); runs.restore_best(model)                # doctest: +SKIP
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Optional

import pandas as pd
import torch

from .config import TrainConfig
from .eval import lower_is_better
from .train import History

KEEP = ("best", "all")
_NOT_COMPARED = {"progress"}  # display-only fields never make two runs differ


@dataclass
class Run:
    """One row of :class:`Runs`: the config, what trained, the history and (maybe) the final weights."""

    id: int
    config: TrainConfig
    train: "str | list[str]"  # a freeze preset ("head", "top-2", "all", "lora") or the groups that trained
    lora: dict = field(default_factory=dict)  # {"r": 8, "alpha": 16} when LoRA trained
    trainable_params: int = 0
    history: History = field(default_factory=History)
    parent: Optional[int] = None  # run whose final weights this one started from; None = the starting weights
    test_scores: Optional[dict] = None
    weights: Optional[dict] = field(default=None, repr=False)  # CPU state_dict copy, if kept
    samples: Optional[list] = None  # causal LMs: [{"prompt", "before", "after"}], greedy (ftlab.run_samples)

    @property
    def freeze_code(self) -> str:
        """The ``model.freeze(...)`` call that chooses what this run trained."""
        if self.train == "lora":
            opts = "".join(f", {k}={v!r}" for k, v in self.lora.items())
            return f"model.freeze('lora'{opts})"
        return f"model.freeze({self.train!r})"


# ---- weights ---------------------------------------------------------------------------------------
def snapshot_weights(module: torch.nn.Module) -> dict:
    """A CPU copy of every tensor in ``module.state_dict()`` (bit-exact, detached from training)."""
    return {k: v.detach().to("cpu", copy=True) for k, v in module.state_dict().items()}


def _base_key(key: str) -> str:
    # peft wraps a module as base_model.model.<name> and a LoRA layer's own weight as <layer>.base_layer
    return key.replace("base_model.model.", "").replace(".base_layer.", ".")


def load_weights(module: torch.nn.Module, weights: dict) -> None:
    """Copy ``weights`` into ``module`` in place. Keys saved before LoRA was attached still match
    (peft's renaming is undone), so starting weights survive attaching LoRA later.

    Raises:
        ValueError: ``module`` has tensors ``weights`` has no value for (e.g. LoRA adapters that did
            not exist when the weights were saved).
    """
    by_base = {_base_key(k): v for k, v in weights.items()}
    state = module.state_dict()
    missing = [k for k in state if k not in weights and _base_key(k) not in by_base]
    if missing:
        raise ValueError(f"These weights have no value for {len(missing)} tensors of the model (e.g. {missing[0]!r}): "
                         "they were saved with another structure (LoRA attached or not). Load a fresh model with "
                         "ftlab.load_model and, for LoRA, call model.freeze('lora') the same way first")
    with torch.no_grad():
        for k, t in state.items():
            t.copy_(weights[k] if k in weights else by_base[_base_key(k)])


def extend_snapshot(weights: dict, module: torch.nn.Module) -> list[str]:
    """Add to ``weights`` the tensors ``module`` gained since the snapshot (new LoRA adapters), as they
    are now, i.e. freshly initialised. Returns the added keys."""
    known = {_base_key(k) for k in weights}
    added = [k for k in module.state_dict() if _base_key(k) not in known]
    state = module.state_dict()
    weights.update({k: state[k].detach().to("cpu", copy=True) for k in added})
    return added


def describe_freeze(model) -> tuple["str | list[str]", dict]:
    """What trains in ``model`` as ``model.freeze`` would take it: a preset name when one matches, else the
    group list; plus the LoRA options (rank, alpha) when LoRA is attached.

    Example:
        >>> describe_freeze(model.freeze("top-2"))  # doctest: +SKIP
        ('top-2', {})
    """
    if getattr(model, "lora_wrapped", None):
        wrapped = model.module.trunk if model.lora_wrapped == "trunk" else model.module
        cfg = wrapped.peft_config["default"]
        return "lora", {"r": cfg.r, "alpha": cfg.lora_alpha}
    groups, trained = model.groups, model.trainable_groups()
    layers = [g for g in groups if g.startswith("layer.")]
    if trained == groups:
        return "all", {}
    for n in range(0, len(layers) + 1):
        if trained == (layers[len(layers) - n:] if n else []) + ["head"]:
            return ("head" if n == 0 else f"top-{n}"), {}
    return trained, {}


# ---- config as text ----------------------------------------------------------------------------
def clean_value(value: Any) -> Any:
    """2.0 -> 2 so generated code reads as a person would write it."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def non_default_fields(config: TrainConfig) -> dict[str, Any]:
    """Fields of ``config`` that differ from ``TrainConfig()``, in declaration order."""
    default = TrainConfig()
    return {f.name: getattr(config, f.name) for f in dataclasses.fields(config)
            if getattr(config, f.name) != getattr(default, f.name)}


def config_code(config: TrainConfig) -> str:
    """``ftlab.TrainConfig(...)`` with only the fields that differ from the defaults.

    Example:
        >>> config_code(TrainConfig(lr=1e-4, epochs=2.0))
        'ftlab.TrainConfig(lr=0.0001, epochs=2)'
    """
    args = ", ".join(f"{k}={clean_value(v)!r}" for k, v in non_default_fields(config).items())
    return f"ftlab.TrainConfig({args})"


def config_diff(first: TrainConfig, other: TrainConfig) -> dict[str, tuple]:
    """Field -> (value in ``first``, value in ``other``) for every field that differs."""
    return {f.name: (getattr(first, f.name), getattr(other, f.name)) for f in dataclasses.fields(first)
            if f.name not in _NOT_COMPARED and getattr(first, f.name) != getattr(other, f.name)}


# ---- the table -------------------------------------------------------------------------------------
class Runs:
    """The runs of one model, in order, with the weights of the best one (or all) kept for restoring.

    Args:
        metric: validation metric that ranks runs (default: the task's first eval metric, e.g.
            accuracy, mse or perplexity; "val_loss" when there is none). Lower is better for losses,
            mse, mae and perplexity, higher for the rest.
        keep_weights: "best" keeps one copy of weights (the best run's), "all" keeps every run's
            (about the model's size per run: ~90 MB for MiniLM).

    Example:
        >>> runs = Runs(metric="accuracy", keep_weights="all")
        >>> len(runs)
        0
    """

    def __init__(self, metric: Optional[str] = None, keep_weights: str = "best"):
        if keep_weights not in KEEP:
            raise ValueError(f"Runs(keep_weights=...) must be one of {KEEP}; got {keep_weights!r}")
        self._metric, self.keep_weights = metric, keep_weights
        self._runs: list[Run] = []

    def __len__(self) -> int:
        return len(self._runs)

    def __iter__(self):
        return iter(list(self._runs))

    def __getitem__(self, run_id: int) -> Run:
        for run in self._runs:
            if run.id == run_id:
                return run
        raise KeyError(f"No run {run_id!r}; the runs are {[r.id for r in self._runs]}")

    @property
    def metric(self) -> str:
        """The validation metric that ranks the runs."""
        if self._metric:
            return self._metric
        for run in self._runs:
            for row in run.history.evals:
                names = [k for k in row if k not in ("step", "epoch", "val_loss")]
                if names:
                    return names[0]
        return "val_loss"

    def final_metric(self, run: Run) -> Optional[float]:
        """The ranking metric at the end of ``run`` (what its kept weights score), or None."""
        values = [row[self.metric] for row in run.history.evals if row.get(self.metric) is not None]
        return values[-1] if values else None

    def best(self) -> Optional[Run]:
        """The run whose final weights score best on the validation metric (None before any evaluation)."""
        scored = [(self.final_metric(r), r) for r in self._runs if self.final_metric(r) is not None]
        if not scored:
            return None
        sign = 1 if lower_is_better(self.metric) else -1
        return min(scored, key=lambda pair: (sign * pair[0], pair[1].id))[1]

    def add(self, model, config: TrainConfig, history: History, parent: Optional[int] = None,
            train: "tuple | None" = None, test_scores: Optional[dict] = None, samples: Optional[list] = None) -> Run:
        """Record a finished or stopped fit of ``model`` (its weights now are the run's final weights).

        Args:
            train: ``describe_freeze(model)`` taken when the run started (default: taken now).
            parent: the run whose weights this run continued from (None: the starting weights).
            samples: generations before/after the run, ``ftlab.run_samples.pair_samples(...)``.
        """
        spec, lora = train if train is not None else describe_freeze(model)
        run = Run(id=len(self._runs) + 1, config=config, train=spec, lora=dict(lora), history=history,
                  trainable_params=model.num_parameters(trainable_only=True), parent=parent,
                  test_scores=test_scores, samples=samples)
        self._runs.append(run)
        if self.keep_weights == "all" or self.best() is run:
            run.weights = snapshot_weights(model.module)
            for other in self._runs[:-1]:
                if self.keep_weights == "best":
                    other.weights = None  # one copy of the weights at a time (Binder has 2 GB)
        return run

    def restore(self, model, run_id: int) -> Run:
        """Load run ``run_id``'s final weights into ``model`` (bit-exact)."""
        run = self[run_id]
        if run.weights is None:
            raise ValueError(f"Run {run_id}'s weights were not kept: keep_weights='best' keeps only the best run's "
                             f"(now run {getattr(self.best(), 'id', None)}). Use Runs(keep_weights='all') to keep every run's")
        load_weights(model.module, run.weights)
        return run

    def restore_best(self, model) -> Run:
        """Load the best run's final weights into ``model``; returns that run."""
        best = self.best()
        if best is None:
            raise ValueError(f"No run has a validation {self.metric!r} yet: train with validation data first")
        return self.restore(model, best.id)

    def changes(self, run: Run) -> str:
        """What differs from the first run's config, e.g. ``"lr 5e-05 → 0.0003"``."""
        if run is self._runs[0]:
            return "(first run)"
        diff = config_diff(self._runs[0].config, run.config)
        return ", ".join(f"{k} {clean_value(a)} → {clean_value(b)}" for k, (a, b) in diff.items()) or "same config"

    def to_frame(self) -> pd.DataFrame:
        """One row per run: run, start, changes, train, trainable_params, steps, stopped, seconds,
        peak_memory_mb, best_val_<metric>, val_<metric>, test_<metric> (when test scores exist) and
        sample_after (causal LMs: the first prompt's generation after the run)."""
        m = self.metric
        rows = []
        for run in self._runs:
            h, values = run.history, [e[m] for e in run.history.evals if e.get(m) is not None]
            pick = min if lower_is_better(m) else max
            train = f"lora r={run.lora.get('r')}" if run.train == "lora" else run.train
            row = {"run": run.id, "start": f"run {run.parent}" if run.parent else "starting weights",
                   "changes": self.changes(run), "train": train if isinstance(train, str) else ", ".join(train),
                   "trainable_params": run.trainable_params, "steps": h.last_step, "stopped": h.stopped_reason,
                   "seconds": round(h.train_seconds, 2), "peak_memory_mb": round(h.peak_memory_mb, 1),
                   f"best_val_{m}": pick(values) if values else None, f"val_{m}": self.final_metric(run)}
            if run.test_scores is not None:
                row[f"test_{m}"] = run.test_scores.get(m)
            if run.samples:  # the first prompt's answer after the run; samples_frame() has them all
                row["sample_after"] = run.samples[0]["after"]
            rows.append(row)
        return pd.DataFrame(rows)

    def samples_frame(self) -> pd.DataFrame:
        """One row per run and prompt: run, prompt, before, after (empty when no run generated)."""
        rows = [{"run": run.id, **sample} for run in self._runs for sample in run.samples or []]
        return pd.DataFrame(rows, columns=["run", "prompt", "before", "after"])

    def python_cells(self, run_id: int, load_code: str, data: str = "splits", validation: bool = True) -> list[str]:
        """The notebook cells that reproduce run ``run_id``: load, then freeze, config and fit for it and
        every run it continued from, then the test evaluation if the run had one.

        Args:
            load_code: the expression that loads the model, e.g. ``ftlab.load_model("minilm", ...)``.
            data: the name of the splits variable in the notebook.
        """
        chain, run = [], self[run_id]
        while run is not None:
            chain.insert(0, run)
            run = self[run.parent] if run.parent else None
        cells, lora_on = [f"import ftlab\nmodel = {load_code}"], False
        val = f', {data}["validation"]' if validation else ""
        for r in chain:
            lines = [f"# run {r.id}" + (" (continues from the weights above)" if r.parent else "")]
            if not (r.train == "lora" and lora_on):  # LoRA attaches once; later runs keep training it
                lines.append(r.freeze_code)
            lora_on = lora_on or r.train == "lora"
            cells += ["\n".join(lines), f"config = {config_code(r.config)}",
                      f'history = ftlab.Trainer(config).fit(model, {data}["train"]{val})']
        if chain[-1].test_scores is not None:
            cells.append(f'ftlab.evaluate(model, {data}["test"])')
        return cells

    def __repr__(self) -> str:
        best = self.best()
        return f"Runs({len(self)} runs, metric={self.metric!r}, best={best.id if best else None})"

    def _repr_html_(self) -> str:
        return self.to_frame().to_html(index=False, border=0)
