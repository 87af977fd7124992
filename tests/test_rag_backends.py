"""ftlab.rag's optional search backends (faiss HNSW, Qdrant embedded) against the exact default, on real
MiniLM embeddings of a tiny corpus: same top hits, saved and loaded, kept in step with document updates,
and every mismatch refused with a clear message. Backend tests skip only when their package is missing
(`make install` installs both through the dev extra, so CI runs them)."""
import sys
import warnings

import numpy as np
import pytest

import ftlab
import ftlab.rag as R
from ftlab.rag import backends as B

CORPUS = {
    "leave": ("Annual leave", "Every employee receives 27 days of paid annual leave. Unused days expire on 31 March."),
    "buoy": ("Kestrel buoy", "The Kestrel buoy measures wave height. It runs for 19 days on one battery charge."),
    "canteen": ("Canteen", "The canteen serves lunch from 11:30 to 14:00. Soup is free on Fridays."),
    "pier": ("The pier", "The pier is 140 metres long and is used to launch boats."),
    "parking": ("Parking", "Staff park behind the lab. Visitors get a permit from reception."),
    "fire": ("Fire drill", "A fire drill takes place every second Tuesday. Meet at the flagpole."),
}
QUERIES = ["How many days of annual leave do employees get?", "How long does the Kestrel battery last?",
           "When is lunch served?", "Where do visitors park?", "where do we gather when the alarm rings"]
PACKAGE = {"faiss": "faiss", "qdrant": "qdrant_client"}


def _needs(name):
    """Skip (with the reason) only when the optional package is missing."""
    if name != "exact":
        pytest.importorskip(PACKAGE[name], reason=f"{PACKAGE[name]} not installed: {B.EXTRAS[name][1]}")


@pytest.fixture(scope="module")
def minilm():
    return ftlab.load_model("minilm", task="regression")


def _kb(embedder):
    ids = list(CORPUS)
    return R.KnowledgeBase.from_texts([CORPUS[i][1] for i in ids], ids=ids, titles=[CORPUS[i][0] for i in ids],
                                      embedder=embedder)


def _ranking(kb, query, method, k=4):
    return [(h.id, round(h.score, 4)) for h in kb.search(query, k=k, method=method)]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["faiss", "qdrant"])
def test_backend_returns_the_exact_top_hits_and_scores(minilm, name):
    _needs(name)
    kb = _kb(minilm)
    expected = {(q, m): _ranking(kb, q, m) for q in QUERIES for m in ("dense", "hybrid")}
    kb.use_backend(name)
    assert kb.backend.name == name
    for (q, m), want in expected.items():
        assert _ranking(kb, q, m) == want, (q, m)
    kb.use_backend("exact")
    assert kb.backend is None and _ranking(kb, QUERIES[0], "dense") == expected[(QUERIES[0], "dense")]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["faiss", "qdrant"])
def test_a_backend_is_saved_and_restored_on_load(minilm, tmp_path, name):
    _needs(name)
    options = {"path": str(tmp_path / "qdrant")} if name == "qdrant" else {"m": 8, "ef_search": 16}
    kb = _kb(minilm).use_backend(name, **options)
    want = [_ranking(kb, q, "hybrid") for q in QUERIES]
    kb.save(tmp_path / "kb")
    if name == "qdrant":
        kb.backend.close()  # an embedded Qdrant folder admits one client at a time
    loaded = R.KnowledgeBase.load(tmp_path / "kb", embedder=minilm)
    assert loaded.backend.config() == {"name": name, **options, **({"collection": "ftlab"} if name == "qdrant" else
                                                                   {"ef_construction": 200})}
    assert [_ranking(loaded, q, "hybrid") for q in QUERIES] == want


