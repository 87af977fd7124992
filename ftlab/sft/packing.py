"""Decoder packing: a micro-batch's examples laid end to end, each seeing only itself.

The encoder version (``ftlab/batches/packing.py``) shares its row layout (``lay_out``) with this one; a
decoder needs three more things to compute exactly what the padded batch computes:

* **positions restart at 0** for each example (RoPE must not see example 2 as the continuation of example 1);
* an explicit **4D block-causal mask**: a token attends to earlier tokens *of its own example* only. Relying
  on transformers to infer the blocks from ``position_ids`` works only with no 2D mask and ``use_cache=False``;
  an all-ones 2D mask silently lets examples attend to each other while the loss still falls. A 4D mask is
  passed to the attention as is, so it cannot be lost on the way;
* the **first token of each example is not a target**: in a packed row it would be "predicted" from the end of
  the previous example, a prediction the padded batch never makes.

Then loss and gradients equal those of the padded batch up to float rounding (tests/test_sft_packing.py).

Example:
    >>> mask = block_causal_mask(torch.tensor([[0, 0, 1, -1]]))
    >>> mask[0, 0].int().tolist()
    [[1, 0, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
"""
from __future__ import annotations

import torch

from ..config import IGNORE_INDEX
from ..batches.packing import lay_out


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
        data: tokenized examples with ``input_ids`` and ``targets`` (per-token labels), e.g. ftlab's
            ``TokenizedData`` for a causal-LM dataset.
        rows: example indices of this micro-batch.
        pad_id: filler id for the end of each packed row (never attended to by real tokens, never a target).
        row_len: target row length; an example longer than it gets a row of its own.
        attn_implementation: the model's ``config._attn_implementation``; "eager" gets an additive float mask.

    Returns:
        input_ids, position_ids, labels (R, T) and attention_mask (R, 1, T, T) — pass them to the model with
        ``use_cache=False``.

    Example:
        >>> batch = collate_packed_causal(data, [0, 1, 2], pad_id=0, row_len=128)  # doctest: +SKIP
    """
    seqs = [list(data.input_ids[i]) for i in rows]
    labs = [list(data.targets[i]) for i in rows]
    ids, positions, owner = lay_out(seqs, pad_id, row_len)  # the encoder packing's layout (ftlab.batches)
    labels = torch.full(ids.shape, IGNORE_INDEX, dtype=torch.long)  # (R, T): padding never trains
    for k, lab in enumerate(labs):
        where = (owner == k).nonzero()  # (n, 2): this example's token slots, in order
        r, cols = where[0, 0], where[:, 1]
        labels[r, cols[1:]] = torch.tensor(lab[1:len(cols)], dtype=torch.long)  # first token: no target
    additive = torch.get_default_dtype() if attn_implementation == "eager" else None
    return {"input_ids": ids, "position_ids": positions, "labels": labels,
            "attention_mask": block_causal_mask(owner, additive)}
