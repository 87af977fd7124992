"""Probe suite for the data API: bad input gets a clear error, and nothing is lost or silently wrong.

Two parts:

- ``BAD_INPUT``: one line per (public function, bad input, expected exception, regex the message must
  match). A new case is one line; a new module joins by adding its lines. Each message must say what
  was wrong, what was received and how to fix it.
- hypothesis properties over generated datasets (random text including empty/None/whitespace/unicode/
  markup, labels and duplicates): ``clean`` accounts for every row, ``inspect`` never raises on a valid
  Dataset, ``split`` partitions the rows and keeps class counts within 1 of the ideal.
"""
from __future__ import annotations

import json
from collections import Counter

import datasets
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftlab.data import balance, class_weights, clean, inspect, list_datasets, load_dataset, split, subsample

NAMES = ["neg", "pos"]


def labelled(texts, labels, names=NAMES) -> datasets.Dataset:
    features = datasets.Features({"text": datasets.Value("string"), "label": datasets.ClassLabel(names=names)})
    return datasets.Dataset.from_dict({"text": texts, "label": labels}, features=features)


SMALL = labelled(["good", "bad", "fine", "awful"], [1, 0, 1, 0])
EMPTY = SMALL.select([])
UNLABELLED = datasets.Dataset.from_dict({"text": ["a", "b", "c", "d"]})
MINUS_ONE = labelled(["good", "bad", "meh"], [1, 0, -1])  # -1 is ClassLabel's "no label"
LIST_TEXT = datasets.Dataset.from_dict({"text": [["a", "b"], ["c"]], "label": [0, 1]})
FRAME = pd.DataFrame({"text": ["a"], "label": [0]})


class Files:
    """Write a probe file into pytest's tmp_path: ``files("x.csv", "text,label\\n")`` -> its path."""

    def __init__(self, root):
        self.root = root

    def __call__(self, name, content):
        path = self.root / name
        if isinstance(content, pd.DataFrame):
            content.to_parquet(path)
        elif isinstance(content, list):  # JSON Lines records
            path.write_text("".join(json.dumps(r) + "\n" for r in content), encoding="utf-8")
        else:
            path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        return path


LIST_LABELS = pd.DataFrame({"text": ["a", "b"], "label": [np.array(["neg", "pos"]), np.array(["pos"])]})
NOT_DATASET = r"takes a datasets\.Dataset.*got {}"

