"""Training FLOPs for a BERT-style encoder and the tokens each side actually processed.

Formula (the one RESULTS.md states): a sequence of n tokens costs, per forward pass,

    2 * N_dense * n            every nn.Linear weight is one multiply-add per token
  + 4 * L * d * n**2           attention scores (Q K^T) and the weighted sum (A V), per layer

and a training step costs 3x its forward (backward = 2x forward) when every layer trains; with only the
head trainable the trunk runs forward only (1x). N_dense counts nn.Linear weights (trunk + head), not
the embedding tables: an embedding lookup is a gather, not a matmul, so ``6 * all_params * tokens``
(also reported, as ``mfu_6n_all_params``) over-counts MiniLM's work by about 2x (half its 22.7 M
parameters are the word-embedding table).

"real" token counts use each sequence's own length (padding is wasted work); "padded" counts use the
padded batch shape (B, T) that the hardware really multiplied.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch
from transformers import DataCollatorWithPadding


@dataclass
class TokenCount:
    """Tokens and sum of squared lengths (for attention), real and padded."""

    sequences: int = 0
    real: int = 0
    padded: int = 0
    real_sq: int = 0  # sum of n**2 over sequences
    padded_sq: int = 0  # sum of T**2 over sequences (T = the padded batch length)

    def add_batch(self, lengths: list[int]) -> None:
        longest = max(lengths)
        self.sequences += len(lengths)
        self.real += sum(lengths)
        self.padded += longest * len(lengths)
        self.real_sq += sum(n * n for n in lengths)
        self.padded_sq += longest * longest * len(lengths)

    def add_packed(self, lengths: list[int], row_len: int) -> None:
        """A packed micro-batch (ftlab.batches.packing): R rows of width T, each row one attention block of T x T."""
        from ftlab.batches import pack_rows

        rows = pack_rows(lengths, max(row_len, max(lengths)))
        width = max(sum(lengths[i] for i in row) for row in rows)
        self.sequences += len(lengths)
        self.real += sum(lengths)
        self.padded += len(rows) * width
        self.real_sq += sum(n * n for n in lengths)
        self.padded_sq += len(rows) * width * width


@dataclass
class Arch:
    dense_params: int  # nn.Linear weights in trunk + head
    all_params: int
    layers: int
    hidden: int


def describe(module: torch.nn.Module) -> Arch:
    dense = sum(m.weight.numel() for m in module.modules() if isinstance(m, torch.nn.Linear))
    cfg = module.config
    return Arch(dense, sum(p.numel() for p in module.parameters()), cfg.num_hidden_layers, cfg.hidden_size)


def train_flops(arch: Arch, tokens: TokenCount, padded: bool, full_backward: bool = True) -> float:
    """FLOPs of the training work over ``tokens`` (see the module docstring)."""
    n, n_sq = (tokens.padded, tokens.padded_sq) if padded else (tokens.real, tokens.real_sq)
    forward = 2 * arch.dense_params * n + 4 * arch.layers * arch.hidden * n_sq
    return 3 * forward if full_backward else forward


def six_n_flops(arch: Arch, tokens: TokenCount) -> float:
    """The common shortcut 6 * (all parameters) * real tokens (embeddings included: an over-count)."""
    return 6 * arch.all_params * tokens.real


def count_plan(lengths: list[int], plan: list, steps: int | None = None, pack_len: int | None = None) -> TokenCount:
    """Tokens in the first ``steps`` optimizer steps of an ftlab epoch plan (what the Trainer feeds);
    ``pack_len``: the Trainer packed each micro-batch into rows of that many tokens."""
    count = TokenCount()
    for step_rows in plan[:steps]:
        for rows in step_rows:
            if pack_len:
                count.add_packed([lengths[r] for r in rows], pack_len)
            else:
                count.add_batch([lengths[r] for r in rows])
    return count


@dataclass
class CountingCollator(DataCollatorWithPadding):
    """DataCollatorWithPadding that also notes the lengths in each batch it returns (a few microseconds a batch).

    It is exactly the stock collator: ``super().__call__`` builds the batch; we only read its mask. The data
    loader may collate a batch ahead of the one training on (accelerate looks one batch ahead to detect the
    end), so :meth:`trained` counts only the first ``steps`` batches.
    """

    batches: list = field(default_factory=list)

    def __call__(self, features):
        batch = super().__call__(features)
        self.batches.append(batch["attention_mask"].sum(1).tolist())
        return batch

    def trained(self, steps: int) -> TokenCount:
        count = TokenCount()
        for lengths in self.batches[:steps]:
            count.add_batch(lengths)
        return count
