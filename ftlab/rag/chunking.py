"""Split documents into retrieval chunks: a budget of tokens, an overlap, and whole sentences.

A chunk is what a retriever returns and what the answering model reads, so it should be a readable
passage: we pack whole sentences until the token budget is reached and start the next chunk with the
last sentences of the previous one (the overlap), so a fact that straddles a boundary is still found
in one piece. Every chunk keeps the id and title of its document, because evaluation asks "did the
retriever find the right *document*?" and answers cite chunk ids such as ``"hr-leave#0"``.

Example:
    >>> chunks = chunk_documents(["A b. C. D e."], ids=["d"], chunk_tokens=4, overlap=1)
    >>> [(c.id, c.text) for c in chunks]
    [('d#0', 'A b. C.'), ('d#1', 'C. D e.')]
"""
from __future__ import annotations

import re
import warnings
from dataclasses import asdict, dataclass
from typing import Callable, Optional, Sequence

# a sentence ends at . ! or ? followed by white space; abbreviations like "e.g. x" may split, which only
# makes a chunk boundary slightly earlier (never loses text)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Chunk:
    """One retrievable passage of a document."""

    id: str  # "<doc_id>#<n>"
    doc_id: str
    title: str
    text: str

    def to_dict(self) -> dict:
        return asdict(self)


def split_sentences(text: str) -> list[str]:
    """Sentences of a text (split after . ! ? and white space), stripped, empties dropped.

    Example:
        >>> split_sentences("Hi there. How are you?  Fine!")
        ['Hi there.', 'How are you?', 'Fine!']
    """
    return [s.strip() for s in _SENTENCE_END.split(text.strip()) if s.strip()]


def word_count(text: str) -> int:
    """The default token counter: white-space separated words (pass a tokenizer's counter for model tokens)."""
    return len(text.split())


def check_documents(texts: Sequence, ids: Optional[Sequence[str]], titles: Optional[Sequence[str]]):
    """Validate documents; return (texts, ids, titles) of the usable ones.

    Empty or non-string documents are skipped with a warning that names them and counts them; duplicate ids
    and mismatched lengths are errors (a duplicate id would make citations and gold ids ambiguous).

    Raises:
        ValueError: no documents, lengths that differ, duplicate ids, or no usable document at all.
    """
    texts = list(texts)
    if not texts:
        raise ValueError("The knowledge base got no documents; pass a non-empty list of texts")
    ids = [str(i) for i in ids] if ids is not None else [f"doc-{i}" for i in range(len(texts))]
    titles = list(titles) if titles is not None else [""] * len(texts)
    if not (len(ids) == len(texts) == len(titles)):
        raise ValueError(f"texts, ids and titles must have the same length; got {len(texts)}, {len(ids)}, {len(titles)}")
    seen, dups = set(), []
    for i in ids:
        (dups.append(i) if i in seen else seen.add(i))
    if dups:
        raise ValueError(f"Document ids must be unique; duplicated: {sorted(set(dups))[:10]}. Give each document its own id")
    bad = [i for i, t in zip(ids, texts) if not isinstance(t, str) or not t.strip()]
    if bad:
        warnings.warn(f"Skipped {len(bad)} empty or non-text document(s): ids {bad[:10]}; fix or remove them", stacklevel=3)
    keep = [j for j, i in enumerate(ids) if i not in set(bad)]
    if not keep:
        raise ValueError(f"Every document is empty or not text (ids {bad[:10]}); the knowledge base would be empty")
    return [texts[j] for j in keep], [ids[j] for j in keep], [str(titles[j] or "") for j in keep]


def _pieces(sentence: str, budget: int, count: Callable[[str], int]) -> list[str]:
    """A sentence longer than the budget is cut into word windows (the only place a sentence is split)."""
    if count(sentence) <= budget:
        return [sentence]
    words, out, cur = sentence.split(), [], []
    for w in words:
        if cur and count(" ".join(cur + [w])) > budget:
            out.append(" ".join(cur))
            cur = []
        cur.append(w)
    return out + ([" ".join(cur)] if cur else [])


def chunk_text(text: str, chunk_tokens: int = 128, overlap: int = 32,
               count: Callable[[str], int] = word_count) -> list[str]:
    """Pack whole sentences into chunks of at most ``chunk_tokens``; each next chunk repeats up to ``overlap``
    tokens of trailing sentences of the previous one.

    Example:
        >>> chunk_text("A b. C d. E f.", chunk_tokens=4, overlap=0)
        ['A b. C d.', 'E f.']
    """
    if not (isinstance(chunk_tokens, int) and chunk_tokens >= 1):
        raise ValueError(f"chunk_tokens must be an int >= 1; got {chunk_tokens!r}")
    if not (isinstance(overlap, int) and 0 <= overlap < chunk_tokens):
        raise ValueError(f"overlap must be an int in [0, chunk_tokens={chunk_tokens}); got {overlap!r}")
    sentences = [p for s in split_sentences(text) for p in _pieces(s, chunk_tokens, count)]
    chunks, cur = [], []
    for s in sentences:
        if cur and count(" ".join(cur + [s])) > chunk_tokens:
            chunks.append(" ".join(cur))
            carried = []  # trailing sentences that fit the overlap, and still leave room for s
            for prev in reversed(cur):
                if count(" ".join([prev] + carried + [s])) > chunk_tokens or count(" ".join([prev] + carried)) > overlap:
                    break
                carried.insert(0, prev)
            cur = carried
        cur.append(s)
    if cur:
        chunks.append(" ".join(cur))
    return chunks


def chunk_documents(texts: Sequence[str], ids: Optional[Sequence[str]] = None, titles: Optional[Sequence[str]] = None,
                    chunk_tokens: int = 128, overlap: int = 32, count: Callable[[str], int] = word_count) -> list[Chunk]:
    """Chunks of every usable document, in order, each with its document's id and title.

    Args:
        texts: the documents.
        ids: one unique id per document (default ``doc-0``, ``doc-1``, …).
        titles: optional titles, kept on every chunk (and shown to the answering model).
        chunk_tokens: most tokens per chunk, as counted by ``count``.
        overlap: tokens of trailing sentences repeated at the start of the next chunk.
        count: token counter; default counts words (pass ``lambda t: len(tok(t).input_ids)`` for model tokens).

    Example:
        >>> [c.id for c in chunk_documents(["Short doc."], ids=["a"])]
        ['a#0']
    """
    texts, ids, titles = check_documents(texts, ids, titles)
    out = []
    for text, doc_id, title in zip(texts, ids, titles):
        for n, piece in enumerate(chunk_text(text, chunk_tokens, overlap, count)):
            out.append(Chunk(f"{doc_id}#{n}", doc_id, title, piece))
    return out