# (id, call taking a Files, exception type, regex the message must match)
BAD_INPUT = [
    # ---- load_dataset: files -------------------------------------------------------------------------
    ("load 0-byte csv", lambda f: load_dataset(f("e.csv", b"")), ValueError, r"e\.csv is empty \(0 bytes\).*text,label"),
    ("load 0-byte tsv", lambda f: load_dataset(f("e.tsv", b"")), ValueError, r"e\.tsv is empty \(0 bytes\)"),
    ("load 0-byte jsonl", lambda f: load_dataset(f("e.jsonl", b"")), ValueError, r"e\.jsonl is empty \(0 bytes\)"),
    ("load 0-byte parquet", lambda f: load_dataset(f("e.parquet", b"")), ValueError, r"e\.parquet is empty \(0 bytes\)"),
    ("load corrupt parquet", lambda f: load_dataset(f("c.parquet", b"PAR1junk")), ValueError,
     r"c\.parquet is not a readable Parquet file.*Parquet magic bytes.*to_parquet"),
    ("load csv unclosed quote", lambda f: load_dataset(f("q.csv", 'text,label\n"oops,pos\nb,neg\n')), ValueError,
     r"q\.csv is not a valid CSV file.*EOF inside string.*quote"),
    ("load csv extra fields", lambda f: load_dataset(f("x.csv", "text,label\na,pos\nb,neg,1,2\n")), ValueError,
     r"x\.csv is not a valid CSV file.*line 3, saw 4.*quote"),
    ("load header-only csv", lambda f: load_dataset(f("h.csv", "text,label\n")), ValueError, r"h\.csv has no rows"),
    ("load header-only tsv", lambda f: load_dataset(f("h.tsv", "text\tlabel\n")), ValueError, r"h\.tsv has no rows"),
    ("load bad jsonl line", lambda f: load_dataset(f("b.jsonl", '{"text": "a"}\n{"text": \n')), ValueError,
     r"b\.jsonl line 2 is not valid JSON.*one JSON object per line"),
    ("load missing labels", lambda f: load_dataset(f("m.jsonl", [{"text": "a", "label": None}, {"text": "b", "label": "x"}])),
     ValueError, r"1 labels are missing.*row 0 \(0-based\).*dropna"),
    ("load missing labels parquet", lambda f: load_dataset(f("m.parquet", pd.DataFrame({"text": ["a", "b"], "label": ["x", None]}))),
     ValueError, r"1 labels are missing.*row 1 \(0-based\)"),
    ("load no text column", lambda f: load_dataset(f("t.jsonl", [{"body": "a", "label": "x"}])), ValueError,
     r"no 'text' column; its columns are \['body', 'label'\].*text='body'"),
    ("load parquet list labels", lambda f: load_dataset(f("l.parquet", LIST_LABELS)), ValueError,
     r"'label' column holds lists.*row 0.*\['neg', 'pos'\].*one label per row.*single-label"),
    ("load jsonl list labels", lambda f: load_dataset(f("l.jsonl", [{"text": "a", "label": ["neg", "pos"]}])), ValueError,
     r"'label' column holds lists.*\['neg', 'pos'\].*single-label"),
    ("load jsonl dict labels", lambda f: load_dataset(f("d.jsonl", [{"text": "a", "label": {"neg": 1}}])), ValueError,
     r"'label' column holds dicts.*\{'neg': 1\}"),
    ("load renamed list labels", lambda f: load_dataset(f("s.jsonl", [{"text": "a", "tags": ["x"]}]), label="tags"), ValueError,
     r"'tags' column holds lists"),
    ("load jsonl list texts", lambda f: load_dataset(f("lt.jsonl", [{"text": ["a", "b"], "label": "x"}])), ValueError,
     r"'text' column holds lists.*row 0.*\['a', 'b'\].*one string per row"),
    ("load blank-lines csv", lambda f: load_dataset(f("n.csv", "\n\n")), ValueError, r"n\.csv has no header line and no rows"),
    ("load text=123", lambda f: load_dataset(f("a.jsonl", [{"text": "a"}]), text=123), TypeError,
     r"text= must be a column name, False or None; got 123.*\['text'\]"),
    ("load label=3", lambda f: load_dataset(f("a.jsonl", [{"text": "a"}]), label=3), TypeError, r"label= must be a column name or None; got 3"),
    ("load label_names=3", lambda f: load_dataset(f("a.jsonl", [{"text": "a", "label": "x"}]), label_names=3), ValueError,
     r"label_names must be a non-empty list of distinct names.*got 3"),
    ("load None", lambda f: load_dataset(None), TypeError, r"load_dataset\(\) takes a dataset name or a file path.*got NoneType"),
    ("load list", lambda f: load_dataset(["a.csv"]), TypeError, r"got list.*one at a time"),
    ("load DataFrame", lambda f: load_dataset(FRAME), TypeError, r"got DataFrame.*Dataset\.from_pandas"),
    ("load empty name", lambda f: load_dataset(""), ValueError, r"empty name.*reviews"),
    # ---- split / subsample -----------------------------------------------------------------------------
    ("split empty", lambda f: split(EMPTY), ValueError, r"split\(\) got 0 rows.*at least 3.*val=0"),
    ("split 2 rows", lambda f: split(SMALL.select([0, 1])), ValueError, r"got 2 rows: too few.*at least 3"),
    ("split val+test>=1", lambda f: split(SMALL, val=0.5, test=0.5), ValueError, r"leaves no training rows"),
    ("split negative val", lambda f: split(SMALL, val=-0.1), ValueError, r"fraction in \[0, 1\).*got -0\.1"),
    ("split string test", lambda f: split(SMALL, test="0.2"), ValueError, r"test=0\.1 for 10 %; got '0\.2'"),
    ("split seed string", lambda f: split(SMALL, seed="a"), ValueError, r"split\(seed=\.\.\.\) must be a whole number >= 0.*got 'a'"),
    ("split seed negative", lambda f: split(SMALL, seed=-1), ValueError, r"split\(seed=.*got -1"),
    ("split stratify string", lambda f: split(SMALL, stratify="yes"), ValueError, r"stratify=\.\.\.\) must be True or False; got 'yes'"),
    ("split list", lambda f: split(["a", "b"]), TypeError, NOT_DATASET.format("list")),
    ("split DataFrame", lambda f: split(FRAME), TypeError, NOT_DATASET.format("DataFrame")),
    ("split None", lambda f: split(None), TypeError, NOT_DATASET.format("NoneType")),
    ("split DatasetDict", lambda f: split(datasets.DatasetDict({"train": SMALL})), TypeError, r"Pass one split"),
    ("subsample empty", lambda f: subsample(EMPTY, 1), ValueError, r"subsample\(\) got a dataset with no rows"),
    ("subsample n too big", lambda f: subsample(SMALL, 5), ValueError, r"from 1 to 4.*got 5.*balance"),
    ("subsample n float", lambda f: subsample(SMALL, 1.5), ValueError, r"whole number.*got 1\.5"),
    ("subsample n None", lambda f: subsample(SMALL, None), ValueError, r"whole number.*got None"),
    ("subsample seed float", lambda f: subsample(SMALL, 2, seed=1.5), ValueError, r"subsample\(seed=.*got 1\.5"),
    ("subsample list", lambda f: subsample([1, 2], 1), TypeError, NOT_DATASET.format("list")),
    # ---- balance / class_weights -----------------------------------------------------------------------
    ("balance empty", lambda f: balance(EMPTY), ValueError, r"balance\(\) got a dataset with no rows"),
    ("balance unknown method", lambda f: balance(SMALL, "smote"), ValueError, r"one of \('oversample', 'undersample'\); got 'smote'"),
    ("balance seed string", lambda f: balance(SMALL, seed="x"), ValueError, r"balance\(seed=.*got 'x'"),
    ("balance unlabelled", lambda f: balance(UNLABELLED), ValueError, r"ClassLabel.*no 'label' column.*\['text'\]"),
    ("balance label -1", lambda f: balance(MINUS_ONE), ValueError, r"label -1 \(no class\) at row 2 \(0-based\).*filter"),
    ("balance DataFrame", lambda f: balance(FRAME), TypeError, NOT_DATASET.format("DataFrame")),
    ("class_weights empty", lambda f: class_weights(EMPTY), ValueError, r"class_weights\(\) got a dataset with no rows"),
    ("class_weights unlabelled", lambda f: class_weights(UNLABELLED), ValueError, r"no 'label' column"),
    ("class_weights label -1", lambda f: class_weights(MINUS_ONE), ValueError, r"label -1 \(no class\) at row 2"),
    ("class_weights missing class", lambda f: class_weights(SMALL.select([0, 2])), ValueError, r"no rows: \['neg'\]"),
    ("class_weights None", lambda f: class_weights(None), TypeError, NOT_DATASET.format("NoneType")),
    # ---- inspect / clean -------------------------------------------------------------------------------
    ("inspect list", lambda f: inspect(["a"]), TypeError, r"Dataset or DatasetDict; got list.*from_pandas"),
    ("inspect None", lambda f: inspect(None), TypeError, r"got NoneType"),
    ("inspect threshold string", lambda f: inspect(SMALL, near_threshold="0.8"), ValueError,
     r"near_threshold must be a similarity in \(0, 1\] or None; got '0\.8'"),
    ("inspect list texts", lambda f: inspect(LIST_TEXT), ValueError, r"inspect\(\) needs text in 'text', one string per row.*List.*join"),
    ("inspect empty DatasetDict", lambda f: inspect(datasets.DatasetDict({})), ValueError, r"DatasetDict with no splits"),
    ("inspect label as text", lambda f: inspect(SMALL, column="label"), ValueError, r"text in 'label'.*ClassLabel.*Pick the text column"),
    ("clean list texts", lambda f: clean(LIST_TEXT), ValueError, r"clean\(\) needs text in 'text'.*List"),
    ("clean DataFrame", lambda f: clean(FRAME), TypeError, NOT_DATASET.format("DataFrame")),
    ("clean None", lambda f: clean(None), TypeError, NOT_DATASET.format("NoneType")),
    ("clean steps None", lambda f: clean(SMALL, steps=None), TypeError, r"clean\(steps=\.\.\.\) must be a list of step names.*got None.*drop_empty"),
    ("clean steps int", lambda f: clean(SMALL, steps=3), TypeError, r"clean\(steps=\.\.\.\) must be a list.*got 3"),
    ("clean step bad return", lambda f: clean(SMALL, steps=[lambda frame: frame]), TypeError,
     r"step '<lambda>' returned DataFrame; a step must return \(frame, events\)"),
    ("clean threshold too big", lambda f: clean(SMALL, near_threshold=5), ValueError, r"near_threshold must be a similarity.*got 5"),
    ("clean threshold zero", lambda f: clean(SMALL, near_threshold=0), ValueError, r"near_threshold.*got 0"),
    ("clean threshold string", lambda f: clean(SMALL, near_threshold="a"), ValueError, r"near_threshold.*got 'a'"),
]


