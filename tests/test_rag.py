"""ftlab.rag on a tiny hand-made corpus: chunking, BM25/dense/hybrid retrieval with known answers, save/load,
metrics against hand-computed values, and every bad input the issue lists."""
import json
import warnings

import pytest

import ftlab
import ftlab.rag as R

CORPUS = {
    "leave": ("Annual leave", "Every employee receives 27 days of paid annual leave. Unused days expire on 31 March."),
    "buoy": ("Kestrel buoy", "The Kestrel buoy measures wave height. It runs for 19 days on one battery charge."),
    "canteen": ("Canteen", "The canteen serves lunch from 11:30 to 14:00. Soup is free on Fridays."),
    "pier": ("The pier", "The pier is 140 metres long and is used to launch boats."),
}
QUERIES = {  # query -> the document that answers it
    "How many days of annual leave do employees get?": "leave",
    "How long does the Kestrel battery last?": "buoy",
    "When is lunch served in the canteen?": "canteen",
    "How long is the pier where boats are launched?": "pier",
}


def _kb(embedder=None, **options):
    ids = list(CORPUS)
    return R.KnowledgeBase.from_texts([CORPUS[i][1] for i in ids], ids=ids, titles=[CORPUS[i][0] for i in ids],
                                      embedder=embedder, **options)


@pytest.fixture(scope="module")
def minilm():
    return ftlab.load_model("minilm", task="regression")


# ---- chunking ---------------------------------------------------------------------------------------
def test_chunks_keep_whole_sentences_overlap_and_their_document():
    text = "Alpha beta gamma. Delta epsilon. Zeta eta theta iota. Kappa."
    chunks = R.chunk_documents([text], ids=["d1"], titles=["Greek"], chunk_tokens=6, overlap=2)
    assert [c.text for c in chunks] == ["Alpha beta gamma. Delta epsilon.", "Delta epsilon. Zeta eta theta iota.", "Kappa."]
    assert [c.id for c in chunks] == ["d1#0", "d1#1", "d1#2"]
    assert {c.doc_id for c in chunks} == {"d1"} and {c.title for c in chunks} == {"Greek"}


def test_a_sentence_longer_than_the_budget_is_cut_into_word_windows_without_losing_words():
    words = [f"w{i}" for i in range(10)]
    chunks = R.chunk_text(" ".join(words) + ".", chunk_tokens=4, overlap=0)
    assert " ".join(chunks).split() == words[:-1] + ["w9."] and all(len(c.split()) <= 4 for c in chunks)


def test_bad_chunk_settings_are_refused():
    with pytest.raises(ValueError, match="overlap must be"):
        R.chunk_text("A b.", chunk_tokens=4, overlap=4)
    with pytest.raises(ValueError, match="chunk_tokens must be"):
        R.chunk_text("A b.", chunk_tokens=0)


# ---- bad documents and queries ---------------------------------------------------------------------
def test_empty_knowledge_base_is_an_error():
    with pytest.raises(ValueError, match="no documents"):
        R.KnowledgeBase.from_texts([])


def test_empty_and_non_text_documents_are_skipped_with_their_ids_and_count():
    with pytest.warns(UserWarning, match=r"Skipped 2 empty or non-text document\(s\): ids \['b', 'c'\]"):
        kb = R.KnowledgeBase.from_texts(["Leave is 27 days.", "  ", None, "The pier is long."], ids=["a", "b", "c", "d"])
    assert sorted(kb.documents) == ["a", "d"]
    with pytest.raises(ValueError, match="Every document is empty"), pytest.warns(UserWarning, match="Skipped 2"):
        R.KnowledgeBase.from_texts(["", 3], ids=["x", "y"])


def test_duplicate_ids_are_refused():
    with pytest.raises(ValueError, match=r"duplicated: \['a'\]"):
        R.KnowledgeBase.from_texts(["Leave is 27 days.", "The pier is long."], ids=["a", "a"])


def test_k_larger_than_the_chunks_returns_all_with_a_warning():
    kb = _kb()
    with pytest.warns(UserWarning, match="k=10 is more than the 4 chunks"):
        hits = kb.search("pier", k=10, method="bm25")
    assert len(hits) == 4 and hits[0].doc_id == "pier" and [h.rank for h in hits] == [1, 2, 3, 4]


