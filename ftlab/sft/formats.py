"""The three SFT dataset formats, and helpers that turn a table into them.

* ``text``: plain language modelling — every token is learned (continued pre-training, perplexity).
* ``prompt`` / ``completion``: only the completion (and the end-of-sequence token) is learned.
* ``messages``: a chat, a list of ``{"role": "system"|"user"|"assistant", "content": str}``; rendered with
  the tokenizer's own chat template, and only the assistant turns (with their end-of-turn token) are learned.

Example:
    >>> import datasets
    >>> ds = datasets.Dataset.from_list([{"en": "Good morning", "zh": "早上好"}])
    >>> to_chat(ds, user="Translate to Chinese: {en}", assistant="{zh}")[0]["messages"][1]
    {'role': 'assistant', 'content': '早上好'}
    >>> detect_format(ds.column_names + ["text"])
    'text'
"""
from __future__ import annotations

from typing import Optional

import datasets

FORMATS = ("messages", "prompt/completion", "text")
ROLES = ("system", "user", "assistant")


def detect_format(columns: list[str]) -> str:
    """Which SFT format a dataset with these columns is in (chat first, then prompt/completion, then text).

    Raises:
        ValueError: none of ``messages``, ``prompt`` + ``completion`` or ``text`` is present.
    """
    if "messages" in columns:
        return "messages"
    if "prompt" in columns and "completion" in columns:
        return "prompt/completion"
    if "text" in columns:
        return "text"
    raise ValueError(f"An SFT dataset needs a 'messages' column (chats), 'prompt' and 'completion' columns, or a "
                     f"'text' column; got {columns}. Build one with ftlab.sft.to_chat(ds, user='{{col}}', "
                     f"assistant='{{col}}') or ftlab.sft.to_prompt_completion(...)")


def to_chat(dataset: datasets.Dataset, user: str, assistant: str, system: Optional[str] = None) -> datasets.Dataset:
    """One single-turn chat per row, from templates over the row's columns.

    Args:
        dataset: any table (``datasets.Dataset``).
        user: the user turn, a ``str.format`` template over the columns, e.g. ``"Translate to Chinese: {en}"``.
        assistant: the answer to learn, e.g. ``"{zh}"``.
        system: an optional system turn. With None, *some templates add their own* (SmolLM2's adds "You are a
            helpful AI assistant named SmolLM…"); pass a string to choose yours.

    Returns:
        A dataset with one column, ``messages``.

    Example:
        >>> ds = datasets.Dataset.from_list([{"q": "2+2?", "a": "4"}])
        >>> [m["role"] for m in to_chat(ds, "{q}", "{a}", system="Be brief.")[0]["messages"]]
        ['system', 'user', 'assistant']
    """
    def row_to_chat(row: dict) -> dict:
        turns = ([("system", system)] if system is not None else []) + [("user", user), ("assistant", assistant)]
        return {"messages": [{"role": r, "content": _fill(t, row, r)} for r, t in turns]}

    return dataset.map(row_to_chat, remove_columns=dataset.column_names)


def to_prompt_completion(dataset: datasets.Dataset, prompt: str, completion: str) -> datasets.Dataset:
    """``prompt`` / ``completion`` columns from templates over the row's columns (no chat template is applied).

    Example:
        >>> ds = datasets.Dataset.from_list([{"en": "Thanks", "zh": "谢谢"}])
        >>> to_prompt_completion(ds, "English: {en}\\nChinese:", " {zh}")[0]
        {'prompt': 'English: Thanks\\nChinese:', 'completion': ' 谢谢'}
    """
    def row_to_pair(row: dict) -> dict:
        return {"prompt": _fill(prompt, row, "prompt"), "completion": _fill(completion, row, "completion")}

    return dataset.map(row_to_pair, remove_columns=dataset.column_names)


def check_chat(messages, index: int = 0) -> None:
    """Raise a clear error when a chat cannot be trained on: unknown or out-of-order roles, no assistant
    answer at the end, empty or non-string content.

    Order: an optional ``system`` turn first, then ``user`` and ``assistant`` alternating, ending with ``assistant``.

    Example:
        >>> check_chat([{"role": "user", "content": "hi"}])
        Traceback (most recent call last):
        ...
        ValueError: Chat 0 has no assistant turn: there is nothing to learn. Roles: ['user']
    """
    if not isinstance(messages, list) or not messages or not all(isinstance(m, dict) for m in messages):
        raise ValueError(f"Chat {index} must be a non-empty list of {{'role', 'content'}} dicts; got {messages!r:.100}")
    roles = [m.get("role") for m in messages]
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ValueError(f"Chat {index} has unknown role(s) {unknown}; use {ROLES}. Roles: {roles}")
    if "assistant" not in roles:
        raise ValueError(f"Chat {index} has no assistant turn: there is nothing to learn. Roles: {roles}")
    turns = roles[1:] if roles[0] == "system" else roles
    expected = ["user" if k % 2 == 0 else "assistant" for k in range(len(turns))]
    if turns != expected or turns[-1] != "assistant":
        raise ValueError(f"Chat {index} has roles out of order: {roles}. Expected an optional 'system' first, then "
                         f"'user' and 'assistant' alternating, ending with 'assistant'")
    for k, m in enumerate(messages):
        content = m.get("content")
        if not isinstance(content, str):
            raise ValueError(f"Chat {index}, message {k} ({m['role']}): content must be a string; "
                             f"got {type(content).__name__}: {content!r:.60}")
        if m["role"] == "assistant" and not content.strip():
            raise ValueError(f"Chat {index}, message {k}: the assistant answer is empty; there is nothing to learn")


def _fill(template: str, row: dict, part: str) -> str:
    if not isinstance(template, str):
        raise ValueError(f"The {part} template must be a string like '{{column}}'; got {template!r}")
    try:
        return template.format_map(row)
    except KeyError as err:
        raise ValueError(f"The {part} template {template!r} names column {err.args[0]!r}, which the dataset does "
                         f"not have; its columns are {sorted(row)}") from None
