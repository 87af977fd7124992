"""Tokenize SFT data into ``input_ids`` + ``labels`` that train only the answer: assistant-only loss masks.

Every token gets a *role*: ``template`` (chat markup and any default system turn the template adds),
``system``, ``user`` / ``prompt`` (not learned), ``answer`` (learned) and ``end`` (the answer's end-of-turn
token, learned so the model learns to stop). Labels are the token ids where the role is learned and
``IGNORE_INDEX`` elsewhere.

Masks are built by *position*, from the rendered text, never by token id. Many models pad with their
end-of-sequence token (SmolLM2: pad == eos == ``<|im_end|>``); a collator that sets
``labels[input_ids == pad_token_id] = IGNORE_INDEX`` then also deletes every real ``<|im_end|>`` from the loss,
and the fine-tuned model never learns to stop (a classic bug, e.g. trl #1623 and #2059). Here padding is
added later by the batch collator, by length, and is never confused with a real end-of-turn token.

Templates without ``{% generation %}`` markers (SmolLM2's) give ``return_assistant_tokens_mask`` an all-zero
mask, so we find the answers ourselves: the chat up to each assistant turn is rendered with
``add_generation_prompt=True``; its tokens must be a prefix of the whole chat's tokens (otherwise training and
generation would see different prompts), and what follows up to and including the end-of-turn token is learned.

Example:
    >>> lm = ftlab.load_model("smollm2-135m", task="causal-lm")                      # doctest: +SKIP
    >>> train = tokenize(to_chat(pairs, "Translate to Chinese: {en}", "{zh}"), lm, max_len=128)  # doctest: +SKIP
    >>> train.column_names                                                           # doctest: +SKIP
    ['input_ids', 'labels']
"""
from __future__ import annotations

import warnings

import datasets

from ..config import IGNORE_INDEX
from .formats import check_chat, detect_format

LEARNED = ("answer", "end")


class SFTTruncationWarning(UserWarning):
    """Some examples were longer than ``max_len``: cut, or dropped because no answer token was left."""


def tokenize(dataset: datasets.Dataset, model, max_len: int = 256) -> datasets.Dataset:
    """``input_ids`` and ``labels`` (answer tokens learned, the rest ``IGNORE_INDEX``) for each example.

    Args:
        dataset: ``messages`` chats, ``prompt``/``completion`` pairs, or ``text`` (see :mod:`ftlab.sft.formats`).
        model: a causal-LM FTModel or its tokenizer; chats use the tokenizer's own chat template.
        max_len: tokens kept per example (the start is kept). An example whose answer is cut away entirely is
            dropped; a warning counts both the cut and the dropped examples, so nothing is lost silently.

    Returns:
        A dataset with ``input_ids`` and ``labels`` columns, ready for ``ftlab.Trainer.fit``.

    Raises:
        ValueError: a malformed chat, a template that does not reproduce its own prompt, a tokenizer without a
            chat template given chats, or every example dropped by truncation.

    Example:
        >>> train = tokenize(chats, lm, max_len=128)  # doctest: +SKIP
    """
    tok = getattr(model, "tokenizer", model)
    fmt = detect_format(dataset.column_names)
    rows, cut, dropped = [], 0, []
    for i, example in enumerate(dataset):
        ids, roles = encode(example, tok, fmt, i)
        if len(ids) > max_len:
            cut += 1
            ids, roles = ids[:max_len], roles[:max_len]
            if not any(r in LEARNED for r in roles[1:]):  # the first token is never predicted
                dropped.append(i)
                continue
        rows.append({"input_ids": ids, "labels": labels_from_roles(ids, roles)})
    if cut:
        warnings.warn(f"{cut} of {len(dataset)} examples were longer than max_len={max_len} and were cut; "
                      f"{len(dropped)} of them lost their whole answer and were dropped (rows {dropped[:10]}). "
                      f"Raise max_len or shorten the prompts", SFTTruncationWarning, stacklevel=2)
    if not rows:
        raise ValueError(f"No example kept an answer token within max_len={max_len} ({len(dataset)} examples); "
                         f"raise max_len")
    return datasets.Dataset.from_list(rows)


def labels_from_roles(ids: list[int], roles: list[str]) -> list[int]:
    """Token id where the role is learned (answer, end-of-turn), ``IGNORE_INDEX`` elsewhere.

    Example:
        >>> labels_from_roles([5, 6, 7], ["user", "answer", "end"])
        [-100, 6, 7]
    """
    return [t if r in LEARNED else IGNORE_INDEX for t, r in zip(ids, roles)]