@pytest.mark.parametrize("call, exception, pattern", [c[1:] for c in BAD_INPUT], ids=[c[0] for c in BAD_INPUT])
def test_bad_input_gets_a_clear_error(tmp_path, call, exception, pattern):
    with pytest.raises(exception, match=pattern) as info:
        call(Files(tmp_path))
    assert info.type is exception  # not a subclass from deep inside a library


# ---- silently wrong before: now right -------------------------------------------------------------------


def test_none_text_is_an_empty_text_for_clean_and_inspect():
    ds = labelled(["good", None, "bad", "  "], [1, 0, 0, 1])
    assert inspect(ds).empty_rows == [1, 3]
    cleaned, report = clean(ds)
    assert list(cleaned["text"]) == ["good", "bad"]  # no "nan" or "None" training text
    events = report.to_frame()
    assert events.loc[events["action"] == "removed", ["index", "reason"]].values.tolist() == [
        [1, "drop_empty"], [3, "drop_empty"]]
    kept, _ = clean(ds, steps=["strip_html"])  # without drop_empty the row stays, as an empty text
    assert list(kept["text"]) == ["good", "", "bad", "  "]


def test_nan_text_from_pandas_is_an_empty_text():
    ds = datasets.Dataset.from_pandas(pd.DataFrame({"text": ["a", np.nan, "b"], "label": [0, 1, 0]}))
    assert inspect(ds).empty_rows == [1]
    cleaned, report = clean(ds)
    assert list(cleaned["text"]) == ["a", "b"] and report.removed == [1]


