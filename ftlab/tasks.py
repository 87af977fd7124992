"""Task objects: what differs between classification, regression and causal language modelling, in one place.

Each task knows its head (how many outputs a linear head on the trunk needs), its target tensor (class ids,
numbers, or per-token labels), its loss weighting in validation (examples or supervised tokens) and the
headline metrics validation reports. Everything else — the loop, the batches, the evaluation pass — is
shared and asks the task instead of comparing strings.

A task compares equal to its name, so ``model.task == "classification"`` reads as before.

Example:
    >>> task = get_task("regression")
    >>> task == "regression", task.num_outputs(None), task.pools_features
    (True, 1, True)
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from .config import IGNORE_INDEX
from .metrics import classification_scores, regression_scores


@dataclass(frozen=True, eq=False)
class Task:
    """Shared behaviour; subclasses override what differs."""

    name: str
    pools_features: bool = True  # the head reads one pooled vector per example (fit_head can cache it)
    per_token_labels: bool = False  # labels are one per token (IGNORE_INDEX where nothing trains)

    def __eq__(self, other) -> bool:
        return self.name == (other.name if isinstance(other, Task) else other)

    def __hash__(self) -> int:
        return hash(self.name)

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return repr(self.name)

    def num_outputs(self, labels: Optional[Sequence[str]]) -> Optional[int]:
        """Width of the linear head (None: the model's own LM head)."""
        raise NotImplementedError

    def target_tensor(self, targets: list) -> torch.Tensor:
        """Per-example targets as the loss expects them.  -> (B,)"""
        raise NotImplementedError

    def check_targets(self, targets: list, labels: Optional[Sequence[str]]) -> None:
        """Raise ValueError naming bad rows before any training happens."""

    def check_class_weights(self, class_weights: Optional[Sequence[float]], labels: Optional[Sequence[str]]) -> None:
        """Raise ValueError unless ``TrainConfig.class_weights`` fits this task: one weight per class, classes only.

        One check for every entry point (Trainer.fit, fit_head), run before any costly work.
        """
        if class_weights is not None:
            raise ValueError(f"TrainConfig.class_weights weights classes; a {self.name} model has none. "
                             f"Set class_weights=None")

    def read_targets(self, dataset, column: str, labels: Optional[Sequence[str]]) -> list:
        """The target column as the model's targets, checked (and for classes, aligned by name)."""
        targets = list(dataset[column])
        self.check_targets(targets, labels)
        return targets

    def loss(self, outputs: torch.Tensor, labels: torch.Tensor, class_weights: Optional[torch.Tensor] = None) -> torch.Tensor:
        """The training loss of a linear head's outputs (causal LMs compute theirs inside the model)."""
        raise NotImplementedError

    def loss_weight(self, labels: torch.Tensor) -> int:
        """How much one batch's mean loss counts in a dataset mean: examples, or supervised tokens."""
        return len(labels)

    def scores(self, y: np.ndarray, outputs: np.ndarray, labels: Optional[Sequence[str]]) -> dict:
        """Headline validation metrics from targets and raw outputs."""
        return {}

    def summarize_loss(self, mean_loss: float) -> dict:
        """Extra numbers derived from the mean validation loss."""
        return {}


class ClassificationTask(Task):
    def num_outputs(self, labels):
        return len(labels)

    def target_tensor(self, targets):
        return torch.tensor(targets, dtype=torch.long)

    def read_targets(self, dataset, column, labels):
        """Class ids in the *model's* label order. A ClassLabel column whose names differ in order from the
        model's is re-mapped by name (scoring it by id would silently compare the wrong classes); names the
        model does not know, ids out of range and -1 (a missing label) raise."""
        targets = list(dataset[column])
        feature = getattr(dataset, "features", {}).get(column)
        names = list(getattr(feature, "names", None) or [])
        if not names and targets and all(isinstance(t, str) for t in targets):
            names = sorted(set(targets))  # a plain text column of label names
            targets = [names.index(t) for t in targets]
        if names and names != list(labels):
            unknown = [n for n in names if n not in labels]
            if unknown:
                raise ValueError(f"The data's label names {names} do not match the model's labels {list(labels)} "
                                 f"({unknown} unknown to the model). Load the model with "
                                 f"labels=dataset.features[{column!r}].names, or map the data's labels first")
            order = [list(labels).index(n) for n in names]  # data id -> model id
            targets = [order[t] if isinstance(t, (int, np.integer)) and 0 <= t < len(order) else t for t in targets]
        self.check_targets(targets, labels)
        return targets

    def check_class_weights(self, class_weights, labels):
        if class_weights is not None and len(class_weights) != len(labels):
            raise ValueError(f"TrainConfig.class_weights has {len(class_weights)} values; the model has labels "
                             f"{list(labels)}: give one weight per label, in that order (ftlab.class_weights(ds))")

    def check_targets(self, targets, labels):
        n = len(labels)
        bad = [i for i, t in enumerate(targets) if not isinstance(t, (int, np.integer)) or not 0 <= t < n]
        if bad:
            missing = " (-1 is how datasets marks a missing label: drop or label those rows)" if -1 in targets else ""
            raise ValueError(f"Rows {bad[:10]} have labels outside 0..{n - 1} for the model's labels {list(labels)}; "
                             f"got {[targets[i] for i in bad[:10]]}{missing}. Load the model with the dataset's label names")

    def loss(self, outputs, labels, class_weights=None):  # cross-entropy over the classes  (B, C), (B,)
        weight = None if class_weights is None else class_weights.to(outputs.device)
        return F.cross_entropy(outputs.float(), labels.long(), weight=weight, ignore_index=IGNORE_INDEX)

    def scores(self, y, outputs, labels):
        full = classification_scores(y, outputs.argmax(-1), labels)
        return {"accuracy": full["accuracy"], "macro_f1": full["macro_f1"]}


class RegressionTask(Task):
    def num_outputs(self, labels):
        return 1

    def target_tensor(self, targets):
        return torch.tensor(targets, dtype=torch.float32)

    def check_targets(self, targets, labels):
        bad = [i for i, t in enumerate(targets) if not isinstance(t, (int, float, np.number)) or isinstance(t, bool)
               or not math.isfinite(float(t))]
        if bad:
            raise ValueError(f"Rows {bad[:10]} have targets that are not finite numbers: {[targets[i] for i in bad[:10]]}. "
                             "Regression needs a numeric target column (drop or fix those rows)")

    def loss(self, outputs, labels, class_weights=None):  # mean squared error on one number  (B, 1), (B,)
        return F.mse_loss(outputs.squeeze(-1).float(), labels.float())

    def scores(self, y, outputs, labels):
        return regression_scores(y, outputs.reshape(len(y)))


class CausalLMTask(Task):
    def num_outputs(self, labels):
        return None

    def target_tensor(self, targets):
        raise ValueError("causal-lm targets are per-token labels; they are padded in collate, not stacked")

    def loss_weight(self, labels):
        # a mean over supervised tokens, not rows; the model predicts token t+1 from t, so the first label never counts
        return int((labels[:, 1:] != IGNORE_INDEX).sum())

    def summarize_loss(self, mean_loss):
        return {"perplexity": math.exp(min(mean_loss, 50))}  # capped: exp of a huge loss overflows


TASKS = {"classification": ClassificationTask("classification"),
         "regression": RegressionTask("regression"),
         "causal-lm": CausalLMTask("causal-lm", pools_features=False, per_token_labels=True)}


def get_task(name: "str | Task") -> Task:
    """The task object for a name (or the object itself).

    Raises:
        ValueError: an unknown name, listing the known ones.
    """
    if isinstance(name, Task):
        return name
    if name not in TASKS:
        raise ValueError(f"Unknown task {name!r}; use one of {tuple(TASKS)}")
    return TASKS[name]
