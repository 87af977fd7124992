"""Save and load a KnowledgeBase: ``embeddings.safetensors`` + ``index.json``; never pickle.

What makes a loaded index trustworthy is checked, not assumed: the folder format and the ftlab version
that wrote it, and the embedder — a probe sentence is embedded when saving and again when loading, and the
two vectors must agree. Vectors from another embedder live in another space: searching them with a
different query encoder returns confident nonsense, so that case is an error. Documents are stored in
the JSON, so a refused index can always be rebuilt (``rebuild=True``) — nothing is lost.

Example:
    >>> kb.save("artifacts/handbook-index"); kb2 = load_knowledge_base("artifacts/handbook-index", enc)  # doctest: +SKIP
"""
from __future__ import annotations

import json
import os
import tempfile
import warnings
from pathlib import Path
from typing import Optional

import numpy as np
from safetensors.numpy import load_file, save_file

from .chunking import Chunk
from .index import _PROBE, FORMAT, KnowledgeBase

INDEX_JSON, EMBEDDINGS = "index.json", "embeddings.safetensors"
PROBE_TOLERANCE = 1e-4  # same weights give the same probe vector up to float noise


def _ftlab_version() -> str:
    import ftlab

    return ftlab.__version__


def save_knowledge_base(kb: KnowledgeBase, directory: str) -> str:
    """Write ``kb`` to ``directory`` (created if missing; only ftlab's two files are written there).

    Returns:
        The directory path.
    """
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    meta = {"format": FORMAT, "ftlab_version": _ftlab_version(),
            "embedder": getattr(kb.embedder, "name", None) if kb.embedder is not None else None,
            "backend": kb.backend.config() if kb.backend is not None else {"name": "exact"},
            "chunk_tokens": kb.chunk_tokens, "overlap": kb.overlap, "max_len": kb.max_len,
            "documents": kb.documents, "chunks": [c.to_dict() for c in kb.chunks]}
    if kb.embeddings is not None:
        probe = kb._encode([_PROBE])[0]
        _atomic(path / EMBEDDINGS, lambda f: save_file({"embeddings": kb.embeddings, "probe": probe}, f))
    _atomic(path / INDEX_JSON, lambda f: Path(f).write_text(json.dumps(meta, ensure_ascii=False, indent=1)))
    return str(path)


def _atomic(target: Path, write) -> None:
    """Write to a temporary file in the same folder, then rename: a crash never leaves half an index."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def load_knowledge_base(directory: str, embedder=None, rebuild: bool = False) -> KnowledgeBase:
    """Load a saved knowledge base, checking format, ftlab version and embedder.

    Args:
        directory: what :func:`save_knowledge_base` wrote.
        embedder: the encoder the index was built with (needed for dense/hybrid search).
        rebuild: re-chunk and re-embed the stored documents instead of refusing a mismatched index.

    Raises:
        ValueError: no index there, another format or ftlab version, or another embedder (unless rebuild).
    """
    path = Path(directory)
    if not (path / INDEX_JSON).is_file():
        raise ValueError(f"{directory} holds no ftlab knowledge base ({INDEX_JSON} missing); save one with kb.save(path)")
    meta = json.loads((path / INDEX_JSON).read_text())
    problem = _mismatch(meta, path, embedder)
    if problem and not rebuild:
        raise ValueError(f"Refusing the index in {directory}: {problem}. Searching it could return wrong hits. "
                         "Load with rebuild=True to re-index its stored documents (nothing is lost)")
    docs = meta["documents"]
    if problem:
        return _restore_backend(KnowledgeBase.from_texts(
            [d["text"] for d in docs.values()], ids=list(docs), titles=[d["title"] for d in docs.values()],
            embedder=embedder, chunk_tokens=meta["chunk_tokens"], overlap=meta["overlap"], max_len=meta["max_len"]), meta)
    kb = KnowledgeBase(docs, embedder, meta["chunk_tokens"], meta["overlap"], meta["max_len"])
    kb.chunks = [Chunk(**c) for c in meta["chunks"]]
    if embedder is not None:
        kb.embeddings = load_file(str(path / EMBEDDINGS))["embeddings"]
    kb._reindex()  # BM25 is rebuilt from the stored chunks (deterministic, milliseconds)
    return _restore_backend(kb, meta)


def _restore_backend(kb: KnowledgeBase, meta: dict) -> KnowledgeBase:
    """Rebuild the saved search backend over the embeddings; exact search if its package is missing."""
    config = dict(meta.get("backend") or {"name": "exact"})  # indexes saved before backends: exact
    if kb.embeddings is None or config["name"] == "exact":
        return kb
    try:
        kb.use_backend(config.pop("name"), **config)
    except ImportError as err:  # exact search is always correct, only slower: load, and say so
        warnings.warn(f"{err}. This knowledge base was saved with it; it is loaded with exact search instead",
                      stacklevel=3)
    return kb


def _mismatch(meta: dict, path: Path, embedder) -> Optional[str]:
    """Why a stored index cannot be used with this ftlab and this embedder (None when it can)."""
    if meta.get("format") != FORMAT:
        return f"it has format {meta.get('format')!r}, this ftlab reads {FORMAT!r}"
    if meta.get("ftlab_version") != _ftlab_version():
        return f"it was written by ftlab {meta.get('ftlab_version')}, this is ftlab {_ftlab_version()}"
    if embedder is None:
        return None  # BM25-only use of any index is safe: it is rebuilt from the stored text
    if not (path / EMBEDDINGS).is_file():
        return f"it was saved without embeddings (embedder {meta.get('embedder')!r}), but an embedder was given"
    stored = load_file(str(path / EMBEDDINGS))
    probe = embedder.encode([_PROBE], max_len=meta["max_len"], normalize=True)[0]
    if stored["probe"].shape != probe.shape or float(np.abs(stored["probe"] - probe).max()) > PROBE_TOLERANCE:
        return (f"it was built with embedder {meta.get('embedder')!r}, whose vectors differ from those of "
                f"{getattr(embedder, 'name', type(embedder).__name__)!r}")
    return None