def test_list_datasets_and_labels_without_a_class():
    assert list_datasets() == ["reviews", "reviews-raw", "news", "translation", "similarity", "instructions", "general-text"]
    raw = datasets.Dataset.from_dict({"text": ["a", "b", "c"], "label": ["x", None, "y"]})
    assert inspect(raw).rows_per_class == {"x": 1, "y": 1}  # no class called "None"
    floats = datasets.Dataset.from_dict({"text": ["a", "b"], "label": [1.0, float("nan")]})
    assert inspect(floats).rows_per_class == {"1.0": 1}  # nor one called "nan"


def test_empty_and_unlabelled_datasets_behave():
    assert inspect(EMPTY).n_rows == 0 and inspect(UNLABELLED).label_names is None
    cleaned, report = clean(EMPTY)
    assert len(cleaned) == 0 and report.n_input == 0
    assert sum(len(v) for v in split(UNLABELLED, val=0.25, test=0.25).values()) == 4
    assert len(subsample(UNLABELLED, 2)) == 2


# ---- properties over generated datasets -----------------------------------------------------------------

TEXT = st.one_of(
    st.none(), st.just(""), st.sampled_from([" ", "\t\n", "\u200b"]), st.text(max_size=30),
    st.sampled_from(["good", "Good ", "bad", "<b>bad</b>", "&amp; ok", "see www.x.com", "très bien", "很好",
                     "It's fine, I guess.", "El envío llegó tarde y la caja estaba rota."]),
)


