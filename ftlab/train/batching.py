"""Tokenize once, then build each epoch's batches: shuffled, length-bucketed, padded only to the batch max.

Batches are plain lists of row indices computed from (seed, epoch), so a resumed run can rebuild the exact
same epoch and skip what it already did.

Example:
    >>> plan = epoch_plan([5, 1, 9, 3], batch_size=2, grad_accum_steps=1, seed=0, epoch=0, bucket=False)
    >>> sorted(i for step in plan for mb in step for i in mb)
    [0, 1, 2, 3]
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
import torch

from ..config import IGNORE_INDEX

BUCKET_SPAN = 50  # sort by length inside windows of 50 steps: less padding, still well shuffled


@dataclass
class TokenizedData:
    """Token ids per example (unpadded) and the training target of each."""

    input_ids: list[list[int]]
    targets: Optional[list]  # class ids, numbers, or per-token label lists for causal LM
    task: str

    @property
    def lengths(self) -> list[int]:
        return [len(x) for x in self.input_ids]

    def __len__(self) -> int:
        return len(self.input_ids)


def tokenize_dataset(model, dataset, max_len: int, text_column: str = "text") -> TokenizedData:
    """Turn a dataset into token ids once per fit (not per epoch).

    Causal-LM datasets may come pre-tokenized by ``ftlab.sft`` with ``input_ids`` and ``labels``
    (prompt tokens already set to IGNORE_INDEX); plain text rows learn every token.
    """
    cols = dataset.column_names
    if model.task == "causal-lm" and "input_ids" in cols:
        ids = [list(x)[:max_len] for x in dataset["input_ids"]]
        labels = [list(x)[:max_len] for x in dataset["labels"]] if "labels" in cols else [list(x) for x in ids]
        return TokenizedData(ids, labels, model.task)
    if text_column not in cols:
        raise ValueError(f"The training data needs a {text_column!r} column; it has {cols}. "
                         f"Rename yours with dataset.rename_column('your_column', '{text_column}')")
    ids = model.tokenizer(list(dataset[text_column]), truncation=True, max_length=max_len)["input_ids"]
    if model.task == "causal-lm":
        return TokenizedData(ids, [list(x) for x in ids], model.task)
    if model.target_column not in cols:
        raise ValueError(f"The training data needs the target column {model.target_column!r}; it has {cols}. "
                         f"Pass target=... to ftlab.load_model to name it")
    targets = list(dataset[model.target_column])
    if model.task == "classification":
        n = len(model.labels)
        bad = [i for i, t in enumerate(targets) if not isinstance(t, (int, np.integer)) or not 0 <= t < n]
        if bad:
            raise ValueError(f"Rows {bad[:10]} have labels outside 0..{n - 1} for the model's labels {model.labels}; "
                             f"got {[targets[i] for i in bad[:10]]}. Load the model with the dataset's label names")
    return TokenizedData(ids, targets, model.task)


def epoch_plan(lengths: list[int], batch_size: int, grad_accum_steps: int, seed: int, epoch: int,
               bucket: bool = True, rank: int = 0, world: int = 1) -> list[list[list[int]]]:
    """Optimizer steps for one epoch; each step is a list of ``grad_accum_steps`` micro-batches of row ids.

    Bucketing groups whole optimizer steps (not micro-batches), so accumulating 4x8 sees exactly the
    examples that one batch of 32 would.
    """
    rng = np.random.default_rng([seed, epoch])
    order = rng.permutation(len(lengths))
    step_size = batch_size * grad_accum_steps * world
    if bucket:
        span = step_size * BUCKET_SPAN
        chunks = [order[i:i + span] for i in range(0, len(order), span)]
        order = np.concatenate([c[np.argsort([lengths[j] for j in c], kind="stable")] for c in chunks]) if chunks else order
    steps = [order[i:i + step_size] for i in range(0, len(order), step_size)]
    if bucket:
        steps = [steps[i] for i in rng.permutation(len(steps))]  # long and short steps interleave
    plan = []
    for rows in steps:
        mine = rows[rank::world].tolist()  # each process takes its share of the step
        micro = [mine[i:i + batch_size] for i in range(0, len(mine), batch_size)]
        plan.append([m for m in micro if m])
    return [p for p in plan if p]


def collate(data: TokenizedData, rows: list[int], pad_id: int) -> dict:
    """Pad a micro-batch to its own longest example.  -> input_ids, attention_mask (B, T), labels"""
    longest = max(len(data.input_ids[i]) for i in rows)
    ids = torch.full((len(rows), longest), pad_id, dtype=torch.long)  # (B, T)
    mask = torch.zeros((len(rows), longest), dtype=torch.long)  # (B, T)
    for r, i in enumerate(rows):
        seq = data.input_ids[i]
        ids[r, :len(seq)] = torch.tensor(seq)
        mask[r, :len(seq)] = 1
    batch = {"input_ids": ids, "attention_mask": mask}
    if data.task == "causal-lm":
        labels = torch.full((len(rows), longest), IGNORE_INDEX, dtype=torch.long)  # padding never trains
        for r, i in enumerate(rows):
            lab = data.targets[i]
            labels[r, :len(lab)] = torch.tensor(lab)
        batch["labels"] = labels
    else:
        batch["labels"] = target_tensor(data, rows)
    return batch


def target_tensor(data: TokenizedData, rows: Optional[list[int]] = None) -> torch.Tensor:
    """Class ids (long) or numbers (float32) of ``rows`` (all rows when None).  -> (B,)"""
    targets = data.targets if rows is None else [data.targets[i] for i in rows]
    return torch.tensor(targets, dtype=torch.float32 if data.task == "regression" else torch.long)


def to_device(batch: dict, device: torch.device) -> dict:
    """Move a collated batch to ``device``. On CUDA the tensors go through pinned (page-locked) host memory so
    the copy is a DMA that overlaps with the GPU still working on the previous step (``non_blocking``)."""
    if device.type == "cuda":
        batch = {k: v.pin_memory() for k, v in batch.items()}
    return {k: v.to(device, non_blocking=True) for k, v in batch.items()}
