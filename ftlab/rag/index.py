"""KnowledgeBase: chunks of your documents, searchable by meaning (dense), by words (BM25) or both (hybrid).

* **dense**: the ``minilm`` encoder's normalized mean-pooled embeddings; a query's score is its dot product
  with every chunk (exact search: a few thousand chunks take milliseconds on a CPU, and recall is 1.0 —
  an approximate index only pays off far beyond the size of a handbook);
* **bm25**: `bm25s <https://github.com/xhluca/bm25s>`_ scores (a maintained library, not a hand-written one);
* **hybrid**: reciprocal rank fusion of the two rankings, ``sum 1 / (60 + rank)`` (Cormack et al. 2009).

Saved as a folder: ``embeddings.safetensors`` plus ``index.json`` (chunks, documents, settings) — no pickle,
so loading an index never runs code. The embedder is checked on load (a probe sentence's vector must
match), so an index built by another model is refused instead of silently returning wrong hits.

Example:
    >>> kb = KnowledgeBase.from_texts(["Cats purr.", "Dogs bark."], ids=["cat", "dog"])  # BM25 only
    >>> kb.search("which animal can bark", k=1, method="bm25")[0].doc_id
    'dog'
"""
from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import Optional, Sequence

import bm25s
import numpy as np

from .chunking import Chunk, chunk_documents, check_documents, word_count

METHODS = ("dense", "bm25", "hybrid")
FORMAT = "ftlab-rag-index/1"  # bump when the saved layout changes; older folders are refused with advice
RRF_K = 60  # reciprocal rank fusion constant (Cormack et al. 2009)
_PROBE = "ftlab embedder check: the quick brown fox jumps over the lazy dog."


@dataclass(frozen=True)
class Hit:
    """One search result: the chunk, its score under the method used, and its rank (1 = best)."""

    id: str
    doc_id: str
    title: str
    text: str
    score: float
    rank: int