@st.composite
def datasets_(draw, min_size=0):
    """A small labelled Dataset; texts repeat often (duplicates, conflicts), some are None."""
    n_classes = draw(st.integers(1, 4))
    pool = draw(st.lists(TEXT, min_size=1, max_size=8))
    rows = draw(st.lists(st.tuples(st.sampled_from(pool) | TEXT, st.integers(0, n_classes - 1)),
                         min_size=min_size, max_size=30))
    names = [f"c{k}" for k in range(n_classes)]
    ds = labelled([t for t, _ in rows], [y for _, y in rows], names)
    kind = draw(st.sampled_from(["classes", "classes", "unlabelled", "some -1"]))
    if kind == "unlabelled":
        return ds.remove_columns("label")
    if kind == "some -1" and len(ds):  # ClassLabel's "no class" on a few rows
        missing = set(draw(st.lists(st.integers(0, len(ds) - 1), max_size=3)))
        return ds.map(lambda row, i: {"label": -1 if i in missing else row["label"]}, with_indices=True)
    return ds


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ds=datasets_())
def test_clean_accounts_for_every_row_and_inspect_never_raises(ds):
    report = inspect(ds)
    assert report.n_rows == len(ds) and sorted(report.empty_rows) == report.empty_rows
    cleaned, cleaning = clean(ds)
    kept, removed = cleaning.kept, cleaning.removed
    assert sorted(kept + removed) == list(range(len(ds)))  # kept + removed = input, each once
    reasons = cleaning.events[cleaning.events["action"] == "removed"].set_index("index")["reason"]
    assert sorted(reasons.index) == removed and set(reasons) <= set(cleaning.steps)
    for i in report.empty_rows:  # what inspect calls empty, clean removes as empty
        assert reasons.get(i) == "drop_empty", (i, ds[i]["text"])
    assert all(isinstance(t, str) and t.strip() for t in cleaned["text"])
    if "label" in ds.column_names:
        assert [ds[i]["label"] for i in kept] == list(cleaned["label"])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ds=datasets_(min_size=3), val=st.sampled_from([0, 0.1, 0.2, 0.3]), test=st.sampled_from([0, 0.1, 0.25]),
       seed=st.integers(0, 2**16), stratify=st.booleans())
def test_split_partitions_the_rows(ds, val, test, seed, stratify):
    ds = ds.add_column("row", list(range(len(ds))))
    parts = split(ds, val=val, test=test, seed=seed, stratify=stratify)
    rows = [r for part in parts.values() for r in part["row"]]
    assert sorted(rows) == list(range(len(ds)))  # disjoint, and the union is the input
    assert ("validation" in parts) == bool(val) and ("test" in parts) == bool(test)
    if not stratify:
        return
    if "label" not in ds.column_names:
        return
    total = Counter(ds["label"])  # label -1 rows are spread like a class of their own
    for part in parts.values():
        counts = Counter(part["label"])
        for label, n in total.items():
            ideal = n * len(part) / len(ds)
            assert abs(counts[label] - ideal) <= 1, (label, counts[label], ideal)


def test_true_false_labels_keep_their_names(tmp_path):
    path = Files(tmp_path)("b.jsonl", [{"text": "a", "label": True}, {"text": "b", "label": False}])
    ds = load_dataset(path)
    assert ds.features["label"].names == ["False", "True"] and list(ds["label"]) == [1, 0]
    ids = load_dataset(path, label_names=["no", "yes"])  # with names, True/False are class ids 1/0
    assert [ids.features["label"].int2str(v) for v in ids["label"]] == ["yes", "no"]
