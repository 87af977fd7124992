"""Generation samples of a causal-LM run: a few fixed prompts answered greedily before and after training.

A loss curve says the model changed; the same prompts answered before and after say *how*: the
answers a learner reads side by side in the Playground. Greedy decoding (temperature 0) makes the
before/after pair depend only on the weights, so two runs are compared on equal terms.

Example:
    >>> prompts = prompts_from_data(splits, n=3)             # doctest: +SKIP
    >>> before = generate_samples(lm, prompts)              # doctest: +SKIP
    >>> history = ftlab.Trainer(config).fit(lm, splits["train"])  # doctest: +SKIP
    >>> pair_samples(prompts, before, generate_samples(lm, prompts))  # doctest: +SKIP
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

# words of a plain-text row kept as its prompt: enough to set the topic, short enough to leave room
TEXT_PROMPT_WORDS = 6


def is_causal_lm(model) -> bool:
    """True for a model that generates text (``task="causal-lm"``)."""
    return not model.task.pools_features


def _prompt(row: dict, columns: Sequence[str]) -> Any:
    """The part of one training row a model is asked to continue (its answer left out)."""
    if "messages" in columns:
        messages = list(row["messages"])
        # everything before the last assistant turn: the model writes that turn itself
        last = max((i for i, m in enumerate(messages) if m["role"] == "assistant"), default=len(messages))
        return messages[:last]
    if "prompt" in columns:
        return row["prompt"]
    if "text" in columns:
        return " ".join(str(row["text"]).split()[:TEXT_PROMPT_WORDS])
    raise ValueError(f"Cannot take generation prompts from columns {list(columns)}: expected 'messages' (chats), "
                     "'prompt' (prompt/completion) or 'text'. Pass prompts=[...] yourself")


def prompts_from_data(data, n: int = 3) -> list:
    """The first ``n`` rows of the validation split (else train) as prompts: a chat without its answer,
    a ``prompt`` column, or the first words of a ``text`` row.

    Example:
        >>> import datasets
        >>> rows = datasets.Dataset.from_list([{"text": "the film was long but the ending made it worth it"}])
        >>> prompts_from_data({"train": rows}, n=1)
        ['the film was long but the']
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"the number of generation prompts must be a whole number >= 1; got {n!r}")
    keys = list(data.keys()) if hasattr(data, "keys") else []
    part = next((data[k] for k in ("validation", "train") if k in keys and data[k] is not None), None)
    if part is None:
        raise ValueError(f"Cannot take generation prompts: data has no 'validation' or 'train' split (got {keys})")
    rows = part.select(range(min(n, len(part))))
    return [_prompt(row, part.column_names) for row in rows]


def choose_prompts(model, data, prompts: Optional[Sequence] = None) -> Optional[list]:
    """The prompts a causal LM answers before and after each run (default: :func:`prompts_from_data`);
    None for a model that does not generate.

    Raises:
        ValueError: prompts for an encoder, or prompts that are not a list.
    """
    if not is_causal_lm(model):
        if prompts:
            raise ValueError(f"prompts=... needs a causal-lm model (it generates text); this one is {model.task}. "
                             "Drop prompts= or load the model with task='causal-lm'")
        return None
    if prompts is not None and (isinstance(prompts, str) or not isinstance(prompts, (list, tuple))):
        raise ValueError(f"prompts=... takes a list of prompts (strings or chats); got {prompts!r}")
    return list(prompts) if prompts is not None else prompts_from_data(data)


def generate_samples(model, prompts: Sequence, max_new_tokens: int = 24) -> list[str]:
    """Greedy answers of ``model`` to ``prompts``, all in one batch (deterministic for given weights).

    Example:
        >>> generate_samples(lm, ["The capital of France is"], max_new_tokens=4)  # doctest: +SKIP
        [' Paris, the city']
    """
    if not prompts:
        return []
    return model.generate(list(prompts), max_new_tokens=max_new_tokens, temperature=0.0, batch_size=len(prompts))


def prompt_text(prompt: Any) -> str:
    """A prompt as one line of text: a chat's last user turn, a string as is."""
    if isinstance(prompt, str):
        return prompt
    users = [m["content"] for m in prompt if m["role"] == "user"]
    return users[-1] if users else str(prompt)


def pair_samples(prompts: Sequence, before: Sequence[str], after: Sequence[str]) -> list[dict]:
    """Rows ``{"prompt", "before", "after"}`` for a run's table of samples."""
    if not len(prompts) == len(before) == len(after):
        raise ValueError(f"{len(prompts)} prompts but {len(before)} answers before and {len(after)} after")
    return [{"prompt": prompt_text(p), "before": b, "after": a} for p, b, a in zip(prompts, before, after)]


def samples_or_none(model, prompts: Optional[Sequence], max_new_tokens: int) -> Optional[list[str]]:
    """``generate_samples`` for a causal LM with prompts; None for any other model or no prompts."""
    if not prompts or not is_causal_lm(model):
        return None
    return generate_samples(model, prompts, max_new_tokens)
