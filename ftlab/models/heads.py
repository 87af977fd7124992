"""A pretrained trunk plus a small task head: the architecture every classification/regression SFT uses.

We build it explicitly (instead of ``AutoModelForSequenceClassification``) so a learner can see the two
parts, and so sentence encoders such as MiniLM keep the mean pooling they were pre-trained with. A decoder
trunk (GPT-style, e.g. SmolLM2) uses the same class with ``pooling="last"``: its last real token's vector.

Example:
    >>> hidden = torch.arange(12.).reshape(2, 3, 2)  # (B, T, H)
    >>> last_token(hidden, torch.tensor([[1, 1, 0], [1, 1, 1]])).tolist()  # right padding: row 0 ends at t=1
    [[2.0, 3.0], [10.0, 11.0]]
"""
from __future__ import annotations

import inspect
from typing import Optional

import torch
from torch import nn

from ..tasks import Task, get_task


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Average the token vectors that are not padding.  hidden (B, T, H), mask (B, T) -> (B, H)."""
    mask = mask.unsqueeze(-1).to(hidden.dtype)  # (B, T, 1)
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-6)


def last_token(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Each row's last non-pad token vector.  hidden (B, T, H), mask (B, T) -> (B, H)

    Why the last token: a decoder's attention is causal, so token t has seen only tokens 0..t; the last real
    token is the only one that has read the whole text (a mean would average mostly partial readings). The
    position comes from the mask, not from a pad id, so it is right under right *and* left padding.
    """
    steps = torch.arange(1, mask.shape[1] + 1, device=mask.device)  # (T,) 1..T: padding scores 0
    last = (mask.long() * steps).argmax(1)  # (B,) the highest position whose mask is 1
    return hidden[torch.arange(hidden.shape[0], device=hidden.device), last]


def segment_mean(hidden: torch.Tensor, owner: torch.Tensor, n_examples: int) -> torch.Tensor:
    """Packed rows (ftlab.batches.packing): each example's mean token vector.  (R, T, H), owner (R, T) -> (B, H)"""
    flat, index = hidden.reshape(-1, hidden.shape[-1]), owner.reshape(-1)
    real = index >= 0
    sums = hidden.new_zeros(n_examples, hidden.shape[-1]).index_add_(0, index[real], flat[real])
    counts = torch.bincount(index[real], minlength=n_examples).clamp(min=1).to(hidden.dtype)
    return sums / counts[:, None]


def segment_first(hidden: torch.Tensor, owner: torch.Tensor, positions: torch.Tensor, n_examples: int) -> torch.Tensor:
    """Each example's first-token vector ([CLS] pooling).  -> (B, H)"""
    starts = (positions == 0) & (owner >= 0)
    out = hidden.new_zeros(n_examples, hidden.shape[-1])
    out[owner[starts]] = hidden[starts]
    return out


def segment_last(hidden: torch.Tensor, owner: torch.Tensor, n_examples: int) -> torch.Tensor:
    """Packed rows: each example's last-token vector (decoder pooling).  (R, T, H), owner (R, T) -> (B, H)"""
    after = torch.nn.functional.pad(owner[:, 1:], (0, 1), value=-1)  # (R, T): who owns the next slot
    ends = (owner >= 0) & (owner != after)  # an example's last token: the next slot is someone else's
    out = hidden.new_zeros(n_examples, hidden.shape[-1])
    out[owner[ends]] = hidden[ends]
    return out


