"""Batches: training data built once into what the loop consumes (the role of d2l's DataModule).

Token batches hold tokenized examples and the layout rule (packed rows, or padded batches bucketed by
length); feature batches hold pooled trunk vectors cached by :func:`ftlab.fit_head`. Both give the loop
the same three things: an epoch plan (row ids per micro-batch), ``collate(rows)`` for one micro-batch,
and ``eval_batches`` for validation.

Example:
    >>> batches = make_batches(model, splits["train"], TrainConfig(batch_size=16))  # doctest: +SKIP
    >>> step = batches.plan(TrainConfig(batch_size=16), epoch=0)[0]                 # doctest: +SKIP
    >>> batch = batches.collate(step[0])                                            # doctest: +SKIP
"""
from __future__ import annotations

import inspect
import warnings
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np
import torch

from ..tasks import Task
from .collate import collate, supervised_positions
from .packing import batch_layout, collate_packed, collate_packed_causal, decoder_attention
from .plans import epoch_plan
from .tokens import TokenizedData, pad_token_id, tokenize_dataset


@dataclass
class Batches:
    """What every batch source shares: lengths (for plans and token counts), the task, and bucketing."""

    task: Task
    lengths: list[int]
    bucket: bool = field(default=False, kw_only=True)

    def __len__(self) -> int:
        return len(self.lengths)

    def plan(self, config, epoch: int, rank: int = 0, world: int = 1) -> list[list[list[int]]]:
        """Optimizer steps of one epoch, each a list of micro-batches of row ids (see ``epoch_plan``)."""
        return epoch_plan(self.lengths, config.batch_size, config.grad_accum_steps, config.seed, epoch,
                          self.bucket, rank, world)

    def steps_per_epoch(self, config, world: int = 1) -> int:
        return len(epoch_plan(self.lengths, config.batch_size, config.grad_accum_steps, config.seed, 0, False, 0, world))

    def collate(self, rows: list[int]) -> dict:
        raise NotImplementedError

    def eval_batches(self, batch_size: int) -> Iterator[tuple[list[int], dict]]:
        raise NotImplementedError

    def targets(self) -> np.ndarray:
        raise NotImplementedError


@dataclass
class TokenBatches(Batches):
    """Tokenized examples; training batches are packed rows where the model can, else padded."""

    data: TokenizedData = None
    pad_id: int = 0
    max_len: int = 128
    packed: bool = False
    supervised_logits_only: bool = False  # causal LM: LM head + loss only where a label is (collate.supervised_positions)
    attn_implementation: str = "sdpa"  # packed causal LM: "eager" adds its mask to the scores (a float mask)

    def collate(self, rows):
        # packed: (R, T) rows + a block-diagonal (causal LM: block-causal) mask; padded: (B, T) — see packing.py
        if not self.packed:
            return collate(self.data, rows, self.pad_id, self.supervised_logits_only)
        if not self.task.per_token_labels:
            return collate_packed(self.data, rows, self.pad_id, self.max_len)
        batch = collate_packed_causal(self.data, rows, self.pad_id, self.max_len, self.attn_implementation)
        return batch | supervised_positions(batch["labels"]) if self.supervised_logits_only else batch

    def eval_batches(self, batch_size):
        order = np.argsort(self.lengths, kind="stable")  # similar lengths together: little padding, faster eval
        for i in range(0, len(order), batch_size):
            rows = order[i:i + batch_size].tolist()
            yield rows, collate(self.data, rows, self.pad_id, self.supervised_logits_only)

    def targets(self):
        return np.asarray(self.data.targets)


@dataclass
class FeatureBatches(Batches):
    """Pooled trunk vectors (N, H) and targets (N,): the head trains on these, the trunk never runs."""

    features: torch.Tensor = None
    labels: torch.Tensor = None

    def collate(self, rows):
        return {"features": self.features[rows], "labels": self.labels[rows]}  # (B, H), (B,)

    def eval_batches(self, batch_size):
        for i in range(0, len(self.lengths), batch_size):
            rows = list(range(i, min(i + batch_size, len(self.lengths))))
            yield rows, self.collate(rows)

    def targets(self):
        return self.labels.cpu().numpy()


def make_batches(model, data, config, text_column: str = "text") -> Batches:
    """Build (or pass through) the batches the loop consumes from a dataset and a TrainConfig.

    Raises:
        ValueError: empty data, missing columns, bad targets, or a max_len beyond the model's positions.
    """
    if isinstance(data, Batches):
        return data
    check_max_len(model, config.max_len)
    tokenized = tokenize_dataset(model, data, config.max_len, text_column)
    packed, bucket = batch_layout(model.module, config)
    if config.pack_sequences and not packed:
        warnings.warn("pack_sequences=True needs a classification/regression model with SDPA attention, or a "
                      "causal LM with sdpa or eager attention that takes position_ids; this model's batches are "
                      "padded instead", stacklevel=3)
    return TokenBatches(tokenized.task, tokenized.lengths, bucket=bucket, data=tokenized,
                        pad_id=pad_token_id(model.tokenizer), max_len=config.max_len, packed=packed,
                        supervised_logits_only=tokenized.task.per_token_labels and keeps_logits(model.module),
                        attn_implementation=decoder_attention(model.module) or "sdpa")


def keeps_logits(module) -> bool:
    """Whether a causal LM can compute logits at chosen positions only: its forward takes ``logits_to_keep``
    and the installed transformers accepts a boolean (B, T) mask for it (transformers >= 5). Else full logits."""
    from transformers import modeling_utils

    base = module.get_base_model() if hasattr(module, "get_base_model") else module  # a peft (LoRA) wrapper
    return (hasattr(modeling_utils, "slice_logits_to_keep")
            and "logits_to_keep" in inspect.signature(base.forward).parameters)


def check_max_len(model, max_len: int) -> None:
    """A max_len beyond the model's position table fails deep inside the forward pass; fail here instead."""
    limit = getattr(getattr(model.module, "config", None), "max_position_embeddings", None)
    if isinstance(limit, int) and max_len > limit:
        raise ValueError(f"TrainConfig.max_len={max_len} exceeds this model's {limit} positions "
                         f"({model.name or 'model'}); use max_len <= {limit}")