def test_bad_method_k_query_and_dense_without_embedder_are_clear_errors():
    kb = _kb()
    for call, match in [(lambda: kb.search("pier", k=1, method="sparse"), "method must be one of"),
                        (lambda: kb.search("pier", k=0), "k must be an int"),
                        (lambda: kb.search("  ", k=1), "non-empty string"),
                        (lambda: kb.search("pier", k=1, method="dense"), "no embedder")]:
        with pytest.raises(ValueError, match=match):
            call()


# ---- retrieval with known answers ---------------------------------------------------------------------
def test_bm25_finds_the_document_that_answers_each_query():
    kb = _kb()
    assert {q: kb.search(q, k=1, method="bm25")[0].doc_id for q in QUERIES} == QUERIES


@pytest.mark.slow
@pytest.mark.parametrize("method", ["dense", "hybrid"])
def test_dense_and_hybrid_find_the_document_that_answers_each_query(minilm, method):
    kb = _kb(minilm)
    assert {q: kb.search(q, k=1, method=method)[0].doc_id for q in QUERIES} == QUERIES
    assert kb.embeddings.shape == (4, 384)


@pytest.mark.slow
def test_hybrid_is_reciprocal_rank_fusion_of_the_two_rankings(minilm):
    kb, q = _kb(minilm), "lunch boats"
    ranks = {m: {h.id: h.rank for h in kb.search(q, k=4, method=m)} for m in ("dense", "bm25")}
    for h in kb.search(q, k=4, method="hybrid"):
        assert h.score == pytest.approx(1 / (60 + ranks["dense"][h.id]) + 1 / (60 + ranks["bm25"][h.id]))


@pytest.mark.slow
def test_a_query_longer_than_the_embedder_reads_is_truncated_with_a_warning(minilm):
    kb = _kb(minilm, max_len=32)
    with pytest.warns(UserWarning, match="it was truncated"):
        hits = kb.search("pier " * 40, k=1, method="dense")
    assert hits[0].doc_id == "pier"


# ---- save / load ---------------------------------------------------------------------------------------
@pytest.mark.slow
def test_saved_index_equals_the_rebuilt_one(minilm, tmp_path):
    kb = _kb(minilm)
    kb.save(tmp_path / "kb")
    assert sorted(p.name for p in (tmp_path / "kb").iterdir()) == ["embeddings.safetensors", "index.json"]
    loaded = R.KnowledgeBase.load(tmp_path / "kb", embedder=minilm)
    assert loaded.chunks == kb.chunks and (loaded.embeddings == kb.embeddings).all()
    for q in QUERIES:
        for m in R.METHODS:
            assert loaded.search(q, k=4, method=m) == kb.search(q, k=4, method=m)


@pytest.mark.slow
def test_an_index_from_another_embedder_is_refused_and_can_be_rebuilt(minilm, tmp_path):
    _kb(minilm).save(tmp_path / "kb")
    other = ftlab.load_model("tiny-bert", task="regression")
    with pytest.raises(ValueError, match="built with embedder 'minilm'.*rebuild=True"):
        R.KnowledgeBase.load(tmp_path / "kb", embedder=other)
    rebuilt = R.KnowledgeBase.load(tmp_path / "kb", embedder=other, rebuild=True)
    assert rebuilt.embeddings.shape[0] == 4 and rebuilt.embedder is other


def test_an_index_from_another_ftlab_version_or_format_is_refused(tmp_path):
    path = _kb().save(tmp_path / "kb")
    meta = json.loads((tmp_path / "kb" / "index.json").read_text())
    for key, value, match in [("ftlab_version", "0.0.1", "written by ftlab 0.0.1"),
                              ("format", "ftlab-rag-index/0", "format 'ftlab-rag-index/0'")]:
        (tmp_path / "kb" / "index.json").write_text(json.dumps({**meta, key: value}))
        with pytest.raises(ValueError, match=match):
            R.KnowledgeBase.load(path)
    with pytest.raises(ValueError, match="holds no ftlab knowledge base"):
        R.KnowledgeBase.load(tmp_path)


# ---- updates ---------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_updating_one_document_reembeds_only_its_chunks(minilm):
    kb = _kb(minilm)
    before = {c.id: v.copy() for c, v in zip(kb.chunks, kb.embeddings)}
    seconds = kb.update_document("buoy", "The Kestrel buoy now runs for 26 days on one battery charge.")
    assert seconds > 0 and "26 days" in kb.search("Kestrel battery", k=1, method="hybrid")[0].text
    after = {c.id: v for c, v in zip(kb.chunks, kb.embeddings)}
    assert all((after[i] == before[i]).all() for i in before if not i.startswith("buoy"))
    assert not (after["buoy#0"] == before["buoy#0"]).all()
    assert kb.embeddings.shape[0] == len(kb.chunks) == 4


