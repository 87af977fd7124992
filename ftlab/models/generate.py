"""Batched text generation for causal-LM FTModels: plain prompts or chats in, only the new text out.

Two details make batched generation correct, and both are easy to get wrong:

* **Left padding.** A decoder continues from the last position of each row. With right padding the
  short rows would continue from pad tokens, so batched output would differ from one-by-one output.
  We switch the tokenizer to left padding for the call and restore its setting afterwards (training
  pads on the right, where the labels line up with the tokens).
* **Chat templates.** A chat (a list of ``{"role", "content"}`` messages) is rendered with the
  tokenizer's own template and ``add_generation_prompt=True``, so the model sees exactly the
  ``<|im_start|>assistant`` header it was trained to answer after. A plain string is continued as is.

Example:
    >>> lm = ftlab.load_model("smollm2-135m", task="causal-lm")                      # doctest: +SKIP
    >>> generate(lm, [[{"role": "user", "content": "Say hi"}]], max_new_tokens=8)    # doctest: +SKIP
    ['Hi! How can I help you today?']
"""
from __future__ import annotations

from typing import Sequence, Union

import torch

Chat = list  # a list of {"role": ..., "content": ...} messages
Prompt = Union[str, Chat]


def generate(model, prompts: "Prompt | Sequence[Prompt]", max_new_tokens: int = 64, temperature: float = 0.0,
             top_p: float = 1.0, batch_size: int = 8, seed: int = 0) -> list[str]:
    """Generate a continuation for each prompt, batched, and return only the new text.

    Args:
        model: a causal-LM :class:`ftlab.FTModel` (``ftlab.load_model(..., task="causal-lm")``).
        prompts: one prompt or a list; a prompt is a plain string (continued as is) or a chat, a list of
            ``{"role": "system"|"user"|"assistant", "content": str}`` messages (rendered with the chat
            template and the assistant header appended).
        max_new_tokens: at most this many tokens per answer; generation also stops at the end-of-turn token.
        temperature: 0 = greedy (deterministic); > 0 samples from the softened distribution (seeded by ``seed``).
        top_p: nucleus sampling cut-off when sampling.
        batch_size: prompts per forward pass (memory grows with it).
        seed: seeds sampling, so a sampled run can be repeated.

    Returns:
        One string per prompt: the generated text only, special tokens removed.

    Raises:
        ValueError: an encoder model, a chat given to a tokenizer without chat template, or bad arguments.

    Example:
        >>> generate(lm, ["The capital of France is"], max_new_tokens=5)  # doctest: +SKIP
        [' Paris. It is the']
    """
    _check_args(model, max_new_tokens, temperature, top_p, batch_size)
    texts = [_render(model.tokenizer, p, i) for i, p in enumerate(_as_list(prompts))]
    module, tok = model.module, model.tokenizer
    was_training, side = module.training, tok.padding_side
    module.eval()  # dropout off; restored below so a generate() between training steps changes nothing
    tok.padding_side = "left"
    try:
        if temperature > 0:
            torch.manual_seed(seed)
        out: list[str] = []
        for i in range(0, len(texts), batch_size):
            out += _generate_batch(module, tok, texts[i:i + batch_size], max_new_tokens, temperature, top_p)
        return out
    finally:
        tok.padding_side = side
        module.train(was_training)


@torch.no_grad()
def _generate_batch(module, tok, texts: list[str], max_new_tokens: int, temperature: float, top_p: float) -> list[str]:
    device = next(module.parameters()).device
    # the rendered text already holds any BOS/template tokens, so the tokenizer must not add its own
    enc = tok(texts, return_tensors="pt", padding=True, add_special_tokens=False)  # (B, T) left padded
    enc = {k: enc[k].to(device) for k in ("input_ids", "attention_mask")}  # BERT-style token_type_ids: not for a decoder
    sampling = {"do_sample": True, "temperature": temperature, "top_p": top_p} if temperature > 0 else {"do_sample": False}
    pad_id = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
    ids = module.generate(**enc, max_new_tokens=max_new_tokens, pad_token_id=pad_id, eos_token_id=tok.eos_token_id,
                          **sampling)  # (B, T + new)
    new = ids[:, enc["input_ids"].shape[1]:]  # left padding: every row's prompt ends at the same column
    return tok.batch_decode(new, skip_special_tokens=True)


def _as_list(prompts) -> list:
    if isinstance(prompts, str) or (isinstance(prompts, list) and prompts and isinstance(prompts[0], dict)):
        return [prompts]  # a single string or a single chat
    prompts = list(prompts)
    if not prompts:
        raise ValueError("generate() got no prompts; pass a string, a chat (list of messages) or a list of them")
    return prompts


def _render(tok, prompt, index: int) -> str:
    if isinstance(prompt, str):
        return prompt
    if not (isinstance(prompt, list) and prompt and all(isinstance(m, dict) for m in prompt)):
        raise ValueError(f"Prompt {index} must be a string or a chat (a non-empty list of {{'role', 'content'}} "
                         f"dicts); got {type(prompt).__name__}: {prompt!r:.80}")
    if not getattr(tok, "chat_template", None):
        raise ValueError(f"Prompt {index} is a chat, but this model's tokenizer has no chat template. Pass a plain "
                         f"string prompt instead, or set model.tokenizer.chat_template to a Jinja template")
    return tok.apply_chat_template(prompt, tokenize=False, add_generation_prompt=True)


def _check_args(model, max_new_tokens, temperature, top_p, batch_size) -> None:
    task = getattr(model, "task", None)
    if task is None or getattr(task, "pools_features", True):  # only a causal LM (no pooled head) generates
        raise ValueError(f"generate() needs a causal language model (task='causal-lm'); got task={task!r}. "
                         f"Load one with ftlab.load_model('smollm2-135m', task='causal-lm'); for classifiers use predict()")
    if not (isinstance(max_new_tokens, int) and max_new_tokens >= 1):
        raise ValueError(f"max_new_tokens must be an int >= 1; got {max_new_tokens!r}")
    if not (isinstance(temperature, (int, float)) and temperature >= 0):
        raise ValueError(f"temperature must be a number >= 0 (0 = greedy); got {temperature!r}")
    if not (isinstance(top_p, (int, float)) and 0 < top_p <= 1):
        raise ValueError(f"top_p must be in (0, 1]; got {top_p!r}")
    if not (isinstance(batch_size, int) and batch_size >= 1):
        raise ValueError(f"batch_size must be an int >= 1; got {batch_size!r}")
