"""clean(): each step on a constructed case, and the report accounts for every input row."""

from __future__ import annotations

import datasets
import pytest

from ftlab.data import DEFAULT_STEPS, STEPS, CleaningReport, clean

NAMES = ["negative", "neutral", "positive"]
LONG = "The battery easily lasts two full days and the bright screen is sharp even outside in the sun."


def make(rows, extra=True):
    data = {"text": [t for t, _ in rows], "label": [NAMES.index(label) for _, label in rows]}
    features = {"text": datasets.Value("string"), "label": datasets.ClassLabel(names=NAMES)}
    if extra:
        data["rating"] = list(range(len(rows)))
        features["rating"] = datasets.Value("int64")
    return datasets.Dataset.from_dict(data, features=datasets.Features(features))


MESSY = make([
    ("Fast &amp; cheap<br />Recommended", "positive"),          # 0 html -> repaired
    ("Pics here https://example.com/a1 look great", "positive"),  # 1 url -> repaired
    ("  Too   small\n\tfor me ", "negative"),                     # 2 whitespace -> repaired
    (" \n ", "neutral"),                                          # 3 empty -> removed
    ("El envío llegó tarde y la caja estaba rota.", "negative"),  # 4 non-English -> removed
    (LONG, "positive"),                                           # 5 kept
    (LONG.lower(), "positive"),                                   # 6 exact duplicate of 5
    (LONG.replace("easily ", ""), "positive"),                   # 7 near duplicate of 5
    ("It is okay I guess.", "neutral"),                           # 8 conflict with 9 -> both removed
    ("it is okay I guess.", "positive"),                          # 9
    ("Love it 😍", "positive"),                                   # 10 emoji kept by default
    (LONG.replace("easily ", ""), "negative"),                   # 11 near copy with another label: kept
])


def test_default_steps_repair_and_remove():
    cleaned, report = clean(MESSY)
    assert isinstance(report, CleaningReport)
    assert report.kept == [0, 1, 2, 5, 10, 11]
    assert report.removed == [3, 4, 6, 7, 8, 9]
    assert list(cleaned["text"])[:3] == ["Fast & cheap Recommended", "Pics here look great", "Too small for me"]
    assert list(cleaned["text"])[4] == "Love it 😍"
    assert list(cleaned["rating"]) == [0, 1, 2, 5, 10, 11]  # other columns travel with their rows
    assert cleaned.features == MESSY.features
    reasons = report.to_frame().query("action == 'removed'").set_index("index")["reason"].to_dict()
    assert reasons == {3: "drop_empty", 4: "drop_non_english", 6: "drop_exact_duplicates",
                       7: "drop_near_duplicates", 8: "drop_label_conflicts", 9: "drop_label_conflicts"}


def test_report_accounts_for_every_row():
    cleaned, report = clean(MESSY)
    assert len(report.kept) + len(report.removed) == report.n_input == len(MESSY)
    assert set(report.kept).isdisjoint(report.removed)
    assert [MESSY[i]["rating"] for i in report.kept] == list(cleaned["rating"])
    events = report.to_frame()
    assert list(events.columns) == ["index", "action", "reason", "detail", "before", "after"]
    assert events.query("index == 0 and reason == 'strip_html'")["after"].item() == "Fast & cheap Recommended"
    assert "duplicate of row 5" in events.query("index == 6")["detail"].item()
    assert "near duplicate of row 5" in events.query("index == 7")["detail"].item()


def test_summary_counts_per_step():
    _, report = clean(MESSY)
    summary = report.summary().set_index("step")
    assert list(summary.index[:-1]) == list(DEFAULT_STEPS)
    assert summary.loc["drop_label_conflicts", "removed"] == 2
    assert summary.loc["strip_html", "changed"] == 1
    assert summary.iloc[-1]["removed"] == 6 and "kept 6 of 12" in summary.index[-1]
    html = report._repr_html_()
    assert "CleaningReport" in html and "drop_near_duplicates" in html and "&lt;br /&gt;" in html


def test_steps_run_in_given_order_and_strip_emoji_is_optional():
    cleaned, report = clean(MESSY, steps=["strip_emoji", "drop_empty"])
    assert report.steps == ["strip_emoji", "drop_empty"]
    assert "Love it" in list(cleaned["text"]) and report.removed == [3]
    cleaned, _ = clean(MESSY, steps="strip_html")  # a single name works too
    assert len(cleaned) == len(MESSY)


def test_keep_first_for_duplicates():
    rows = make([("Same text here", "positive"), ("Other", "negative"), ("same text  here", "positive")])
    cleaned, report = clean(rows, steps=["drop_exact_duplicates"])
    assert report.kept == [0, 1]


def test_near_duplicate_chain_keeps_the_first():
    a = LONG
    b = LONG.replace("easily ", "")
    c = b.replace("bright ", "")
    _, report = clean(make([(a, "positive"), (b, "positive"), (c, "positive")]), steps=["drop_near_duplicates"])
    assert report.kept == [0]
    _, report = clean(make([(a, "positive"), (b, "positive")]), steps=["drop_near_duplicates"], near_threshold=0.999)
    assert report.kept == [0, 1]


def test_unlabelled_data_can_be_cleaned():
    ds = datasets.Dataset.from_dict({"text": ["a b c", "A  b c", ""]})
    cleaned, report = clean(ds)
    assert list(cleaned["text"]) == ["a b c"] and report.removed == [1, 2]


def test_unknown_step_lists_steps():
    with pytest.raises(ValueError, match=r"Unknown cleaning step 'dedupe'.*strip_html.*strip_emoji.*drop_label_conflicts"):
        clean(MESSY, steps=["strip_html", "dedupe"])
    assert "strip_emoji" in STEPS and "strip_emoji" not in DEFAULT_STEPS


def test_a_step_that_loses_rows_is_caught():
    def careless(frame):  # drops a row without reporting it
        return frame.iloc[1:], []

    with pytest.raises(RuntimeError, match=r"does not add up: 11 kept \+ 0 removed != 12.*unaccounted: \[0\]"):
        clean(MESSY, steps=[careless])


def test_bad_input():
    with pytest.raises(TypeError, match=r"DatasetDict.*Clean before splitting"):
        clean(datasets.DatasetDict({"train": MESSY}))
    with pytest.raises(ValueError, match=r"needs a 'text' column.*\['en'\]"):
        clean(datasets.Dataset.from_dict({"en": ["hi"]}))