# ---- metrics against hand-computed values ------------------------------------------------------------------
def test_answer_metrics_match_hand_computed_values():
    assert R.normalize_answer("The  Pier, (a) long one!") == "pier long one"
    assert R.exact_match("the 27 Days.", ["27 days"]) == 1.0 and R.exact_match("27", ["27 days"]) == 0.0
    # pred "27 working days" vs gold "27 days": overlap 2, precision 2/3, recall 1 -> F1 0.8
    assert R.token_f1("27 working days", ["twenty", "27 days"]) == pytest.approx(0.8)
    assert R.token_f1("nothing here", ["27 days"]) == 0.0
    assert R.contains_gold("Staff get 27 days of leave.", ["27 days"]) == 1.0
    assert R.contains_gold("Staff get 127 days.", ["27 days"]) == 0.0  # whole tokens, not substrings


def test_retrieval_metrics_match_hand_computed_values():
    assert R.recall_at_k(["a", "b", "c"], ["c", "d"], k=3) == 0.5
    assert R.recall_at_k(["a", "b", "c"], ["c", "d"], k=2) == 0.0
    assert R.reciprocal_rank(["a", "b", "c"], ["c", "b"]) == 0.5
    assert R.reciprocal_rank(["a"], ["z"]) == 0.0


def test_abstentions_are_recognized():
    for text in ["I don't know.", "I do not know", "Sorry, I'm not sure.", "That is not mentioned in the context.",
                 "I cannot answer that.", ""]:
        assert R.is_abstention(text), text
    for text in ["27 days", "I know: 27 days", "The pier is 140 metres long."]:
        assert not R.is_abstention(text), text


class CannedAnswers:
    """A system with fixed answers, so the aggregation of evaluate() can be checked by hand."""

    def __init__(self, texts):
        self.texts = texts

    def answer_many(self, questions, batch_size=8):
        return [R.Answer(t, [], R.is_abstention(t), prompt_tokens=10 * (i + 1), latency_s=0.5) for i, t in enumerate(self.texts)]


def test_evaluate_aggregates_hallucination_and_abstention_by_hand():
    qa = [{"question": "q1", "answers": ["27 days"]}, {"question": "q2", "answers": ["140 metres"]},
          {"question": "q3", "answers": ["Fenwick Hall"]}, {"question": "q4", "answers": []},
          {"question": "q5", "answers": []}]
    s = R.evaluate(CannedAnswers(["27 days", "It is 150 metres long", "I don't know.", "Probably 3 million", "I don't know"]), qa)
    assert s["n"] == 5 and s["n_answerable"] == 3
    assert s["exact_match"] == pytest.approx(1 / 3) and s["contains_gold"] == pytest.approx(1 / 3)
    # F1: 1.0, then "it is 150 metres long" vs "140 metres" = 2*(1/5*1/2)/(1/5+1/2) = 2/7, then 0
    assert s["f1"] == pytest.approx((1 + 2 / 7 + 0) / 3)
    assert s["abstention_rate"] == pytest.approx(2 / 5)
    assert s["hallucination_rate"] == pytest.approx(2 / 5)  # the wrong 150 metres + the answered unanswerable q4
    assert s["unanswerable_answered"] == pytest.approx(1 / 2)
    assert s["prompt_tokens"] == pytest.approx(30) and s["latency_s"] == pytest.approx(0.5)


def test_qa_sets_missing_the_gold_fields_a_metric_needs_are_refused():
    with pytest.raises(ValueError, match=r"needs the QA fields \['question', 'gold_doc_ids'\].*lack \['gold_doc_ids'\]"):
        R.evaluate_retrieval(_kb(), [{"question": "pier", "answers": ["140 metres"]}])
    with pytest.raises(ValueError, match=r"lack \['answers'\]"):
        R.evaluate(CannedAnswers(["x"]), [{"question": "pier"}])
    with pytest.raises(ValueError, match="empty QA set"):
        R.evaluate(CannedAnswers([]), [])


def test_evaluate_retrieval_on_the_tiny_corpus():
    qa = [{"question": q, "gold_doc_ids": [d]} for q, d in QUERIES.items()]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the search depth is capped at the corpus size: no k warning
        s = R.evaluate_retrieval(_kb(), qa, k=1, method="bm25")
    assert s["recall@1"] == 1.0 and s["mrr"] == 1.0 and s["n"] == 4 and s["search_ms"] > 0
