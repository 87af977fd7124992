"""ErrorBrowser without a browser: set the filters' .value and check the rows shown (live and static)."""
from __future__ import annotations

import logging

import datasets
import numpy as np
import pytest

import ftlab
from ftlab.widgets._common import output_text
from ftlab.widgets.error_browser import ANY, ErrorBrowser

LABELS = ["neg", "neu", "pos"]
# text -> (probabilities, true label id); loss = -log p(true)
CASES = {
    "a": ([0.70, 0.20, 0.10], 0),  # right, 0.70 sure          loss 0.36
    "b": ([0.10, 0.10, 0.80], 0),  # neg read as pos, 0.80 sure loss 2.30
    "c": ([0.20, 0.50, 0.30], 1),  # right, 0.50 sure          loss 0.69
    "d": ([0.05, 0.05, 0.90], 2),  # right, 0.90 sure          loss 0.11
    "e": ([0.60, 0.30, 0.10], 1),  # neu read as neg, 0.60     loss 1.20
    "f": ([0.15, 0.05, 0.80], 1),  # neu read as pos, 0.80     loss 3.00
}


class StubModel:
    """Fixed outputs per text, so the expected rows are known by hand."""

    def __init__(self, outputs, task="classification"):
        self.outputs, self.task = outputs, task
        self.labels = LABELS if task == "classification" else None
        self.target_column = "label" if task == "classification" else "rating"

    def predict_outputs(self, texts, batch_size=64, max_len=128):
        return np.array([self.outputs[t] for t in texts], dtype=np.float64)


@pytest.fixture
def browser():
    model = StubModel({t: np.log(p) for t, (p, _) in CASES.items()})
    ds = datasets.Dataset.from_dict({"text": list(CASES), "label": [y for _, y in CASES.values()]})
    return ErrorBrowser(model, ds, top=50)


@pytest.fixture(autouse=True)
def no_swallowed_callback_errors(caplog):
    with caplog.at_level(logging.ERROR):
        yield
    assert "Exception in callback" not in caplog.text


def _shown(b: ErrorBrowser) -> list[str]:
    return b.visible_rows()["text"].tolist()


def test_all_rows_sorted_by_loss(browser):
    assert _shown(browser) == ["f", "b", "e", "c", "a", "d"]
    assert "6 of the 6" in browser.summary.value and "3 of them are mistakes" in browser.summary.value


def test_true_and_predicted_filters(browser):
    browser.true_filter.value = "neu"
    assert _shown(browser) == ["f", "e", "c"]
    browser.predicted_filter.value = "pos"
    assert _shown(browser) == ["f"]
    assert "<td" in browser.view.value and ">f<" in browser.view.value and ">e<" not in browser.view.value
    browser.true_filter.value = ANY
    assert _shown(browser) == ["f", "b", "d"]
    assert browser.output.outputs == ()


def test_confidence_slider(browser):
    browser.min_confidence.value = 0.7
    assert _shown(browser) == ["f", "b", "a", "d"]  # 0.70 itself is kept
    browser.min_confidence.value = 0.85
    assert _shown(browser) == ["d"]
    browser.predicted_filter.value = "neg"
    assert _shown(browser) == [] and "No examples match" in browser.view.value


def test_top_limits_the_rows():
    model = StubModel({t: np.log(p) for t, (p, _) in CASES.items()})
    ds = datasets.Dataset.from_dict({"text": list(CASES), "label": [y for _, y in CASES.values()]})
    assert _shown(ErrorBrowser(model, ds, top=2)) == ["f", "b"]


def test_static_fallback_shows_the_filtered_table(browser, monkeypatch):
    monkeypatch.setenv("FTLAB_WIDGETS", "static")
    browser.true_filter.value = "neg"
    bundle = browser._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" not in bundle
    page = bundle["text/html"]
    assert "2 of the 6" in page and ">b<" in page and ">a<" in page and ">f<" not in page
    assert "background:#fff3cd" in page  # the mistake (b) is shaded


def test_live_mode_gives_the_widget(browser, monkeypatch):
    monkeypatch.setenv("FTLAB_WIDGETS", "live")
    assert "application/vnd.jupyter.widget-view+json" in browser._repr_mimebundle_()


def test_regression_browser_has_no_label_filters():
    model = StubModel({"x": 1.0, "y": 2.0, "z": 5.0}, task="regression")
    ds = datasets.Dataset.from_dict({"text": ["x", "y", "z"], "rating": [1, 3, 2]})
    b = ErrorBrowser(model, ds)
    assert b.true_filter.disabled and b.predicted_filter.disabled and b.min_confidence.disabled
    assert _shown(b) == ["z", "y", "x"] and "3.000" in b.view.value
    assert "largest absolute errors" in b.summary.value


def test_bad_filter_value_is_shown_not_swallowed(browser):
    browser.table = browser.table.drop(columns="confidence")  # break the panel's state on purpose
    browser.min_confidence.value = 0.5
    assert "KeyError" in output_text(browser.output) and isinstance(browser.last_error, KeyError)


def test_on_a_real_model(tiny_model, toy_sentiment):
    b = ErrorBrowser(tiny_model, toy_sentiment, top=10)
    assert len(b.table) == 10 and b.table["loss"].is_monotonic_decreasing
    b.true_filter.value = "positive"
    assert set(b.visible_rows()["true"]) <= {"positive"}
    assert len(b.visible_rows()) == (b.table["true"] == "positive").sum()