class SequenceModel(nn.Module):
    """trunk (a pretrained encoder or decoder) -> pooled sentence vector -> dropout -> linear head.

    ``pooling``: "mean" (sentence encoders such as MiniLM), "cls" (the first token) or "last" (decoders:
    the last real token, see :func:`last_token`).

    ``task="classification"`` trains with cross-entropy over ``num_outputs`` classes;
    ``task="regression"`` predicts one number and trains with mean squared error.
    """

    def __init__(self, trunk: nn.Module, task: "str | Task", num_outputs: int, pooling: str = "mean", dropout: float = 0.1):
        super().__init__()
        self.trunk = trunk
        self.task = get_task(task)
        if pooling not in ("mean", "cls", "last"):
            raise ValueError(f"pooling must be 'mean', 'cls' or 'last' (decoders); got pooling={pooling!r}")
        self.pooling = pooling
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(trunk.config.hidden_size, num_outputs)
        self.class_weights: Optional[torch.Tensor] = None  # set by the trainer for imbalanced data

    @property
    def config(self):
        return self.trunk.config

    def pool(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Sentence vectors from the trunk.  (B, T) -> (B, H)"""
        if self.pooling == "last":  # positions count real tokens only, so left-padded rows match unpadded ones
            positions = (attention_mask.long().cumsum(1) - 1).clamp(min=0)  # (B, T)
            hidden = self.trunk(input_ids=input_ids, attention_mask=attention_mask,
                                position_ids=positions).last_hidden_state  # (B, T, H)
            return last_token(hidden, attention_mask)
        hidden = self.trunk(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state  # (B, T, H)
        if self.pooling == "cls":
            return hidden[:, 0]
        return mean_pool(hidden, attention_mask)

    @property
    def supports_packing(self) -> bool:
        """Packed rows need a block-diagonal 4D mask and restarted positions: BERT-style trunks with SDPA."""
        base = self.trunk.get_base_model() if hasattr(self.trunk, "get_base_model") else self.trunk  # LoRA: peft wrapper
        return getattr(self.config, "_attn_implementation", None) == "sdpa" and \
            "position_ids" in inspect.signature(base.forward).parameters

    def pool_packed(self, input_ids, attention_mask, position_ids, packed_index, n_examples: int) -> torch.Tensor:
        """Sentence vectors from packed rows (R, T) with a (R, 1, T, T) mask -> (B, H)"""
        if self.pooling == "last":  # a decoder: the block mask must also be causal, as in padded batches
            T = attention_mask.shape[-1]
            attention_mask = attention_mask & torch.ones(T, T, dtype=torch.bool, device=attention_mask.device).tril()
        hidden = self.trunk(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids).last_hidden_state
        if self.pooling == "cls":
            return segment_first(hidden, packed_index, position_ids, n_examples)
        if self.pooling == "last":
            return segment_last(hidden, packed_index, n_examples)
        return segment_mean(hidden, packed_index, n_examples)

    def forward_features(self, features: torch.Tensor, labels: Optional[torch.Tensor] = None) -> dict:
        """Head only, on pooled vectors (B, H): lets frozen-trunk training reuse cached features."""
        logits = self.head(self.dropout(features))  # (B, C) or (B, 1)
        out = {"logits": logits}
        if labels is not None:
            out["loss"] = self.loss(logits, labels)
        return out

    def forward(self, input_ids: Optional[torch.Tensor] = None, attention_mask: Optional[torch.Tensor] = None,
                labels: Optional[torch.Tensor] = None, position_ids: Optional[torch.Tensor] = None,
                packed_index: Optional[torch.Tensor] = None, features: Optional[torch.Tensor] = None,
                **_: object) -> dict:
        if features is not None:  # cached pooled vectors (ftlab.fit_head): the trunk does not run
            return self.forward_features(features, labels)
        if packed_index is not None:  # a packed batch from ftlab.batches.packing.collate_packed
            n = len(labels) if labels is not None else int(packed_index.max()) + 1
            return self.forward_features(self.pool_packed(input_ids, attention_mask, position_ids, packed_index, n), labels)
        return self.forward_features(self.pool(input_ids, attention_mask), labels)

    def loss(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """The task's loss: cross-entropy for classes, mean squared error for a number (ftlab/tasks.py)."""
        return self.task.loss(logits, labels, self.class_weights)
