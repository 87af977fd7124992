"""Where a KnowledgeBase's dense vectors are searched: exact numpy (default), a faiss HNSW graph, or Qdrant.

The default is exact: one matrix product over every chunk, recall 1.0 and no extra dependency — a
handbook of a few thousand chunks searches in milliseconds. Two optional engines take over when a corpus
outgrows that, behind the same ``kb.search`` (hits with id, text, score):

* ``"faiss"`` — an approximate HNSW graph in memory (``pip install 'ftlab[ann]'``, faiss-cpu);
* ``"qdrant"`` — the Qdrant vector database through ``qdrant-client`` (``pip install 'ftlab[qdrant]'``).
  Embedded by default (``location=":memory:"``, or ``path="folder"`` to persist); the same client code
  talks to a server or cluster when given ``url="http://host:6333"`` instead — that is the one-line change.
  (Qdrant's embedded mode searches exactly; its HNSW index runs in the server.)

The knowledge base keeps its embeddings (saved in safetensors) as the source of truth; a backend is an
index over them, rebuilt when documents change or the knowledge base is loaded.

Example:
    >>> kb.use_backend("faiss", m=32, ef_search=64)                              # doctest: +SKIP
    >>> kb.use_backend("qdrant")                                   # embedded, in memory  # doctest: +SKIP
    >>> kb.use_backend("qdrant", url="http://localhost:6333")      # the same, on a server  # doctest: +SKIP
"""
from __future__ import annotations

import importlib
from typing import Optional

import numpy as np

EXTRAS = {"faiss": ("faiss", "pip install 'ftlab[ann]'  (or: pip install faiss-cpu)"),
          "qdrant": ("qdrant_client", "pip install 'ftlab[qdrant]'  (or: pip install qdrant-client)")}
BACKENDS = ("exact",) + tuple(EXTRAS)
DEFAULT_DEPTH = 100  # dense candidates an approximate backend returns for hybrid fusion


def require(name: str):
    """Import the optional package behind backend ``name``, or say which pip command installs it.

    Example:
        >>> require("faiss")  # doctest: +SKIP
    """
    module, command = EXTRAS[name]
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise ImportError(f"backend={name!r} needs the optional package {module!r}, which is not installed. "
                          f"Install it with: {command}; or keep the default backend='exact'") from err


