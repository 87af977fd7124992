"""The batch layer: tokenizing (cached), label tensors, padding vs packing, epoch plans — built once, consumed by
the training loop (:mod:`ftlab.train.trainer`) and the evaluation pass (:mod:`ftlab.eval`)."""
from .batches import Batches, FeatureBatches, TokenBatches, check_max_len, keeps_logits, make_batches
from .collate import collate, supervised_positions, target_tensor, to_device
from .packing import (batch_layout, block_causal_mask, collate_packed, collate_packed_causal, decoder_attention, lay_out,
                      pack_rows)
from .plans import BUCKET_SPAN, epoch_plan
from .tokens import TokenizedData, cache_stats, pad_token_id, tokenize_dataset

__all__ = ["BUCKET_SPAN", "Batches", "FeatureBatches", "TokenBatches", "TokenizedData", "batch_layout",
           "block_causal_mask", "cache_stats", "check_max_len", "collate", "collate_packed", "collate_packed_causal",
           "decoder_attention", "epoch_plan", "keeps_logits", "lay_out", "make_batches", "pack_rows",
           "pad_token_id", "supervised_positions", "target_tensor", "to_device", "tokenize_dataset"]