@pytest.mark.slow
@pytest.mark.parametrize("name", ["faiss", "qdrant"])
def test_an_updated_document_is_found_through_the_backend(minilm, name):
    _needs(name)
    kb = _kb(minilm).use_backend(name)
    kb.update_document("pier", "The harbour crane lifts 12 tonnes and is serviced each spring.", title="Crane")
    hits = kb.search("how heavy a load can the crane lift", k=1, method="dense")
    assert hits[0].doc_id == "pier" and "12 tonnes" in hits[0].text
    assert len(kb.search("crane", k=len(kb), method="dense")) == len(kb.chunks)


@pytest.mark.slow
def test_a_saved_backend_whose_package_is_missing_loads_with_exact_search_and_says_so(minilm, tmp_path, monkeypatch):
    _needs("faiss")
    kb = _kb(minilm).use_backend("faiss")
    want = _ranking(kb, QUERIES[1], "dense")
    kb.save(tmp_path / "kb")
    monkeypatch.setitem(sys.modules, "faiss", None)  # what `import faiss` sees when faiss-cpu is not installed
    with pytest.warns(UserWarning, match=r"pip install 'ftlab\[ann\]'.*loaded with exact search instead"):
        loaded = R.KnowledgeBase.load(tmp_path / "kb", embedder=minilm)
    assert loaded.backend is None and _ranking(loaded, QUERIES[1], "dense") == want


def test_a_missing_package_names_the_pip_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "faiss", None)
    monkeypatch.setitem(sys.modules, "qdrant_client", None)
    vectors = np.eye(3, dtype=np.float32)
    with pytest.raises(ImportError, match=r"backend='faiss' needs .*pip install 'ftlab\[ann\]'"):
        B.make_backend("faiss", vectors)
    with pytest.raises(ImportError, match=r"backend='qdrant' needs .*pip install 'ftlab\[qdrant\]'"):
        B.make_backend("qdrant", vectors)


def test_bad_backend_choices_are_refused_clearly():
    vectors = np.eye(3, dtype=np.float32)
    with pytest.raises(ValueError, match=r"backend must be one of \('exact', 'faiss', 'qdrant'\); got 'annoy'"):
        B.make_backend("annoy", vectors)
    with pytest.raises(ValueError, match="has none \\(BM25 only\\)"):
        R.KnowledgeBase.from_texts(["Cats purr."], ids=["cat"]).use_backend("faiss")
    with pytest.raises(ValueError, match=r"backend='exact' does not take \['m'\]"):
        B.make_backend("exact", vectors, m=8)


@pytest.mark.parametrize("name", ["faiss", "qdrant"])
def test_backend_options_and_dimensions_are_checked(name):
    _needs(name)
    vectors = np.eye(4, dtype=np.float32)
    if name == "faiss":
        with pytest.raises(ValueError, match="m must be an int >= 2; got 0"):
            B.make_backend("faiss", vectors, m=0)
    else:
        with pytest.raises(ValueError, match="one of location=, path= or url="):
            B.make_backend("qdrant", vectors, path="x", url="http://localhost:6333")
    backend = B.make_backend(name, vectors)
    assert backend.search(vectors[2], 1)[0].tolist() == [2]
    with pytest.raises(ValueError, match="query vector has 3 dimensions but the .* holds 4-dimensional .* another embedder"):
        backend.search(np.ones(3, dtype=np.float32), 1)


@pytest.mark.slow
def test_an_index_saved_with_a_backend_refuses_another_embedder(minilm, tmp_path):
    _needs("faiss")
    _kb(minilm).use_backend("faiss").save(tmp_path / "kb")
    other = ftlab.load_model("tiny-bert", task="regression")
    with pytest.raises(ValueError, match="Refusing the index .* built with embedder"):
        R.KnowledgeBase.load(tmp_path / "kb", embedder=other)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tiny-bert's short max length: a truncation warning is expected
        rebuilt = R.KnowledgeBase.load(tmp_path / "kb", embedder=other, rebuild=True)
    assert rebuilt.backend.name == "faiss" and rebuilt.backend.index.d == rebuilt.embeddings.shape[1]
