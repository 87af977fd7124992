"""Score retrieval and answers on a QA set: recall@k, MRR, exact match, token F1, contains-gold,
abstention and hallucination rates, latency and prompt tokens.

Answer scores follow SQuAD's ``normalize_answer`` (lower-case, drop punctuation and the articles a/an/the,
collapse white space); a question may have several acceptable gold answers and takes the best score.

A QA row is a dict with ``question``, ``answers`` (acceptable answers; an empty list = unanswerable from
the knowledge base) and, for retrieval metrics, ``gold_doc_ids`` (the documents that hold the answer).

Example:
    >>> exact_match("The 25 days.", ["25 days"]), round(token_f1("25 working days", ["25 days"]), 3)
    (1.0, 0.8)
"""
from __future__ import annotations

import re
import string
import time
from collections import Counter
from typing import Optional, Sequence

import numpy as np

from .answer import ClosedBook

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = str.maketrans("", "", string.punctuation)


def normalize_answer(text: str) -> str:
    """SQuAD normalization: lower-case, no punctuation, no articles, single spaces.

    Example:
        >>> normalize_answer("  The Blue-Wing  Building! ")
        'bluewing building'
    """
    return " ".join(_ARTICLES.sub(" ", str(text).lower().translate(_PUNCT)).split())


def exact_match(prediction: str, golds: Sequence[str]) -> float:
    """1.0 if the normalized prediction equals any normalized gold answer."""
    return float(any(normalize_answer(prediction) == normalize_answer(g) for g in golds))


def _f1(pred: list[str], gold: list[str]) -> float:
    common = sum((Counter(pred) & Counter(gold)).values())
    if common == 0:
        return 0.0
    p, r = common / len(pred), common / len(gold)
    return 2 * p * r / (p + r)


def token_f1(prediction: str, golds: Sequence[str]) -> float:
    """Best token-overlap F1 (SQuAD) between the prediction and any gold answer."""
    pred = normalize_answer(prediction).split()
    return max((_f1(pred, normalize_answer(g).split()) for g in golds), default=0.0)


def contains_gold(prediction: str, golds: Sequence[str]) -> float:
    """1.0 if any normalized gold answer appears inside the normalized prediction (lenient for chatty models).

    Example:
        >>> contains_gold("Staff get 25 days of leave.", ["25 days"])
        1.0
    """
    pred = f" {normalize_answer(prediction)} "
    return float(any(f" {normalize_answer(g)} " in pred for g in golds if normalize_answer(g)))


def recall_at_k(retrieved_doc_ids: Sequence[str], gold_doc_ids: Sequence[str], k: int) -> float:
    """Share of the gold documents found among the first ``k`` retrieved (duplicates count once).

    Example:
        >>> recall_at_k(["a", "b", "c"], ["c", "d"], k=3)
        0.5
    """
    top = set(list(retrieved_doc_ids)[:k])
    return len(top & set(gold_doc_ids)) / len(set(gold_doc_ids))


def reciprocal_rank(retrieved_doc_ids: Sequence[str], gold_doc_ids: Sequence[str]) -> float:
    """1 / rank of the first gold document (0 when none was retrieved).

    Example:
        >>> reciprocal_rank(["a", "b", "c"], ["c"])
        0.3333333333333333
    """
    gold = set(gold_doc_ids)
    return next((1.0 / r for r, d in enumerate(retrieved_doc_ids, 1) if d in gold), 0.0)


def _rows(qa, needs: Sequence[str], metric: str) -> list[dict]:
    rows = [dict(r) for r in qa] if not hasattr(qa, "to_list") else qa.to_list()
    if not rows:
        raise ValueError(f"{metric} got an empty QA set; pass rows with {list(needs)}")
    missing = [f for f in needs if f not in rows[0]]
    if missing:
        raise ValueError(f"{metric} needs the QA fields {list(needs)}; the rows lack {missing} (they have "
                         f"{sorted(rows[0])}). Add them, e.g. gold_doc_ids=['doc-id'] and answers=['gold answer']")
    return rows


def _doc_id(chunk_id: str) -> str:
    return chunk_id.rsplit("#", 1)[0]


def evaluate_retrieval(kb, qa, k: int = 3, method: Optional[str] = None) -> dict:
    """Retrieval alone: recall@k, MRR (over the top 20) and mean search latency, on answerable questions.

    Example:
        >>> evaluate_retrieval(kb, questions, k=3, method="bm25")["recall@3"]  # doctest: +SKIP
    """
    rows = [r for r in _rows(qa, ("question", "gold_doc_ids"), "evaluate_retrieval") if r["gold_doc_ids"]]
    recalls, rrs, seconds = [], [], []
    depth = min(20, len(kb))
    for r in rows:
        start = time.perf_counter()
        docs = [h.doc_id for h in kb.search(r["question"], k=depth, method=method)]
        seconds.append(time.perf_counter() - start)
        recalls.append(recall_at_k(docs, r["gold_doc_ids"], k))
        rrs.append(reciprocal_rank(docs, r["gold_doc_ids"]))
    return {f"recall@{k}": float(np.mean(recalls)), "mrr": float(np.mean(rrs)),
            "search_ms": 1000 * float(np.mean(seconds)), "n": len(rows)}


