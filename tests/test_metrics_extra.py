"""Calibration, error tables and similarity scores on constructed cases whose answers are known by hand."""
from __future__ import annotations

import subprocess
import sys

import datasets
import numpy as np
import pandas as pd
import pytest

import ftlab
from ftlab.metrics.calibration import expected_calibration_error, reliability_figure, reliability_table, table_ece
from ftlab.metrics.errors import error_table
from ftlab.metrics.similarity import cosine_similarities, similarity_scores

LABELS = ["neg", "neu", "pos"]


class StubModel:
    """Stands in for an FTModel: fixed outputs per text, so every expected number is known by hand."""

    def __init__(self, outputs: dict, task: str = "classification", labels=LABELS, vectors: dict | None = None):
        self.outputs, self.task, self.vectors = outputs, task, vectors or {}
        self.labels = labels if task == "classification" else None
        self.target_column = "label" if task == "classification" else "rating"

    def predict_outputs(self, texts, batch_size=64, max_len=128):
        return np.array([self.outputs[t] for t in texts], dtype=np.float32)

    def encode(self, texts, batch_size=64, max_len=128, normalize=True):
        v = np.array([self.vectors[t] for t in texts], dtype=np.float64)
        return v / np.linalg.norm(v, axis=1, keepdims=True) if normalize else v


# ---- calibration ------------------------------------------------------------------------------------
def test_ece_zero_when_confidence_matches_accuracy():
    probs = [[0.8, 0.2]] * 10
    assert expected_calibration_error(probs, [0] * 8 + [1] * 2) == pytest.approx(0.0, abs=1e-12)


def test_ece_of_an_overconfident_model():
    # always 90% sure, right half the time: gap 0.4 in the one filled bin
    probs = [[0.9, 0.05, 0.05]] * 4
    assert expected_calibration_error(probs, [0, 0, 1, 2]) == pytest.approx(0.4)


def test_ece_weights_bins_by_count():
    # bin (0.8, 0.9]: 2 examples, accuracy 0.5 (gap 0.4); bin (0.5, 0.6]: 2 examples, accuracy 1.0 (gap 0.4);
    # bin (0.9, 1.0]: 4 examples at 1.0, all right (gap 0): ECE = (2*0.4 + 2*0.4 + 4*0) / 8 = 0.2
    probs = [[0.9, 0.1], [0.9, 0.1], [0.6, 0.4], [0.4, 0.6], [1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]
    y = [0, 1, 0, 1, 0, 0, 1, 1]
    assert expected_calibration_error(probs, y) == pytest.approx(0.2)
    table = reliability_table(probs, y)
    assert table["count"].tolist() == [0, 0, 0, 0, 0, 2, 0, 0, 2, 4]
    assert table.loc[8, "accuracy"] == 0.5 and table.loc[8, "confidence"] == pytest.approx(0.9)
    assert table.loc[9, "accuracy"] == 1.0


def test_reliability_table_columns_bins_and_edges():
    probs = np.array([[0.3, 0.3, 0.4], [0.7, 0.2, 0.1], [0.5, 0.5, 0.0], [1 / 3, 1 / 3, 1 / 3]])
    table = reliability_table(probs, [2, 0, 1, 0], n_bins=10)
    assert list(table.columns) == ["bin", "confidence", "accuracy", "count"]
    assert len(table) == 10 and table["count"].sum() == 4
    bins = {iv: n for iv, n in zip(table["bin"].astype(str), table["count"])}
    # bins are (lo, hi]: 0.4 belongs to (0.3, 0.4], 0.5 to (0.4, 0.5], 0.7 to (0.6, 0.7], 1/3 to (0.3, 0.4]
    assert bins["(0.3, 0.4]"] == 2 and bins["(0.4, 0.5]"] == 1 and bins["(0.6, 0.7]"] == 1
    assert table["confidence"].isna().sum() == 7  # empty bins: no confidence, no accuracy
    # argmax picks the first of tied classes (0 for [0.5, 0.5, 0]); label 1 makes that row wrong
    assert table.loc[4, "accuracy"] == 0.0


def test_one_bin_is_the_overall_gap():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(200, 4)) * 3
    probs = ftlab.metrics.softmax(logits)
    y = rng.integers(0, 4, size=200)
    gap = abs((probs.argmax(1) == y).mean() - probs.max(1).mean())
    assert expected_calibration_error(probs, y, n_bins=1) == pytest.approx(gap)


