"""Sequence packing: several short examples share one row of tokens, for encoders and causal LMs alike.

Why: padding a batch to its longest example wastes compute (on the bundled reviews, random batches of 32
are ~58 % padding). Bucketing by length removes most padding, but then every batch holds examples of one
length range, and after one epoch that measurably changes what the model learns (benchmarks/RESULTS.md).
Packing keeps the batch exactly as the random sampler drew it and removes the padding instead: the
examples of a batch are laid end to end in rows of ``row_len`` tokens (``lay_out``, one layout for both kinds
of model), each example's positions restart at 0, and a 4D attention mask lets a token see only the tokens of
its own example. The forward pass then computes, up to float rounding, what the padded batch computes
(tests/test_packing.py, tests/test_sft_packing.py).

A causal LM needs two more things: the mask is also causal (``block_causal_mask``), and the first token of
each example is no target (in a packed row it would be "predicted" from the end of the previous example, a
prediction the padded batch never makes). Relying on transformers to infer the blocks from ``position_ids``
works only with no 2D mask and ``use_cache=False``; an all-ones 2D mask silently lets examples attend to each
other while the loss still falls. A 4D mask is passed to the attention as is, so it cannot be lost on the way.

    >>> pack_rows([5, 3, 4, 2], row_len=8)
    [[0, 1], [2, 3]]
    >>> block_causal_mask(torch.tensor([[0, 0, 1, -1]]))[0, 0].int().tolist()
    [[1, 0, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
"""
from __future__ import annotations

import inspect

import torch

from ..config import IGNORE_INDEX
from .collate import target_tensor
from .tokens import TokenizedData

PACKABLE_DECODER_ATTENTION = ("sdpa", "eager")  # take a 4D mask as is (flash attention takes none)


def batch_layout(module, config) -> tuple[bool, bool]:
    """(pack, bucket): the one rule the Trainer, fit_head, lr_find and the benchmark share. Encoders pack unless
    ``pack_sequences=False``; a causal LM packs when asked (``pack_sequences=True``) and able. Bucket by length
    only where batches are padded."""
    if config.pack_sequences is False:
        pack = False
    elif getattr(module, "supports_packing", None) is not None:  # a trunk + head module (ftlab.models.heads)
        pack = bool(module.supports_packing)
    else:
        pack = config.pack_sequences is True and decoder_attention(module) is not None
    return pack, config.bucket_by_length and not pack


def decoder_attention(module) -> "str | None":
    """The attention implementation of a causal LM that can run packed rows (positions restarting per example
    and a 4D mask), else None. A LoRA (peft) wrapper is looked through."""
    base = module.get_base_model() if hasattr(module, "get_base_model") else module
    attn = getattr(getattr(base, "config", None), "_attn_implementation", None)
    generates = hasattr(base, "can_generate") and base.can_generate()
    takes_positions = "position_ids" in inspect.signature(base.forward).parameters
    return attn if generates and takes_positions and attn in PACKABLE_DECODER_ATTENTION else None


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


def block_causal_mask(owner: torch.Tensor, additive_dtype: "torch.dtype | None" = None) -> torch.Tensor:
    """(R, 1, T, T) mask from ``owner`` (R, T): which example each token belongs to, -1 for padding.

    True (or 0.0 when ``additive_dtype`` is given, for eager attention, which adds the mask to the scores)
    where the query token may attend to the key token: same example (padding counts as one example, so no
    softmax row is empty) and key not after query.
    """
    T = owner.shape[1]
    causal = torch.ones(T, T, dtype=torch.bool).tril()  # (T, T)
    mask = ((owner[:, :, None] == owner[:, None, :]) & causal).unsqueeze(1)  # (R, 1, T, T)
    if additive_dtype is None:
        return mask
    return torch.zeros(mask.shape, dtype=additive_dtype).masked_fill(~mask, torch.finfo(additive_dtype).min)


def collate_packed_causal(data, rows: list[int], pad_id: int, row_len: int, attn_implementation: str = "sdpa") -> dict:
    """Pack the causal-LM examples ``rows`` (one micro-batch) into rows of about ``row_len`` tokens.

    Args:
        data: tokenized examples with ``input_ids`` and ``targets`` (per-token labels), e.g. a causal-LM
            ``TokenizedData``.
        rows: example indices of this micro-batch.
        pad_id: filler id for the end of each packed row (never attended to by real tokens, never a target).
        row_len: target row length; an example longer than it gets a row of its own.
        attn_implementation: the model's ``config._attn_implementation``; "eager" gets an additive float mask.

    Returns:
        input_ids, position_ids, labels (R, T), attention_mask (R, 1, T, T) and ``use_cache=False`` (a cache
        has no use in training, and with one transformers may rebuild the mask): pass them all to the model.

    Example:
        >>> data = TokenizedData([[1, 2, 3], [4, 5]], [[IGNORE_INDEX, 2, 3], [4, 5]], None)
        >>> collate_packed_causal(data, [0, 1], pad_id=0, row_len=8)["labels"].tolist()
        [[-100, 2, 3, -100, 5]]
    """
    seqs = [list(data.input_ids[i]) for i in rows]
    ids, positions, owner = lay_out(seqs, pad_id, row_len)
    labels = torch.full(ids.shape, IGNORE_INDEX, dtype=torch.long)  # (R, T): padding never trains
    for k, i in enumerate(rows):
        where = (owner == k).nonzero()  # (n, 2): this example's token slots, in order
        r, cols = where[0, 0], where[:, 1]
        labels[r, cols[1:]] = torch.tensor(list(data.targets[i])[1:len(cols)], dtype=torch.long)  # 1st: no target
    additive = torch.get_default_dtype() if attn_implementation == "eager" else None
    return {"input_ids": ids, "position_ids": positions, "labels": labels,
            "attention_mask": block_causal_mask(owner, additive), "use_cache": False}