def evaluate(system, qa, batch_size: int = 8, return_answers: bool = False):
    """Answer every question with ``system`` and score it.

    Args:
        system: a :class:`RAG`, a :class:`ClosedBook` (anything with ``answer_many``), or a causal-lm FTModel
            (wrapped as closed book).
        qa: rows with ``question`` and ``answers`` (empty = unanswerable); a RAG also needs ``gold_doc_ids``.
        batch_size: questions generated together.
        return_answers: also return the list of :class:`Answer` objects (for error analysis).

    Returns:
        dict: ``exact_match``, ``f1``, ``contains_gold`` (answerable questions), ``abstention_rate``
        (all), ``hallucination_rate`` (a confident answer that is wrong, or any answer to an
        unanswerable question, over all questions), ``unanswerable_answered`` (share of unanswerable
        questions answered anyway), ``latency_s``, ``prompt_tokens``; for a RAG also ``recall@k`` and ``mrr``.

    Example:
        >>> ftlab.rag.evaluate(ftlab.rag.RAG(kb, lm), test_questions)["contains_gold"]  # doctest: +SKIP
    """
    system = system if hasattr(system, "answer_many") else ClosedBook(system)  # a bare FTModel answers closed book
    retrieval = hasattr(system, "kb")
    rows = _rows(qa, ("question", "answers") + (("gold_doc_ids",) if retrieval else ()), "evaluate")
    answers = system.answer_many([r["question"] for r in rows], batch_size=batch_size)
    scores = score_answers(rows, answers, getattr(system, "k", 0) if retrieval else 0)
    return (scores, answers) if return_answers else scores


def scores_by(qa, answers: list, column: str, k: int = 0) -> "pd.DataFrame":
    """:func:`score_answers` per value of a QA column (e.g. ``kind`` or ``group``), plus an ``all`` row.

    Example:
        >>> scores, answers = evaluate(rag, qa, return_answers=True); scores_by(qa, answers, "group")  # doctest: +SKIP
    """
    import pandas as pd

    rows = _rows(qa, ("question", "answers", column), "scores_by")
    table = {}
    for value in list(dict.fromkeys(r[column] for r in rows)) + ["all"]:
        pick = [i for i, r in enumerate(rows) if value in ("all", r[column])]
        table[value] = score_answers([rows[i] for i in pick], [answers[i] for i in pick], k)
    return pd.DataFrame(table).T


def score_answers(rows: list[dict], answers: list, k: int = 0) -> dict:
    """The scores of :func:`evaluate` for answers already generated (``k`` > 0 adds recall@k and MRR)."""
    ok = [bool(r["answers"]) for r in rows]
    em = [exact_match(a.text, r["answers"]) for r, a, o in zip(rows, answers, ok) if o]
    f1 = [token_f1(a.text, r["answers"]) for r, a, o in zip(rows, answers, ok) if o]
    hit = [contains_gold(a.text, r["answers"]) if o else 0.0 for r, a, o in zip(rows, answers, ok)]
    wrong = [not a.abstained and (not o or not h) for a, o, h in zip(answers, ok, hit)]
    unans = [not a.abstained for a, o in zip(answers, ok) if not o]
    out = {"n": len(rows), "n_answerable": sum(ok),
           "exact_match": _mean(em), "f1": _mean(f1), "contains_gold": _mean([h for h, o in zip(hit, ok) if o]),
           "abstention_rate": _mean([a.abstained for a in answers]), "hallucination_rate": _mean(wrong),
           "unanswerable_answered": _mean(unans),
           "latency_s": _mean([a.latency_s for a in answers]), "prompt_tokens": _mean([a.prompt_tokens for a in answers])}
    if k:
        pairs = [([_doc_id(s) for s in a.sources], r["gold_doc_ids"]) for r, a in zip(rows, answers) if r["gold_doc_ids"]]
        out[f"recall@{k}"] = _mean([recall_at_k(d, g, k) for d, g in pairs])
        out["mrr"] = _mean([reciprocal_rank(d, g) for d, g in pairs])
    return out


def _mean(values) -> float:
    values = list(values)
    return float(np.mean(values)) if values else float("nan")