def test_ece_matches_a_plain_loop():
    rng = np.random.default_rng(1)
    probs = ftlab.metrics.softmax(rng.normal(size=(500, 3)) * 2)
    y = rng.integers(0, 3, size=500)
    conf, correct = probs.max(1), probs.argmax(1) == y
    total = 0.0
    for k in range(15):
        lo, hi = k / 15, (k + 1) / 15
        inside = (conf > lo) & (conf <= hi)
        if inside.any():
            total += inside.sum() / len(y) * abs(correct[inside].mean() - conf[inside].mean())
    assert expected_calibration_error(probs, y, n_bins=15) == pytest.approx(total)
    assert 0.0 <= total <= 1.0


def test_binary_probabilities_as_one_column():
    p1 = np.array([0.9, 0.2, 0.6, 0.4])  # p(class 1): predictions 1, 0, 1, 0 with confidence 0.9, 0.8, 0.6, 0.6
    y = [1, 0, 0, 0]
    assert expected_calibration_error(p1, y) == pytest.approx(
        expected_calibration_error(np.stack([1 - p1, p1], 1), y))
    assert reliability_table(p1, y)["count"].sum() == 4


@pytest.mark.parametrize("probs, y, message", [
    ([[2.0, -1.0], [0.5, 0.5]], [0, 1], "logits"),
    ([[0.5, 0.5]], [0, 1], "shape"),
    ([[0.5, 0.5]], [2], "class ids"),
    (np.zeros((0, 2)), [], "at least one"),
])
def test_calibration_rejects_bad_input(probs, y, message):
    with pytest.raises(ValueError, match=message):
        expected_calibration_error(probs, y)


def test_bad_bin_count():
    with pytest.raises(ValueError, match="n_bins"):
        reliability_table([[1.0, 0.0]], [0], n_bins=0)


def test_reliability_figure_one_or_several_models():
    t1 = reliability_table([[0.9, 0.1]] * 4, [0, 0, 1, 1])
    t2 = reliability_table([[0.6, 0.4]] * 5, [0, 0, 0, 1, 1])
    fig = reliability_figure(t1)
    bars = [tr for tr in fig.data if tr.type == "bar"]
    assert len(bars) == 1 and list(bars[0].y) == [0.5] and "0.400" in bars[0].name
    fig = reliability_figure({"a": t1, "b": t2})
    names = [tr.name for tr in fig.data]
    assert names[0] == "perfect calibration"
    assert names[1].startswith("a (ECE 0.400") and names[2].startswith("b (ECE 0.000")
    assert table_ece(t2) == pytest.approx(0.0)


