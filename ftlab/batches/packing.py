"""Sequence packing for encoder training: several short examples share one row of tokens.

Why: padding a batch to its longest example wastes compute (on the bundled reviews, random batches of 32
are ~58 % padding). Bucketing by length removes most padding, but then every batch holds examples of one
length range, and after one epoch that measurably changes what the model learns (benchmarks/RESULTS.md).
Packing keeps the batch exactly as the random sampler drew it and removes the padding instead: the
examples of a batch are laid end to end in rows of ``row_len`` tokens, each example's positions restart
at 0, and a block-diagonal attention mask lets a token see only the tokens of its own example. The
forward pass then computes, up to float rounding, what the padded batch computes (tests/test_packing.py).

    >>> pack_rows([5, 3, 4, 2], row_len=8)
    [[0, 1], [2, 3]]
"""
from __future__ import annotations

import torch

from .collate import target_tensor
from .tokens import TokenizedData


def batch_layout(module, config) -> tuple[bool, bool]:
    """(pack, bucket): the one rule the Trainer, fit_head, lr_find and the benchmark share. Pack unless
    ``pack_sequences=False`` or the model cannot; bucket by length only where batches are padded."""
    pack = config.pack_sequences is not False and bool(getattr(module, "supports_packing", False))
    return pack, config.bucket_by_length and not pack


def pack_rows(lengths: list[int], row_len: int) -> list[list[int]]:
    """First-fit decreasing: positions of ``lengths`` grouped into rows whose total length is <= row_len."""
    rows: list[list[int]] = []
    free: list[int] = []
    for i in sorted(range(len(lengths)), key=lambda k: -lengths[k]):
        slot = next((r for r, space in enumerate(free) if space >= lengths[i]), None)
        if slot is None:
            rows.append([i])
            free.append(row_len - lengths[i])
        else:
            rows[slot].append(i)
            free[slot] -= lengths[i]
    return rows


def lay_out(seqs: list[list[int]], pad_id: int, row_len: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Sequences laid end to end in rows (first-fit decreasing), shared by encoder and decoder packing.

    Returns input_ids, position_ids (restarting at 0 for each sequence) and owner (R, T): the index in
    ``seqs`` each token comes from, -1 for padding.
    """
    packs = pack_rows([len(s) for s in seqs], max(row_len, max(len(s) for s in seqs)))
    width = max(sum(len(seqs[k]) for k in pack) for pack in packs)
    ids = torch.full((len(packs), width), pad_id, dtype=torch.long)  # (R, T)
    positions = torch.zeros((len(packs), width), dtype=torch.long)  # (R, T)
    owner = torch.full((len(packs), width), -1, dtype=torch.long)  # (R, T): example index, -1 = padding
    for r, pack in enumerate(packs):
        start = 0
        for k in pack:
            n = len(seqs[k])
            ids[r, start:start + n] = torch.tensor(seqs[k])
            positions[r, start:start + n] = torch.arange(n)
            owner[r, start:start + n] = k
            start += n
    return ids, positions, owner


def collate_packed(data: TokenizedData, rows: list[int], pad_id: int, row_len: int) -> dict:
    """Pack the examples ``rows`` (one micro-batch, in sampler order) for a trunk with SDPA attention.

    Returns input_ids, position_ids, packed_index (R, T): which example of the batch each token belongs to,
    -1 for padding; attention_mask (R, 1, T, T) bool: True where query and key tokens share an example;
    labels (B,) in the order of ``rows``.
    """
    seqs = [data.input_ids[i] for i in rows]
    ids, positions, owner = lay_out(seqs, pad_id, row_len)
    # padding tokens see only padding (never an empty row of the softmax); real tokens only their own example
    mask = (owner[:, :, None] == owner[:, None, :]).unsqueeze(1)  # (R, 1, T, T)
    return {"input_ids": ids, "attention_mask": mask, "position_ids": positions, "packed_index": owner,
            "labels": target_tensor(data, rows)}
