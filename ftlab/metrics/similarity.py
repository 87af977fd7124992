"""Sentence-similarity evaluation of a model's embeddings: how well does cosine similarity rank pairs
the way their scores do?

all-MiniLM-L6-v2 (the ``minilm`` preset) was pre-trained as a language model and then fine-tuned with a
contrastive objective on sentence pairs, so that sentences with similar meaning get nearby embeddings.
Measuring that on scored pairs (the bundled ``similarity`` pairs were written and scored by ftlab's
writers, not by a panel of raters) before and after fine-tuning on another task shows how much of that
earlier skill survives (catastrophic forgetting).

Example:
    >>> pairs = ftlab.load_dataset("similarity")    # sentence1, sentence2, score (0-5)
    >>> similarity_scores(model, pairs)              # doctest: +SKIP
    {'spearman': 0.87, 'pearson': 0.86, 'n': 240}
"""
from __future__ import annotations

from typing import Sequence

import numpy as np


def cosine_similarities(model, sentences1: Sequence[str], sentences2: Sequence[str], batch_size: int = 64,
                        max_len: int = 128) -> np.ndarray:
    """Cosine similarity of ``model.encode`` embeddings for each pair.  -> (N,) in [-1, 1]"""
    if len(sentences1) != len(sentences2):
        raise ValueError(f"need one second sentence per first sentence; got {len(sentences1)} and {len(sentences2)}")
    a = model.encode(list(sentences1), batch_size=batch_size, max_len=max_len, normalize=True)  # (N, H)
    b = model.encode(list(sentences2), batch_size=batch_size, max_len=max_len, normalize=True)  # (N, H)
    return (a * b).sum(1)


def similarity_scores(model, pairs_dataset, batch_size: int = 64, max_len: int = 128,
                      columns: Sequence[str] = ("sentence1", "sentence2", "score")) -> dict:
    """Spearman and Pearson correlation between embedding cosine similarity and the pairs' scores.

    Spearman (rank correlation) is the usual headline for sentence embeddings: it asks only whether
    more similar pairs get higher cosines, not whether the cosine is a linear function of the score.

    Args:
        model: an encoder :class:`ftlab.FTModel` (any task; only its trunk is used, through ``encode``).
            With LoRA attached the adapters are active, so this measures the fine-tuned trunk.
        pairs_dataset: a ``datasets.Dataset`` (or dict of lists) with two sentence columns and a score,
            e.g. ``ftlab.load_dataset("similarity")``.
        batch_size, max_len: as in ``model.encode``.
        columns: names of the first sentence, second sentence and score columns.

    Returns:
        ``{"spearman": float, "pearson": float, "n": int}``.
    """
    from scipy import stats

    s1, s2, score = columns
    names = list(getattr(pairs_dataset, "column_names", None) or pairs_dataset.keys())
    missing = [c for c in columns if c not in names]
    if missing:
        raise ValueError(f"similarity_scores() needs columns {list(columns)}; missing {missing} "
                         f"(the data has {names}). Pass columns=(first, second, score) to name yours")
    human = np.asarray(pairs_dataset[score], dtype=np.float64)
    if len(human) < 3:
        raise ValueError(f"similarity_scores() needs at least 3 pairs to correlate; got {len(human)}")
    cos = cosine_similarities(model, pairs_dataset[s1], pairs_dataset[s2], batch_size, max_len)
    return {"spearman": float(stats.spearmanr(cos, human).statistic),
            "pearson": float(stats.pearsonr(cos, human).statistic), "n": int(len(human))}