class KnowledgeBase:
    """Documents cut into chunks, with a BM25 index and (given an encoder) dense embeddings.

    Build with :meth:`from_texts` or :meth:`from_dataset`; search with :meth:`search`; change one document
    with :meth:`update_document`; keep with :meth:`save` / :meth:`load`.
    """

    def __init__(self, documents: dict, embedder=None, chunk_tokens: int = 128, overlap: int = 32, max_len: int = 256):
        self.documents = documents  # doc_id -> {"title", "text"}
        self.embedder = embedder
        self.chunk_tokens, self.overlap, self.max_len = chunk_tokens, overlap, max_len
        self.chunks: list[Chunk] = []
        self.embeddings: Optional[np.ndarray] = None  # (N, H) float32, rows L2-normalized
        self._bm25 = None
        self.backend = None  # None = exact numpy search; an ANN or Qdrant index after use_backend()

    # ---- building ---------------------------------------------------------------------------------
    @classmethod
    def from_texts(cls, texts: Sequence[str], ids: Optional[Sequence[str]] = None, titles: Optional[Sequence[str]] = None,
                   embedder=None, chunk_tokens: int = 128, overlap: int = 32, max_len: int = 256) -> "KnowledgeBase":
        """Chunk and index documents.

        Args:
            texts: the documents; empty or non-text ones are skipped with a warning naming their ids.
            ids: unique document ids (gold ids in a QA set refer to these); default ``doc-0``, ….
            titles: optional titles, kept on every chunk.
            embedder: an encoder FTModel for dense/hybrid search, e.g. ``ftlab.load_model("minilm",
                task="regression")`` (its head is unused); None = BM25 only.
            chunk_tokens, overlap: chunk size and overlap in the embedder's tokens (words without one).
            max_len: longest input the embedder reads; longer queries are truncated with a warning.

        Example:
            >>> KnowledgeBase.from_texts(["Leave is 25 days."], ids=["x"]).chunks[0].id
            'x#0'
        """
        texts, ids, titles = check_documents(texts, ids, titles)
        docs = {i: {"title": t, "text": x} for x, i, t in zip(texts, ids, titles)}
        kb = cls(docs, embedder, chunk_tokens, overlap, max_len)
        kb.chunks = kb._chunk(list(docs))
        kb._reindex()
        return kb

    @classmethod
    def from_dataset(cls, dataset, text_column: str = "text", id_column: str = "id", title_column: Optional[str] = "title",
                     **options) -> "KnowledgeBase":
        """Build from a ``datasets.Dataset`` (or anything with columns), e.g. ``ftlab.load_dataset("handbook")``.

        Example:
            >>> kb = KnowledgeBase.from_dataset(ftlab.load_dataset("handbook"), embedder=enc)  # doctest: +SKIP
        """
        cols = list(dataset.column_names)
        missing = [c for c in (text_column, id_column) if c not in cols]
        if missing:
            raise ValueError(f"from_dataset needs columns {missing}; the data has {cols}. Name yours with "
                             f"text_column=/id_column= (title_column=None if there are no titles)")
        titles = dataset[title_column] if title_column and title_column in cols else None
        return cls.from_texts(dataset[text_column], ids=dataset[id_column], titles=titles, **options)

    def _count(self, text: str) -> int:
        tok = getattr(self.embedder, "tokenizer", None)
        return word_count(text) if tok is None else len(tok(text, add_special_tokens=False)["input_ids"])

    def _chunk(self, doc_ids: list[str]) -> list[Chunk]:
        docs = [self.documents[i] for i in doc_ids]
        return chunk_documents([d["text"] for d in docs], doc_ids, [d["title"] for d in docs],
                               self.chunk_tokens, self.overlap, self._count)

    def _passage(self, c: Chunk) -> str:
        return f"{c.title}. {c.text}" if c.title else c.text  # the title helps both retrievers

    def _reindex(self, embed_rows=()) -> None:
        """BM25 is rebuilt whole (milliseconds); only new rows are embedded (the expensive part)."""
        passages = [self._passage(c) for c in self.chunks]
        self._bm25 = bm25s.BM25()
        self._bm25.index(bm25s.tokenize(passages, stopwords="en", show_progress=False), show_progress=False)
        if self.embedder is None:
            return
        if self.embeddings is None:  # first build: embed everything
            self.embeddings = self._encode(passages)
        elif rows := list(embed_rows):
            self.embeddings[rows] = self._encode([passages[r] for r in rows])
        if self.backend is not None:  # the index follows the embeddings (rebuilt: rows may have moved)
            self.backend.build(self.embeddings)

    def _encode(self, texts: list[str]) -> np.ndarray:
        return self.embedder.encode(texts, batch_size=32, max_len=self.max_len, normalize=True).astype(np.float32)

    # ---- changing ----------------------------------------------------------------------------------
    def update_document(self, doc_id: str, text: str, title: Optional[str] = None) -> float:
        """Replace (or add) one document and re-index only its chunks. Returns the seconds it took.

        This is RAG's update path: a changed fact is searchable again after one document is re-embedded,
        with no training.

        Example:
            >>> kb = KnowledgeBase.from_texts(["Old fact."], ids=["a"]); s = kb.update_document("a", "New fact.")
            >>> kb.chunks[0].text
            'New fact.'
        """
        start = time.perf_counter()
        check_documents([text], [doc_id], [title or ""])
        old_title = self.documents.get(doc_id, {}).get("title", "")
        self.documents[doc_id] = {"title": old_title if title is None else title, "text": text}
        keep = [(c, None if self.embeddings is None else self.embeddings[n]) for n, c in enumerate(self.chunks)
                if c.doc_id != doc_id]
        fresh = self._chunk([doc_id])
        self.chunks = [c for c, _ in keep] + fresh
        if self.embeddings is not None:
            self.embeddings = np.stack([v for _, v in keep] + [np.zeros_like(keep[0][1])] * len(fresh)) \
                if keep else None
        self._reindex(embed_rows=range(len(keep), len(self.chunks)))
        return time.perf_counter() - start

    # ---- searching ---------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.chunks)

    def search(self, query: str, k: int = 5, method: Optional[str] = None) -> list[Hit]:
        """The ``k`` best chunks for a query, best first.

        Args:
            query: the question or search words.
            k: how many hits; more than the number of chunks returns them all, with a warning.
            method: "dense" (embeddings), "bm25" (words) or "hybrid" (reciprocal rank fusion of both);
                default: hybrid with an embedder, bm25 without.

        Example:
            >>> kb.search("how many leave days", k=3, method="hybrid")[0].doc_id  # doctest: +SKIP
            'hr-leave'
        """
        k = self._check_k(k)
        scores = self.scores(query, method, k=k)
        order = np.argsort(-scores, kind="stable")[:k]
        return [Hit(c.id, c.doc_id, c.title, c.text, float(scores[j]), r + 1)
                for r, j in enumerate(order) for c in [self.chunks[j]]]

    def scores(self, query: str, method: Optional[str] = None, k: int = 0) -> np.ndarray:
        """One score per chunk (higher = better) under ``method`` (default as in :meth:`search`).  -> (N,)

        With an approximate backend, dense scores exist for its top ``max(k, 100)`` chunks only; the rest
        are -inf and add nothing to a hybrid fusion.
        """
        method = method or ("hybrid" if self.embeddings is not None else "bm25")
        if not isinstance(query, str) or not query.strip():
            raise ValueError(f"The query must be a non-empty string; got {query!r:.80}")
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}; got {method!r}")
        if method != "bm25" and self.embeddings is None:
            raise ValueError(f"method={method!r} needs dense embeddings, but this knowledge base has no embedder. "
                             "Build it with embedder=ftlab.load_model('minilm', task='regression'), or use method='bm25'")
        if method == "bm25":
            return self._bm25_scores(query)
        if method == "dense":
            return self._dense_scores(query, k)
        fused = np.zeros(len(self.chunks))
        for s in (self._dense_scores(query, k), self._bm25_scores(query)):
            ranks = np.empty(len(s), int)
            ranks[np.argsort(-s, kind="stable")] = np.arange(1, len(s) + 1)
            fused += np.where(np.isfinite(s), 1.0 / (RRF_K + ranks), 0.0)
        return fused

    def _bm25_scores(self, query: str) -> np.ndarray:
        words = bm25s.tokenize([query], stopwords="en", return_ids=False, show_progress=False)[0]
        if not words:  # only stop words: BM25 has nothing to match (bm25s would fail on an empty list)
            return np.zeros(len(self.chunks))
        return np.asarray(self._bm25.get_scores(words), dtype=np.float64)

    def _dense_scores(self, query: str, k: int = 0) -> np.ndarray:
        n_tokens = len(self.embedder.tokenizer(query)["input_ids"])
        if n_tokens > self.max_len:
            warnings.warn(f"The query has {n_tokens} tokens; the embedder reads {self.max_len}, so it was truncated. "
                          "Shorten the query, or build the knowledge base with a larger max_len", stacklevel=4)
        q = self._encode([query])[0]  # (H,)
        if self.backend is not None:
            from .backends import dense_scores

            return dense_scores(self.backend, q, len(self.chunks), k)
        return q @ self.embeddings.T  # cosine: both sides are normalized  (N,)

    def use_backend(self, name: str = "exact", **options) -> "KnowledgeBase":
        """Search dense vectors with "exact" (default), "faiss" (HNSW) or "qdrant"; see :mod:`ftlab.rag.backends`.

        Example:
            >>> kb.use_backend("qdrant", url="http://localhost:6333").search("leave days")  # doctest: +SKIP
        """
        from .backends import make_backend

        if hasattr(self.backend, "close"):  # an embedded Qdrant folder stays locked while a client holds it
            self.backend.close()
        self.backend = None  # exact until the new index is built: a failed build never leaves a broken one
        backend = make_backend(name, self.embeddings, **options)
        self.backend = None if backend.name == "exact" else backend  # exact = the built-in matrix product
        return self

    def _check_k(self, k) -> int:
        if not (isinstance(k, int) and k >= 1):
            raise ValueError(f"k must be an int >= 1; got {k!r}")
        if k > len(self.chunks):
            warnings.warn(f"k={k} is more than the {len(self.chunks)} chunks in the knowledge base; "
                          f"returning all {len(self.chunks)}", stacklevel=3)
        return min(k, len(self.chunks))

    def __repr__(self) -> str:
        emb = getattr(self.embedder, "name", None) or "none (BM25 only)"
        return f"KnowledgeBase({len(self.documents)} documents, {len(self.chunks)} chunks, embedder={emb})"

    # ---- keeping -----------------------------------------------------------------------------------
    def save(self, directory: str) -> str:
        """Save to a folder (safetensors + JSON, no pickle). See :func:`ftlab.rag.load_knowledge_base`."""
        from .store import save_knowledge_base

        return save_knowledge_base(self, directory)

    @classmethod
    def load(cls, directory: str, embedder=None, rebuild: bool = False) -> "KnowledgeBase":
        """Load a saved index; refuses one from another embedder or ftlab version unless ``rebuild=True``."""
        from .store import load_knowledge_base

        return load_knowledge_base(directory, embedder, rebuild)
