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
import torch.nn.functional as F

from ..config import IGNORE_INDEX
from .tokens import TokenizedData


def collate(data: TokenizedData, rows: list[int], pad_id: int, supervised_logits_only: bool = False) -> dict:
    """Pad a micro-batch to its own longest example (right padding).  -> input_ids, attention_mask (B, T), labels

    Causal-LM labels are padded with IGNORE_INDEX *by position* (everything past an example's length),
    so a pad id that equals a real token id (e.g. EOS) can never remove that token from the loss.
    ``supervised_logits_only`` adds :func:`supervised_positions` (causal LM): logits only where a label is.
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
        if supervised_logits_only:
            batch |= supervised_positions(labels)
    else:
        batch["labels"] = target_tensor(data, rows)
    return batch


def supervised_positions(labels: torch.Tensor) -> dict:
    """Ask a causal LM for logits only at positions whose next token is supervised.  (B, T) -> mask (B, T), (N,)

    Prompt tokens of a chat need no logits: with answer-only labels most positions would project a hidden
    vector onto the whole vocabulary (SmolLM2: 49,152 x 576 multiply-adds per token) only for the loss to
    ignore it. transformers' causal-LM forward takes ``logits_to_keep`` (a boolean (B, T) mask keeps those
    positions, flattened to (N, V) logits) and its loss takes ``shift_labels`` (already shifted: not shifted
    again). The mean over the N kept positions is the full loss; ``labels`` stays in the batch for token counts.

    Example:
        >>> out = supervised_positions(torch.tensor([[-100, -100, 7, 8], [-100, 5, -100, -100]]))
        >>> out["logits_to_keep"].int().tolist(), out["shift_labels"].tolist()
        ([[0, 1, 1, 0], [1, 0, 0, 0]], [7, 8, 5])
    """
    shifted = F.pad(labels[:, 1:], (0, 1), value=IGNORE_INDEX)  # (B, T): the token each position predicts
    keep = shifted != IGNORE_INDEX  # (B, T) bool
    return {"logits_to_keep": keep, "shift_labels": shifted[keep]}  # (N,)


def target_tensor(data: TokenizedData, rows: Optional[list[int]] = None) -> torch.Tensor:
    """Class ids (long) or numbers (float32) of ``rows`` (all rows when None), as the task defines.  -> (B,)"""
    targets = data.targets if rows is None else [data.targets[i] for i in rows]
    return data.task.target_tensor(targets)


def to_device(batch: dict, device: torch.device) -> dict:
    """Move a collated batch's tensors to ``device`` (options such as ``use_cache=False`` pass as they are). On
    CUDA the tensors go through pinned (page-locked) host memory so the copy is a DMA that overlaps with the GPU
    still working on the previous step (``non_blocking``)."""
    tensors = {k: v for k, v in batch.items() if isinstance(v, torch.Tensor)}
    if device.type == "cuda":
        tensors = {k: v.pin_memory() for k, v in tensors.items()}
    return batch | {k: v.to(device, non_blocking=True) for k, v in tensors.items()}