class ExactBackend:
    """Every vector scored by one matrix product: the ground truth the others are measured against."""

    name = "exact"

    def __init__(self):
        self.vectors: Optional[np.ndarray] = None

    def build(self, vectors: np.ndarray) -> None:
        self.vectors = vectors  # (N, H), rows L2-normalized

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows and scores of the ``k`` nearest vectors by inner product, best first.  -> (k,), (k,)"""
        _check_dim(self, query, self.vectors.shape[1])
        scores = self.vectors @ query  # (N,)
        top = np.argpartition(-scores, min(k, len(scores)) - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return top, scores[top]

    def config(self) -> dict:
        return {"name": self.name}


class FaissBackend(ExactBackend):
    """faiss ``IndexHNSWFlat`` on inner products: approximate, sub-linear search in memory.

    Args:
        m: graph neighbours per node (more = better recall, more memory).
        ef_construction: breadth of the search while building (more = better graph, slower build).
        ef_search: breadth of the search per query (more = better recall, slower queries).
    """

    name = "faiss"

    def __init__(self, m: int = 32, ef_construction: int = 200, ef_search: int = 128):
        for key, value in {"m": m, "ef_construction": ef_construction, "ef_search": ef_search}.items():
            if not (isinstance(value, int) and value >= 2):
                raise ValueError(f"FaissBackend {key} must be an int >= 2; got {value!r}")
        self.faiss = require("faiss")
        self.m, self.ef_construction, self.ef_search = m, ef_construction, ef_search
        self.index = None

    def build(self, vectors: np.ndarray) -> None:
        index = self.faiss.IndexHNSWFlat(vectors.shape[1], self.m, self.faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = self.ef_construction
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        index.hnsw.efSearch = self.ef_search
        self.index = index

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        _check_dim(self, query, self.index.d)
        # ef below k would cap the results at ef; widen it for this query only
        self.index.hnsw.efSearch = max(self.ef_search, k)
        scores, rows = self.index.search(np.asarray(query, dtype=np.float32)[None], k)  # (1, k) each
        self.index.hnsw.efSearch = self.ef_search
        keep = rows[0] >= 0  # faiss pads with -1 when fewer than k are reachable
        return rows[0][keep], scores[0][keep]

    def config(self) -> dict:
        return {"name": self.name, "m": self.m, "ef_construction": self.ef_construction, "ef_search": self.ef_search}


class QdrantBackend(ExactBackend):
    """A Qdrant collection: embedded (``location=":memory:"`` or ``path=``) or a server (``url=``).

    Args:
        location: ":memory:" for an embedded in-process database (default when neither path nor url).
        path: a folder for an embedded database that persists.
        url: a Qdrant server or cluster, e.g. "http://localhost:6333" — the same code, scaled out.
        collection: the collection name; it is recreated from the knowledge base's vectors on build.
        api_key: for a server that needs one (never saved with the knowledge base).
    """

    name = "qdrant"

    def __init__(self, location: Optional[str] = None, path: Optional[str] = None, url: Optional[str] = None,
                 collection: str = "ftlab", api_key: Optional[str] = None):
        given = {k: v for k, v in {"location": location, "path": path, "url": url}.items() if v is not None}
        if len(given) > 1:
            raise ValueError(f"QdrantBackend takes one of location=, path= or url=; got {given}. Use location=':memory:' "
                             "or path= for the embedded database, url= for a server")
        self.qdrant = require("qdrant")
        self.where = given or {"location": ":memory:"}
        self.collection = collection
        self.client = self.qdrant.QdrantClient(**self.where, api_key=api_key)
        self.dim: Optional[int] = None

    def build(self, vectors: np.ndarray) -> None:
        models = self.qdrant.models
        if self.client.collection_exists(self.collection):
            self.client.delete_collection(self.collection)
        # DOT on normalized vectors = cosine, and equals the exact backend's scores
        self.client.create_collection(self.collection, vectors_config=models.VectorParams(
            size=vectors.shape[1], distance=models.Distance.DOT))
        self.client.upload_collection(self.collection, vectors=np.asarray(vectors, dtype=np.float32),
                                      ids=range(len(vectors)), batch_size=1024, wait=True)
        self.dim = vectors.shape[1]

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        _check_dim(self, query, self.dim)
        points = self.client.query_points(self.collection, query=np.asarray(query, dtype=np.float32).tolist(),
                                          limit=k, with_payload=False).points
        return np.array([p.id for p in points], dtype=np.int64), np.array([p.score for p in points])

    def config(self) -> dict:
        return {"name": self.name, **self.where, "collection": self.collection}

    def close(self) -> None:
        """Release the client (an embedded ``path=`` database is locked while a client holds it)."""
        self.client.close()


def _check_dim(backend, query: np.ndarray, dim: Optional[int]) -> None:
    if dim is None:
        raise ValueError(f"The {backend.name} backend has no vectors yet; build it (kb.use_backend does) first")
    if query.shape[-1] != dim:
        raise ValueError(f"The query vector has {query.shape[-1]} dimensions but the {backend.name} index holds "
                         f"{dim}-dimensional vectors: it was built by another embedder. Rebuild the knowledge base "
                         "with the embedder you query with")


def make_backend(name: str, vectors: Optional[np.ndarray], **options):
    """Build backend ``name`` ("exact", "faiss" or "qdrant") over ``vectors`` (N, H).

    Example:
        >>> b = make_backend("exact", np.eye(3, dtype=np.float32)); b.search(np.eye(3)[1], 1)[0].tolist()
        [1]
    """
    if name not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}; got {name!r}")
    if vectors is None:
        raise ValueError(f"backend={name!r} searches dense embeddings, but this knowledge base has none (BM25 only). "
                         "Build it with embedder=ftlab.load_model('minilm', task='regression')")
    cls = {"exact": ExactBackend, "faiss": FaissBackend, "qdrant": QdrantBackend}[name]
    try:
        backend = cls(**options)
    except TypeError as err:
        raise ValueError(f"backend={name!r} does not take {sorted(options)}: {err}. See help(ftlab.rag.backends."
                         f"{cls.__name__})") from err
    backend.build(vectors)
    return backend


def dense_scores(backend, query: np.ndarray, n: int, depth: int) -> np.ndarray:
    """An (N,) score array from a backend's top ``max(depth, 100)`` hits; rows it did not return score -inf.

    Example:
        >>> s = dense_scores(make_backend("exact", np.eye(200, dtype=np.float32)), np.eye(200)[7], 200, 10)
        >>> int(np.isfinite(s).sum()), int(s.argmax())
        (100, 7)
    """
    rows, scores = backend.search(query, min(max(depth, DEFAULT_DEPTH), n))
    out = np.full(n, -np.inf)
    out[rows] = scores
    return out