def encode(example: dict, tok, fmt: str, index: int = 0) -> tuple[list[int], list[str]]:
    """Token ids and one role per token for one example of format ``fmt``."""
    if fmt == "messages":
        return _encode_chat(example["messages"], tok, index)
    end = _end_token_id(tok)
    if fmt == "text":
        text = _string(example["text"], "text", index)
        ids = tok(text, add_special_tokens=False)["input_ids"] + [end]
        return ids, ["answer"] * (len(ids) - 1) + ["end"]
    prompt = _string(example["prompt"], "prompt", index)
    completion = _string(example["completion"], "completion", index)
    if not completion.strip():
        raise ValueError(f"Example {index}: the completion is empty; there is nothing to learn")
    ids, spans = _tokens_with_spans(tok, prompt + completion)
    roles = ["answer" if start >= len(prompt) else "prompt" for start, _ in spans]
    return ids + [end], roles + ["end"]  # the end token teaches the model to stop after the completion


def render(messages: list, tok, add_generation_prompt: bool = False) -> str:
    """The chat as the model sees it: the tokenizer's own template applied.

    Raises:
        ValueError: the tokenizer has no chat template (the message says how to fix it).
    """
    if not getattr(tok, "chat_template", None):
        raise ValueError("This tokenizer has no chat template, so it cannot render 'messages'. Use a "
                         "prompt/completion dataset (ftlab.sft.to_prompt_completion) or set tokenizer.chat_template")
    return tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=add_generation_prompt)


def _encode_chat(messages: list, tok, index: int) -> tuple[list[int], list[str]]:
    check_chat(messages, index)
    full = render(messages, tok)
    spans, cursor = [], 0  # (start, end, role) of each message's content in the rendered text
    for k, message in enumerate(messages):
        if message["role"] == "assistant":
            cursor = _prompt_end(messages[:k], full, tok, index)
        content = message["content"].strip()  # templates may trim; the answer text itself must appear
        start = full.find(content, cursor)
        answer_moved = message["role"] == "assistant" and full[cursor:start].strip()  # must follow the prompt
        if start < 0 or answer_moved:
            raise ValueError(f"Chat {index}: message {k}'s content was not found in the rendered chat "
                             f"{'right after the generation prompt' if answer_moved else f'after position {cursor}'}"
                             f"; the chat template changes the text (template mismatch)")
        spans.append((start, start + len(content), message["role"]))
        cursor = start + len(content)
    ids, offsets = _tokens_with_spans(tok, full)
    roles = [next(("answer" if r == "assistant" else r for s, e, r in spans if s <= a < e), "template")
             for a, _ in offsets]
    for s, e, r in spans:
        after = [j for j, (a, _) in enumerate(offsets) if a >= e]
        if r == "assistant" and after:
            roles[after[0]] = "end"
        elif r == "assistant":
            warnings.warn("The chat template adds no end-of-turn token after the answer, so the model cannot learn "
                          "to stop; generation will run until max_new_tokens", stacklevel=4)
    return ids, roles


def _prompt_end(history: list, full: str, tok, index: int) -> int:
    """Where the answer starts: the end of ``history`` rendered with the generation prompt, which must be a
    prefix of the full chat both as text and as tokens (otherwise training and generation see different prompts)."""
    prompt = render(history, tok, add_generation_prompt=True)
    if prompt == render(history, tok):
        raise ValueError(f"Chat {index}: the chat template ignores add_generation_prompt=True, so nothing would tell "
                         f"the model where its answer starts at generation time (template mismatch). Use a template "
                         f"with a generation prompt, or a prompt/completion dataset")
    prompt_ids = tok(prompt, add_special_tokens=False)["input_ids"]
    if not full.startswith(prompt) or tok(full, add_special_tokens=False)["input_ids"][:len(prompt_ids)] != prompt_ids:
        raise ValueError(f"Chat {index}: the prompt rendered with add_generation_prompt=True is not a prefix of the "
                         f"whole chat (template mismatch), so the answer tokens cannot be located. Prompt ends with "
                         f"{prompt[-40:]!r}")
    return len(prompt)


def _tokens_with_spans(tok, text: str) -> tuple[list[int], list[tuple[int, int]]]:
    enc = tok(text, add_special_tokens=False, return_offsets_mapping=True)
    return enc["input_ids"], [tuple(o) for o in enc["offset_mapping"]]


def _end_token_id(tok) -> int:
    end = tok.eos_token_id if tok.eos_token_id is not None else getattr(tok, "sep_token_id", None)
    if end is None:
        raise ValueError("The tokenizer has no end-of-sequence token (eos_token), so the model cannot learn where a "
                         "completion ends; set tokenizer.eos_token")
    return end


def _string(value, field: str, index: int) -> str:
    if not isinstance(value, str):
        raise ValueError(f"Example {index}: {field!r} must be a string; got {type(value).__name__}: {value!r:.60}")
    return value
