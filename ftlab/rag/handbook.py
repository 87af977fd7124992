"""The bundled knowledge base: the Brackenmoor Institute handbook (fictional, written for ftlab) and its questions.

A fictional organisation, so a pretrained model cannot know its facts: any right answer comes from
retrieval or from fine-tuning, which is what notebook 06 measures. Datasheet: ``ftlab/data/samples/handbook.md``.

Example:
    >>> docs = load_handbook(); len(docs) >= 50, docs.column_names
    (True, ['id', 'title', 'domain', 'text'])
    >>> sorted(set(load_questions()["split"]))
    ['changed', 'test', 'train']
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional, Sequence

import datasets

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"
SPLITS = ("train", "test", "changed")
KINDS = ("single", "exact", "multi", "unanswerable", "changed")


def _read(name: str) -> list[dict]:
    path = SAMPLES / f"{name}.jsonl"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; in a source checkout build it with: python tools/build_handbook.py")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load_handbook(version: int = 1) -> datasets.Dataset:
    """The handbook's documents (columns id, title, domain, text).

    Args:
        version: 1, or 2 = the same handbook after a few facts changed (the changed-fact experiment).
    """
    if version not in (1, 2):
        raise ValueError(f"version must be 1 or 2 (2 = after the changed facts); got {version!r}")
    docs = _read("handbook")
    if version == 2:
        new = {d["id"]: d for d in _read("handbook-v2")}
        docs = [new.get(d["id"], d) for d in docs]
    return datasets.Dataset.from_list(docs)


def changed_documents() -> datasets.Dataset:
    """Version 2 of the documents whose facts changed (id, title, domain, text)."""
    return datasets.Dataset.from_list(_read("handbook-v2"))


def load_questions(split: Optional[str] = None, kind: Optional[str] = None) -> datasets.Dataset:
    """Questions with gold answers and gold document ids.

    Columns: id, question, answers (empty = unanswerable), gold_doc_ids, kind (single, exact, multi,
    unanswerable, changed), split (train = the fine-tuning arm's data; test = held-out paraphrases of trained
    facts, unseen facts, multi-document and unanswerable questions; changed = facts that version 2 changed),
    fact (questions about one fact share it), fact_trained (the fine-tuning arm trained on this fact).

    Example:
        >>> len(load_questions("test", kind="unanswerable"))
        20
    """
    if split is not None and split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS} or None; got {split!r}")
    if kind is not None and kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS} or None; got {kind!r}")
    rows = [r for r in _read("handbook-questions") if split in (None, r["split"]) and kind in (None, r["kind"])]
    return datasets.Dataset.from_list(rows)


def training_questions(facts: Optional[Sequence[str]] = None, phrasings: Optional[int] = None) -> datasets.Dataset:
    """The fine-tuning arm's training questions (split ``train``), optionally for some facts and phrasings only.

    Args:
        facts: keep only these fact ids (e.g. the trained facts of a held-out set); None keeps all.
        phrasings: keep the first N wordings of each fact (1 = one phrasing per fact, the paraphrase
            experiment's control); None keeps all.

    Example:
        >>> len(training_questions(["pol-leave/0"])), len(training_questions(["pol-leave/0"], phrasings=1))
        (2, 1)
    """
    if phrasings is not None and not (isinstance(phrasings, int) and phrasings >= 1):
        raise ValueError(f"phrasings must be an int >= 1 or None; got {phrasings!r}")
    rows = load_questions("train").to_list()
    if facts is not None:
        wanted = set(facts)
        unknown = wanted - {r["fact"] for r in rows}
        if unknown:
            raise ValueError(f"facts {sorted(unknown)[:5]} have no training questions; use fact ids of the train "
                             "split (load_questions('train')['fact'])")
        rows = [r for r in rows if r["fact"] in wanted]
    seen: dict[str, int] = {}
    keep = []
    for r in rows:  # the file lists each fact's wordings in order, so "first N" is stable
        seen[r["fact"]] = seen.get(r["fact"], 0) + 1
        if phrasings is None or seen[r["fact"]] <= phrasings:
            keep.append(r)
    return datasets.Dataset.from_list(keep)


GROUPS = ("trained fact, new wording", "unseen fact", "multi-document", "unanswerable")


def held_out_questions(per_group: int = 10, seed: int = 0) -> datasets.Dataset:
    """A balanced held-out set from the test split, with a ``group`` column: paraphrases of facts the
    fine-tuning arm trained on, facts it never saw, multi-document and unanswerable questions.

    Example:
        >>> sorted(set(held_out_questions(2)["group"])) == sorted(GROUPS)
        True
    """
    if not (isinstance(per_group, int) and per_group >= 1):
        raise ValueError(f"per_group must be an int >= 1; got {per_group!r}")
    import random

    def group(r: dict) -> str:
        if r["kind"] in ("multi", "unanswerable"):
            return "multi-document" if r["kind"] == "multi" else "unanswerable"
        return GROUPS[0] if r["fact_trained"] else GROUPS[1]

    rng, out = random.Random(seed), []
    rows = [dict(r, group=group(r)) for r in load_questions("test").to_list()]
    for g in GROUPS:
        members = [r for r in rows if r["group"] == g]
        out += rng.sample(members, min(per_group, len(members)))
    return datasets.Dataset.from_list(out)
