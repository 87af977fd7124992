"""ftlab.sft: supervised fine-tuning of decoders — chat formats, templates, answer-only label masks, packing.

Example:
    >>> import ftlab, ftlab.sft                                                           # doctest: +SKIP
    >>> lm = ftlab.load_model("smollm2-135m", task="causal-lm")                           # doctest: +SKIP
    >>> chats = ftlab.sft.to_chat(ftlab.load_dataset("translation"), user="Translate to Chinese: {en}",
    ...                           assistant="{zh}")                                        # doctest: +SKIP
    >>> train = ftlab.sft.tokenize(chats, lm, max_len=128)  # input_ids + labels (answers only)  # doctest: +SKIP
    >>> lm.generate([chats[0]["messages"][:-1]], max_new_tokens=32)  # left-padded, batched  # doctest: +SKIP
"""
from .formats import FORMATS, check_chat, detect_format, to_chat, to_prompt_completion
from .masks import SFTTruncationWarning, labels_from_roles, render, tokenize
from .packing import block_causal_mask, collate_packed_causal
from .view import mask_html, role_counts, token_roles

__all__ = ["FORMATS", "SFTTruncationWarning", "block_causal_mask", "check_chat", "collate_packed_causal",
           "detect_format", "labels_from_roles", "mask_html", "render", "role_counts", "to_chat",
           "to_prompt_completion", "token_roles", "tokenize"]
