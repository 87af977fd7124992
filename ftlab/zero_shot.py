"""Zero-shot classification with a pretrained encoder: no training, only what the trunk already knows.

Each label gets one or more short descriptions ("A negative review: the customer is unhappy."). A text
is given the label whose description embedding is nearest to its own (cosine similarity of
``FTModel.encode`` vectors; several descriptions of one label are averaged). This is the honest
"before fine-tuning" baseline: a randomly initialised head can only guess, but the pretrained trunk
may already separate the classes — and how well it does is the evidence for whether fine-tuning is
worth it (good zero-shot: maybe not; poor zero-shot: yes).

Example:
    >>> model = ftlab.load_model("minilm", task="classification", labels=["negative", "positive"])  # doctest: +SKIP
    >>> zero_shot_predict(model, ["Awful, it broke."], {"negative": "A bad review.",
    ...                                                  "positive": "A good review."})  # doctest: +SKIP
    array([0])
"""
from __future__ import annotations

from typing import Mapping, Optional, Sequence

import numpy as np


def _description_lists(descriptions: Mapping[str, "str | Sequence[str]"],
                       labels: Optional[Sequence[str]]) -> list[list[str]]:
    """The descriptions of each label, in label order; a clear error for what does not fit."""
    if not isinstance(descriptions, Mapping) or not descriptions:
        raise ValueError("descriptions must be a non-empty dict {label: description or [descriptions]}; "
                         f"got {descriptions!r}")
    order = list(descriptions) if labels is None else [str(x) for x in labels]
    if set(order) != set(descriptions):
        raise ValueError(f"descriptions must name every label exactly once: labels {order}, "
                         f"descriptions for {list(descriptions)}. Add or rename the missing keys")
    lists = []
    for label in order:
        texts = [descriptions[label]] if isinstance(descriptions[label], str) else list(descriptions[label])
        if not texts or not all(isinstance(t, str) and t.strip() for t in texts):
            raise ValueError(f"label {label!r} needs at least one non-empty description; got {descriptions[label]!r}")
        lists.append(texts)
    return lists


def zero_shot_scores(model, texts: Sequence[str], descriptions: Mapping[str, "str | Sequence[str]"],
                     labels: Optional[Sequence[str]] = None, batch_size: int = 64,
                     max_len: int = 128) -> np.ndarray:
    """Cosine similarity of every text to every label's (mean) description embedding.  -> (N, C)

    Args:
        model: an encoder :class:`ftlab.FTModel` (only its trunk is used, through ``encode``).
        texts: the texts to classify.
        descriptions: ``{label: "description"}`` or ``{label: ["description", ...]}``.
        labels: the label order of the columns (default: the order of ``descriptions``); pass the
            dataset's label names so column ``j`` is label id ``j``.
        batch_size, max_len: as in ``model.encode``.

    Example:
        >>> zero_shot_scores(model, ["Great!"], {"neg": "A bad review.", "pos": "A good review."})  # doctest: +SKIP
        array([[0.21, 0.55]], dtype=float32)
    """
    lists = _description_lists(descriptions, labels)
    flat = [t for texts_of_label in lists for t in texts_of_label]
    vecs = model.encode(flat, batch_size=batch_size, max_len=max_len, normalize=True)  # (D, H)
    ends = np.cumsum([len(x) for x in lists])
    centres = np.stack([vecs[end - len(x):end].mean(0) for x, end in zip(lists, ends)])  # (C, H)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    emb = model.encode(list(texts), batch_size=batch_size, max_len=max_len, normalize=True)  # (N, H)
    return emb @ centres.T


def zero_shot_predict(model, texts: Sequence[str], descriptions: Mapping[str, "str | Sequence[str]"],
                      labels: Optional[Sequence[str]] = None, batch_size: int = 64,
                      max_len: int = 128) -> np.ndarray:
    """The label id (column of :func:`zero_shot_scores`) whose description is nearest each text.  -> (N,)

    Example:
        >>> zero_shot_predict(model, texts, {"negative": "A bad review.", "positive": "A good review."},
        ...                   labels=["negative", "positive"])  # doctest: +SKIP
    """
    return zero_shot_scores(model, texts, descriptions, labels, batch_size, max_len).argmax(1)
