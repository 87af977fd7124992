"""See what SFT learns: one example's tokens with their roles, as a table and as static HTML.

The HTML is plain markup (no JavaScript), so it survives papermill, nbval and GitHub rendering;
``ftlab.widgets.MaskViewer`` shows the same thing in a panel.

Example:
    >>> roles = token_roles(chat_example, lm)  # doctest: +SKIP
    >>> roles.groupby("role").size()           # doctest: +SKIP
"""
from __future__ import annotations

import html
from typing import Optional

import pandas as pd

from ..config import IGNORE_INDEX
from .formats import detect_format
from .masks import LEARNED, encode

# colour per role: greys are not learned, greens are learned
ROLE_COLOURS = {"template": "#e0e0e0", "system": "#d7d2ea", "user": "#cfe0f5", "prompt": "#cfe0f5",
                "answer": "#9be39b", "end": "#2e9e45", "padding": "#ffffff"}


def token_roles(example: dict, model, pad_to: Optional[int] = None) -> pd.DataFrame:
    """One row per token: position, id, token text, role, learned (label not IGNORE_INDEX) and label.

    Args:
        example: a raw example (``messages``, ``prompt``/``completion`` or ``text``) or a tokenized one
            (``input_ids`` + ``labels``, roles then read from the labels).
        model: the causal-LM FTModel (or its tokenizer) whose template and tokenizer are used.
        pad_to: append padding up to this length, to show how a right-padded batch row looks.

    Example:
        >>> token_roles({"text": "hello"}, lm).role.tolist()  # doctest: +SKIP
        ['answer', 'end']
    """
    tok = getattr(model, "tokenizer", model)
    if "input_ids" in example and "labels" in example:
        ids = list(example["input_ids"])
        roles = ["answer" if lab != IGNORE_INDEX else "prompt" for lab in example["labels"]]
    else:
        ids, roles = encode(example, tok, detect_format(list(example)))
    if pad_to and pad_to > len(ids):
        pad = tok.pad_token_id if tok.pad_token_id is not None else 0
        roles += ["padding"] * (pad_to - len(ids))
        ids += [pad] * (pad_to - len(ids))
    frame = pd.DataFrame({"position": range(len(ids)), "id": ids,
                          "token": [tok.decode([i]) for i in ids], "role": roles})
    frame["learned"] = frame["role"].isin(LEARNED)
    frame["label"] = [i if learned else IGNORE_INDEX for i, learned in zip(ids, frame["learned"])]
    return frame


def role_counts(roles: pd.DataFrame) -> dict:
    """Tokens per role plus the learned total, e.g. ``{"template": 20, "user": 8, "answer": 5, "end": 1, "learned": 6}``."""
    counts = {r: int(n) for r, n in roles["role"].value_counts(sort=False).items()}
    return counts | {"learned": int(roles["learned"].sum())}


def mask_html(roles: pd.DataFrame) -> str:
    """Static HTML: every token as a coloured box (hover shows id and label), a legend with counts.

    Example:
        >>> "answer" in mask_html(token_roles(example, lm))  # doctest: +SKIP
        True
    """
    boxes = []
    for row in roles.itertuples():
        text = html.escape(row.token.replace("\n", "\\n")) or "&nbsp;"
        weight = "bold" if row.learned else "normal"
        boxes.append(f'<span title="pos {row.position} · id {row.id} · label {row.label} · {row.role}" '
                     f'style="background:{ROLE_COLOURS.get(row.role, "#fff")};font-weight:{weight};'
                     f'border:1px solid #bbb;margin:1px;padding:0 2px;display:inline-block;white-space:pre">'
                     f'{text}</span>')
    counts = role_counts(roles)
    legend = " ".join(f'<span style="background:{ROLE_COLOURS[r]};border:1px solid #bbb;padding:0 4px">'
                      f'{r}{" (learned)" if r in LEARNED else ""}: {counts[r]}</span>'
                      for r in ROLE_COLOURS if r in counts)
    summary = f"{counts['learned']} of {len(roles)} tokens learned"
    return (f'<div class="ftlab-mask-viewer" style="font-family:monospace;line-height:1.9">'
            f'<div>{legend} — {summary}</div><div>{"".join(boxes)}</div></div>')
