"""Collate a micro-batch of tokenized rows into padded tensors, and move batches to the device.

Example:
    >>> from ftlab.tasks import get_task
    >>> data = TokenizedData([[5, 6, 7], [8]], [1, 0], get_task("classification"))
    >>> collate(data, [0, 1], pad_id=0)["attention_mask"].tolist()
    [[1, 1, 1], [1, 0, 0]]
"""
from __future__ import annotations

from typing import Optional

import torch

from ..config import IGNORE_INDEX
from .tokens import TokenizedData


def collate(data: TokenizedData, rows: list[int], pad_id: int) -> dict:
    """Pad a micro-batch to its own longest example (right padding).  -> input_ids, attention_mask (B, T), labels

    Causal-LM labels are padded with IGNORE_INDEX *by position* (everything past an example's length),
    so a pad id that equals a real token id (e.g. EOS) can never remove that token from the loss.
    """
    longest = max(len(data.input_ids[i]) for i in rows)
    ids = torch.full((len(rows), longest), pad_id, dtype=torch.long)  # (B, T)
    mask = torch.zeros((len(rows), longest), dtype=torch.long)  # (B, T)
    for r, i in enumerate(rows):
        seq = data.input_ids[i]
        ids[r, :len(seq)] = torch.tensor(seq)
        mask[r, :len(seq)] = 1
    batch = {"input_ids": ids, "attention_mask": mask}
    if data.task.per_token_labels:
        labels = torch.full((len(rows), longest), IGNORE_INDEX, dtype=torch.long)  # (B, T): padding never trains
        for r, i in enumerate(rows):
            lab = data.targets[i]
            labels[r, :len(lab)] = torch.tensor(lab)
        batch["labels"] = labels
    else:
        batch["labels"] = target_tensor(data, rows)
    return batch


def target_tensor(data: TokenizedData, rows: Optional[list[int]] = None) -> torch.Tensor:
    """Class ids (long) or numbers (float32) of ``rows`` (all rows when None), as the task defines.  -> (B,)"""
    targets = data.targets if rows is None else [data.targets[i] for i in rows]
    return data.task.target_tensor(targets)


def to_device(batch: dict, device: torch.device) -> dict:
    """Move a collated batch to ``device``. On CUDA the tensors go through pinned (page-locked) host memory so
    the copy is a DMA that overlaps with the GPU still working on the previous step (``non_blocking``)."""
    if device.type == "cuda":
        batch = {k: v.pin_memory() for k, v in batch.items()}
    return {k: v.to(device, non_blocking=True) for k, v in batch.items()}
