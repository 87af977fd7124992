"""Zero-shot classification by nearest label description: real pretrained MiniLM, clear input errors."""
import numpy as np
import pytest

import ftlab


@pytest.fixture(scope="module")
def minilm():
    return ftlab.load_model("minilm", task="classification", labels=["negative", "positive"])


def test_pretrained_trunk_separates_obvious_sentiment_without_training(minilm):
    texts = ["Awful, it broke on the first day and I want my money back.",
             "Wonderful, it works perfectly and I love it."]
    descriptions = {"negative": ["A negative review: the customer is unhappy."],
                    "positive": "A positive review: the customer is happy."}
    scores = ftlab.zero_shot_scores(minilm, texts, descriptions)
    assert scores.shape == (2, 2) and np.all(np.abs(scores) <= 1 + 1e-5)  # cosines
    assert ftlab.zero_shot_predict(minilm, texts, descriptions).tolist() == [0, 1]
    # the labels argument orders the columns, so column j is label id j of the dataset
    flipped = ftlab.zero_shot_predict(minilm, texts, descriptions, labels=["positive", "negative"])
    assert flipped.tolist() == [1, 0]


def test_bad_descriptions_say_what_is_wrong(minilm):
    with pytest.raises(ValueError, match="non-empty dict"):
        ftlab.zero_shot_predict(minilm, ["x"], ["a bad review", "a good review"])
    with pytest.raises(ValueError, match=r"every label exactly once.*neutral"):
        ftlab.zero_shot_predict(minilm, ["x"], {"negative": "bad", "positive": "good"},
                                labels=["negative", "neutral", "positive"])
    with pytest.raises(ValueError, match="'positive' needs at least one non-empty description"):
        ftlab.zero_shot_predict(minilm, ["x"], {"negative": "bad", "positive": []})
