"""Decoder packing, as ``ftlab.sft`` names it: examples laid end to end, each seeing only itself.

The implementation lives in the batch layer (:mod:`ftlab.batches.packing`), where ``Trainer.fit`` uses it for a
causal LM with ``TrainConfig(pack_sequences=True)``; these names re-export it for notebooks and for collating a
packed batch by hand (e.g. to compare it with the padded one, or with a contaminated 2D mask).

Example:
    >>> mask = block_causal_mask(torch.tensor([[0, 0, 1, -1]]))
    >>> mask[0, 0].int().tolist()
    [[1, 0, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
"""
from __future__ import annotations

import torch  # noqa: F401 -- used by the doctest above

from ..batches.packing import block_causal_mask, collate_packed_causal

__all__ = ["block_causal_mask", "collate_packed_causal"]
