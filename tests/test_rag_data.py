"""The bundled handbook and its questions (gold ids exist, answers are in their documents, splits are disjoint),
the fine-tuning data built from them, the decision guide on every scenario card, and its panel."""
import pytest

import ftlab.rag as R
from ftlab.rag.metrics import normalize_answer


@pytest.fixture(scope="module")
def docs():
    return {d["id"]: d for d in R.load_handbook().to_list()}


@pytest.fixture(scope="module")
def questions():
    return R.load_questions().to_list()


def test_handbook_size_and_domains(docs, questions):
    assert len(docs) >= 50 and len(questions) >= 250
    assert {d["domain"] for d in docs.values()} == {"policies", "products", "people", "places", "procedures"}
    assert {q["kind"] for q in questions} == {"single", "exact", "multi", "unanswerable", "changed"}


def test_every_gold_doc_id_exists_and_every_single_fact_answer_is_in_its_document(docs, questions):
    v2 = {d["id"]: d for d in R.load_handbook(version=2).to_list()}
    for q in questions:
        assert all(g in docs for g in q["gold_doc_ids"]), q["id"]
        assert bool(q["answers"]) == (q["kind"] != "unanswerable") == bool(q["gold_doc_ids"]), q["id"]
        if q["kind"] in ("single", "exact", "changed"):
            text = normalize_answer((v2 if q["kind"] == "changed" else docs)[q["gold_doc_ids"][0]]["text"])
            assert normalize_answer(q["answers"][0]) in text, (q["id"], q["answers"][0])
        if q["kind"] == "changed":  # the new value is not in version 1: the old handbook cannot answer it
            assert normalize_answer(q["answers"][0]) not in normalize_answer(docs[q["gold_doc_ids"][0]]["text"])


def test_splits_are_disjoint_and_test_holds_paraphrases_and_unseen_facts(questions):
    by_split = {s: [q for q in questions if q["split"] == s] for s in R.handbook.SPLITS}
    texts = {s: {q["question"] for q in rows} for s, rows in by_split.items()}
    assert not (texts["train"] & texts["test"]) and not (texts["train"] & texts["changed"])
    assert len({q["id"] for q in questions}) == len(questions)
    trained_facts = {q["fact"] for q in by_split["train"]}
    test = by_split["test"]
    assert sum(q["fact"] in trained_facts for q in test) >= 30  # held-out paraphrases of trained facts
    assert sum(q["kind"] in ("single", "exact") and q["fact"] not in trained_facts for q in test) >= 30  # unseen
    assert all(q["fact_trained"] == (q["fact"] in trained_facts) for q in test)
    assert {q["gold_doc_ids"][0] for q in by_split["changed"]} == set(R.changed_documents()["id"])


def test_version_2_changes_only_the_changed_documents(docs):
    v2 = {d["id"]: d for d in R.load_handbook(version=2).to_list()}
    changed = set(R.changed_documents()["id"])
    assert {i for i in docs if docs[i]["text"] != v2[i]["text"]} == changed
    with pytest.raises(ValueError, match="version must be 1 or 2"):
        R.load_handbook(version=3)
    with pytest.raises(ValueError, match="split must be one of"):
        R.load_questions("validation")


def test_bm25_retrieves_most_gold_documents_of_the_handbook():
    kb = R.KnowledgeBase.from_dataset(R.load_handbook())
    scores = R.evaluate_retrieval(kb, R.load_questions("test"), k=3, method="bm25")
    assert scores["recall@3"] > 0.7 and scores["n"] == len(R.load_questions("test")) - 20


# ---- decision guide --------------------------------------------------------------------------------------
@pytest.mark.parametrize("card", R.SCENARIOS, ids=[c["title"] for c in R.SCENARIOS])
def test_the_guide_agrees_with_every_scenario_card_and_says_why(card):
    decision = R.decide(**card["answers"])
    assert decision.recommendation == card["expected"]
    criteria = {r.criterion for r in decision.reasons}
    assert set(card["criteria"]) <= criteria, (card["criteria"], criteria)
    assert all(r.why for r in decision.reasons) and card["expected"] in decision.to_markdown()


def test_the_guide_quotes_measured_numbers_and_refuses_bad_answers():
    measured = {"update_rag_s": 0.12, "train_s": 95.0, "changed_rag": 0.8, "changed_ft": 0.1}
    d = R.decide(True, 1, False, "facts", 0, measured=measured)
    assert "re-index 0.12 s vs retraining 95 s" in d.to_markdown() and "RAG 80% vs fine-tuned 10%" in d.to_markdown()
    assert "Measured" not in R.decide(True, 1, False, "facts", 0).to_markdown()
    with pytest.raises(ValueError, match="gap must be one of"):
        R.decide(True, 1, False, "vibes", 0)
    with pytest.raises(ValueError, match="sources must be an int >= 0; got -1"):
        R.decide(True, -1, False, "facts", 0)


def test_decision_guide_panel_calls_decide_and_has_a_static_fallback():
    from ftlab.widgets import DecisionGuide

    guide = DecisionGuide(gap="facts", knowledge_changes_often=True)
    assert guide.decision.recommendation == "rag" and "Recommendation: rag" in guide.result.value
    guide.changes.value, guide.gap.value, guide.examples.value = False, "behaviour", 5000
    assert guide.decision.recommendation == "fine-tune" and "Recommendation: fine-tune" in guide.result.value
    assert guide.decision == R.decide(**guide.answers())
    static = guide.to_html()
    assert "Recommendation: fine-tune" in static and all(c["title"] in static for c in R.SCENARIOS)
    assert guide.output.outputs == ()


def test_training_questions_pick_facts_and_wordings(questions):
    train = [q for q in questions if q["split"] == "train"]
    facts = sorted({q["fact"] for q in train})[:3]
    both = R.training_questions(facts).to_list()
    one = R.training_questions(facts, phrasings=1).to_list()
    assert {q["fact"] for q in both} == set(facts) and {q["fact"] for q in one} == set(facts)
    assert len(one) == 3 and len(both) == sum(q["fact"] in facts for q in train) > len(one)
    assert all(q in both for q in one)  # the first wording of each fact is kept
    assert len(R.training_questions()) == len(train)
    with pytest.raises(ValueError, match="have no training questions"):
        R.training_questions(["no-such-fact/0"])
    with pytest.raises(ValueError, match="phrasings must be"):
        R.training_questions(facts, phrasings=0)