def test_core_does_not_import_plotly():
    code = ("import sys, ftlab.metrics.calibration, ftlab.metrics.errors, ftlab.metrics.similarity; "
            "print('plotly' in sys.modules, 'ipywidgets' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


# ---- error tables -----------------------------------------------------------------------------------
def _clf_case():
    probs = {"a": [0.7, 0.2, 0.1], "b": [0.1, 0.1, 0.8], "c": [0.2, 0.5, 0.3], "d": [0.05, 0.05, 0.9]}
    outputs = {t: np.log(p) for t, p in probs.items()}  # logits whose softmax is exactly p
    ds = datasets.Dataset.from_dict({"text": ["a", "b", "c", "d"], "label": [0, 0, 1, 2]})
    return StubModel(outputs), ds


def test_error_table_classification_by_hand():
    model, ds = _clf_case()
    t = error_table(model, ds)
    assert list(t.columns) == ["text", "true", "predicted", "confidence", "loss"]
    # -log p(true): a 0.357, b 2.303 (a confident mistake), c 0.693, d 0.105
    assert t["text"].tolist() == ["b", "c", "a", "d"] and t.index.tolist() == [1, 2, 0, 3]
    assert t.loc[1, "loss"] == pytest.approx(-np.log(0.1), rel=1e-5)
    assert (t.loc[1, "true"], t.loc[1, "predicted"], t.loc[1, "confidence"]) == ("neg", "pos", pytest.approx(0.8))
    assert t.index.name == "row"
    assert error_table(model, ds, top=2)["text"].tolist() == ["b", "c"]


def test_error_table_regression_uses_absolute_error():
    model = StubModel({"x": 1.0, "y": 2.0, "z": 5.0}, task="regression")
    ds = datasets.Dataset.from_dict({"text": ["x", "y", "z"], "rating": [1, 3, 2]})
    t = error_table(model, ds, top=None)
    assert list(t.columns) == ["text", "true", "predicted", "loss"]
    assert t["text"].tolist() == ["z", "y", "x"] and t["loss"].tolist() == [3.0, 1.0, 0.0]


def test_error_table_errors():
    model, ds = _clf_case()
    with pytest.raises(ValueError, match="needs column 'label'"):
        error_table(model, ds.remove_columns("label"))
    with pytest.raises(ValueError, match="top must be"):
        error_table(model, ds, top=0)


def test_error_table_on_a_real_model(tiny_model, toy_sentiment):
    t = error_table(tiny_model, toy_sentiment, top=None)
    assert len(t) == len(toy_sentiment) and t["loss"].is_monotonic_decreasing
    pred = tiny_model.predict(list(t["text"]))
    assert np.allclose(pred["confidence"], t["confidence"], atol=1e-5)
    assert (pred["label"].to_numpy() == t["predicted"].to_numpy()).all()


# ---- similarity -------------------------------------------------------------------------------------
def _pairs(scores):
    n = len(scores)
    return datasets.Dataset.from_dict({"sentence1": [f"s{i}" for i in range(n)],
                                       "sentence2": [f"t{i}" for i in range(n)], "score": scores})


def test_similarity_perfect_and_reversed_ranking():
    angles = np.array([1.2, 0.9, 0.5, 0.1])  # pair i: vectors at this angle apart -> cosine cos(angle), rising
    vectors = {f"s{i}": [1.0, 0.0] for i in range(4)} | {f"t{i}": [np.cos(a), np.sin(a)] for i, a in enumerate(angles)}
    model = StubModel({}, vectors=vectors)
    assert cosine_similarities(model, ["s0", "s3"], ["t0", "t3"]) == pytest.approx(np.cos([1.2, 0.1]))
    up = similarity_scores(model, _pairs([0.0, 1.0, 2.5, 5.0]))
    assert up["spearman"] == pytest.approx(1.0) and up["n"] == 4 and 0.9 < up["pearson"] < 1.0
    down = similarity_scores(model, _pairs([5.0, 4.0, 1.0, 0.0]))
    assert down["spearman"] == pytest.approx(-1.0)
    linear = similarity_scores(model, _pairs(list(5 * np.cos(angles))))
    assert linear["pearson"] == pytest.approx(1.0)


def test_similarity_column_names_and_errors():
    model = StubModel({}, vectors={"a": [1, 0], "b": [0, 1], "c": [1, 1]})
    data = {"q": ["a", "a", "b"], "d": ["a", "b", "c"], "human": [5.0, 0.0, 2.5]}
    assert similarity_scores(model, data, columns=("q", "d", "human"))["spearman"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="missing"):
        similarity_scores(model, data)
    with pytest.raises(ValueError, match="at least 3"):
        similarity_scores(model, {k: v[:2] for k, v in data.items()}, columns=("q", "d", "human"))


def test_head_only_training_keeps_similarity_exactly(toy_sentiment):
    from ftlab.train.cached_head import fit_head

    pairs = ftlab.load_dataset("similarity").select(range(40))
    model = ftlab.load_model("tiny-bert", task="classification", labels=["negative", "positive"])
    before = similarity_scores(model, pairs)
    model.freeze("head")
    fit_head(model, toy_sentiment, None, ftlab.TrainConfig(lr=1e-2, epochs=2, batch_size=16, progress="off"))
    assert similarity_scores(model, pairs) == before  # the trunk never changed


def test_lora_adapters_are_active_when_measuring(toy_sentiment):
    pairs = ftlab.load_dataset("similarity").select(range(40))
    model = ftlab.load_model("tiny-bert", task="classification", labels=["negative", "positive"])
    before = cosine_similarities(model, pairs["sentence1"], pairs["sentence2"])
    model.freeze("lora", r=4)
    ftlab.Trainer(ftlab.TrainConfig(lr=5e-2, max_steps=5, batch_size=16, progress="off")).fit(model, toy_sentiment)
    after = cosine_similarities(model, pairs["sentence1"], pairs["sentence2"])
    assert not np.allclose(before, after, atol=1e-6)  # trained adapters change the embeddings measured
