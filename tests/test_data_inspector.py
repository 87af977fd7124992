"""DataInspector driven like a learner would: set filter values, click the button."""

from __future__ import annotations

import logging

import datasets
import pytest

from ftlab.data import inspect
from ftlab.widgets._common import output_text
from ftlab.widgets.data_inspector import DataInspector

NAMES = ["negative", "neutral", "positive"]
ROWS = [
    ("The battery died after two days and support never answered my emails.", "negative"),
    ("Battery life is fine, screen is average, nothing special either way.", "neutral"),
    ("Best headphones I have owned: warm sound and a battery that lasts all week.", "positive"),
    ("Best headphones I have owned: warm sound and a battery that lasts all week.", "positive"),
    ("", "neutral"),
    ("Arrived quickly.<br />Works as described.", "positive"),
    ("Terrible.", "negative"),
]


@pytest.fixture
def ds():
    return datasets.Dataset.from_dict(
        {"text": [t for t, _ in ROWS], "label": [NAMES.index(label) for _, label in ROWS]},
        features=datasets.Features({"text": datasets.Value("string"), "label": datasets.ClassLabel(names=NAMES)}),
    )


@pytest.fixture(autouse=True)
def no_swallowed_callback_errors(caplog):
    with caplog.at_level(logging.ERROR):
        yield
    assert "Exception in callback" not in caplog.text


def test_filters_narrow_the_table(ds):
    panel = DataInspector(ds)
    assert panel.visible_indices() == list(range(7))
    panel.label_filter.value = "positive"
    assert panel.visible_indices() == [2, 3, 5]
    panel.search.value = "BATTERY"  # case-insensitive
    assert panel.visible_indices() == [2, 3]
    assert "2</b> of 7 rows" in panel.summary.value
    panel.label_filter.value = "(all)"
    panel.length_filter.value = (0, 5)
    panel.search.value = ""
    assert panel.visible_indices() == [4, 5, 6]  # 0, 5 and 1 words


def test_flagged_only_highlights_reasons(ds):
    panel = DataInspector(ds)
    panel.flagged_only.value = True
    assert panel.visible_indices() == [3, 4, 5]  # duplicate, empty, HTML
    table = panel.table.value
    assert "duplicate of row 2" in table and "HTML" in table and "empty" in table
    assert table.count("background:#fff3cd") == 3
    assert "&lt;br /&gt;" in table  # row text is escaped, not rendered


def test_charts_are_static_plotly_html(ds):
    panel = DataInspector(ds)
    html = panel.charts.outputs[0]["data"]["text/html"]
    assert "plotly" in html.lower() and "rows per label" in html
    assert "ftlab-data-inspector" in panel.to_html()


def test_relabel_records_without_touching_data(ds):
    panel = DataInspector(ds)
    panel.relabel_index.value = 1
    panel.relabel_to.value = "positive"
    panel.record_button.click()
    assert panel.corrections.to_dict("records") == [
        {"index": 1, "text": ROWS[1][0], "old_label": "neutral", "new_label": "positive"}]
    assert "Recorded: row 1 'neutral' → 'positive'" in output_text(panel.output)
    assert ds[1]["label"] == 1  # the dataset is unchanged
    assert "neutral → positive (recorded)" in panel.table.value
    panel.relabel_to.value = "negative"  # a second correction of the same row replaces the first
    panel.record_button.click()
    assert panel.corrections["new_label"].tolist() == ["negative"]
    fixed = panel.apply_corrections()
    assert fixed[1]["label"] == 0 and fixed.features == ds.features
    assert list(fixed["label"])[2:] == list(ds["label"])[2:]
    assert panel.record_button.disabled is False


def test_relabel_back_removes_the_correction(ds):
    panel = DataInspector(ds)
    panel.relabel_index.value, panel.relabel_to.value = 6, "positive"
    panel.record_button.click()
    panel.relabel_to.value = "negative"
    panel.record_button.click()
    assert panel.corrections.empty
    assert "Removed the correction of row 6" in output_text(panel.output)
    assert panel.apply_corrections() is ds


def test_relabel_errors_show_in_the_output(ds):
    panel = DataInspector(ds)
    panel.relabel_index.value = 99
    panel.relabel_to.value = "positive"
    panel.record_button.click()
    assert "IndexError: row index 99 is out of range: this dataset has 7 rows (0 to 6)" in output_text(panel.output)
    assert panel.record_button.disabled is False  # re-enabled in finally
    panel.relabel_index.value = 2
    panel.record_button.click()
    assert "already labelled 'positive'" in output_text(panel.output)
    assert panel.corrections.empty


def test_widget_tree_and_bad_inputs(ds):
    panel = DataInspector(ds, report=inspect(ds))
    assert panel.widget.children and panel.output in panel.widget.children
    with pytest.raises(TypeError, match=r"Pass one split"):
        DataInspector(datasets.DatasetDict({"train": ds}))
    with pytest.raises(ValueError, match=r"report=ftlab.inspect\(ds\)"):
        DataInspector(ds, report=inspect(ds.select(range(3))))
    with pytest.raises(ValueError, match=r"needs a 'text' column"):
        DataInspector(datasets.Dataset.from_dict({"body": ["x"]}))


def test_unlabelled_data_disables_relabelling():
    panel = DataInspector(datasets.Dataset.from_dict({"text": ["one", "two words"]}))
    assert panel.record_button.disabled and panel.label_filter.disabled
    assert panel.visible_indices() == [0, 1]
