"""ftlab.rag with the real chat model (slow): a changed document re-indexed changes the answer; RAG answers cite
the chunks they were given; the fine-tuning data masks the prompt and supervises the answer and end of turn."""
import pytest

import ftlab
import ftlab.rag as R

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def lm():
    return ftlab.load_model("smollm2-135m", task="causal-lm")


def test_a_changed_document_reindexed_changes_the_answer(lm):
    texts = {"buoy": "The Kestrel buoy runs for 19 days on one battery charge.",
             "pier": "The pier is 140 metres long and is used to launch boats."}
    kb = R.KnowledgeBase.from_texts(list(texts.values()), ids=list(texts), titles=["Kestrel buoy", "Pier"])
    system = R.RAG(kb, lm, k=1, method="bm25")
    q = "For how many days does the Kestrel buoy run on one battery charge?"
    before = system.answer(q)
    assert R.contains_gold(before.text, ["19"]) and before.sources == ["buoy#0"] and not before.abstained
    kb.update_document("buoy", "The Kestrel buoy runs for 26 days on one battery charge.")
    after = system.answer(q)
    assert R.contains_gold(after.text, ["26"]) and not R.contains_gold(after.text, ["19"])
    assert after.prompt_tokens > R.ClosedBook(lm).answer(q).prompt_tokens


def test_qa_training_data_supervises_only_the_answer_and_its_end_of_turn(lm):
    data = R.qa_training_data(lm, [{"question": "How long is the pier?", "answers": ["140 metres"]},
                                   {"question": "Unanswerable?", "answers": []}])
    assert len(data) == 1  # the unanswerable row has no target and is skipped
    ids, labels = data[0]["input_ids"], data[0]["labels"]
    supervised = [t for t, l in zip(ids, labels) if l != ftlab.IGNORE_INDEX]
    assert lm.tokenizer.decode(supervised) == "140 metres<|im_end|>"
    first = next(i for i, l in enumerate(labels) if l != ftlab.IGNORE_INDEX)  # one block: the answer, then nothing
    assert all(l != ftlab.IGNORE_INDEX for l in labels[first:first + len(supervised)])
    assert "How long is the pier?" in lm.tokenizer.decode(ids[:first])
    with pytest.raises(ValueError, match="no answerable rows"):
        R.qa_training_data(lm, [{"question": "x", "answers": []}])


def test_fine_tune_trains_a_fresh_copy_on_fixed_steps(lm):
    before = {n: p.detach().clone() for n, p in lm.module.named_parameters()}
    qa = R.training_questions(["pol-leave/0"])
    tuned, history = R.fine_tune(qa, train="top-1", lr=1e-4, steps=2, batch_size=2)
    assert tuned is not lm and tuned.trainable_groups() == ["layer.29", "head"]
    assert history.summary()["steps"] == 2
    assert all(p.equal(before[n]) for n, p in lm.module.named_parameters())  # the caller's model is untouched
    moved = [n for n, p in tuned.module.named_parameters() if not p.equal(before[n])]
    assert moved and all(".layers.29." in n or n == "model.norm.weight" for n in moved)
