"""load_dataset: local formats, column mapping, label typing, and every bad-input message."""

from __future__ import annotations

import json

import datasets
import pandas as pd
import pytest

from ftlab.data import list_datasets, load_dataset

ROWS = {
    "review_body": ["Great battery.", "Broke in a week.", "It is fine.", "Love it!"],
    "stars": ["positive", "negative", "neutral", "positive"],
    "domain": ["electronics", "home", "books", "apps"],
}


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl", ".json", ".parquet"])
def test_local_formats_with_column_mapping(tmp_path, suffix):
    frame = pd.DataFrame(ROWS)
    path = tmp_path / f"reviews{suffix}"
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    elif suffix == ".tsv":
        frame.to_csv(path, index=False, sep="\t")
    elif suffix == ".jsonl":
        frame.to_json(path, orient="records", lines=True)
    elif suffix == ".json":
        frame.to_json(path, orient="records")
    else:
        frame.to_parquet(path)
    ds = load_dataset(path, text="review_body", label="stars")
    assert isinstance(ds, datasets.Dataset)
    assert ds.column_names == ["text", "label", "domain"]  # extra columns are kept
    assert ds.features["label"].names == ["negative", "neutral", "positive"]  # sorted
    assert ds[0] == {"text": "Great battery.", "label": 2, "domain": "electronics"}
    assert load_dataset(str(path), text="review_body", label="stars").num_rows == 4  # str path too


def test_label_names_order_and_integer_labels(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [{"text": "a", "label": "pos"}, {"text": "b", "label": "neg"}])
    ds = load_dataset(path, label_names=["pos", "neg"])
    assert ds.features["label"].names == ["pos", "neg"]
    assert list(ds["label"]) == [0, 1]
    stars = write_jsonl(tmp_path / "s.jsonl", [{"text": t, "label": s} for t, s in [("a", 5), ("b", 1), ("c", 3)]])
    ds = load_dataset(stars)
    assert ds.features["label"].names == ["1", "3", "5"]
    assert list(ds["label"]) == [2, 0, 1]
    ids = write_jsonl(tmp_path / "i.jsonl", [{"text": "a", "label": 2}, {"text": "b", "label": 0}])
    ds = load_dataset(ids, label_names=["negative", "neutral", "positive"])
    assert [ds.features["label"].int2str(v) for v in ds["label"]] == ["positive", "negative"]


def test_csv_keeps_na_text_and_parquet_keeps_class_names(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("text,label\nNA,neg\n,pos\n", encoding="utf-8")
    ds = load_dataset(path)
    assert list(ds["text"]) == ["NA", ""]  # "NA" is a word; an empty cell is an empty text
    ds.to_parquet(tmp_path / "d.parquet")
    assert load_dataset(tmp_path / "d.parquet").features["label"].names == ["neg", "pos"]


def test_unlabelled_and_pair_data(tmp_path):
    path = write_jsonl(tmp_path / "lm.jsonl", [{"text": "hello"}])
    assert load_dataset(path).column_names == ["text"]
    pairs = write_jsonl(tmp_path / "p.jsonl", [{"en": "Hi", "zh": "你好"}])
    assert load_dataset(pairs, text=False).column_names == ["en", "zh"]


def test_list_datasets():
    assert list_datasets() == ["reviews", "reviews-raw", "news", "translation", "similarity", "instructions", "general-text"]


# ---- bad input: each message names what was wrong, what was found, and the fix ----


def test_missing_text_column_names_columns_and_fix(tmp_path):
    pd.DataFrame(ROWS).to_csv(tmp_path / "r.csv", index=False)
    with pytest.raises(ValueError, match=r"no 'text' column.*'review_body', 'stars', 'domain'.*text="):
        load_dataset(tmp_path / "r.csv")
    with pytest.raises(ValueError, match=r"no column 'body'.*label=|no column 'body'.*text='body'"):
        load_dataset(tmp_path / "r.csv", text="body")
    with pytest.raises(ValueError, match=r"no column 'rating'.*\['review_body', 'stars', 'domain'\].*label="):
        load_dataset(tmp_path / "r.csv", text="review_body", label="rating")


def test_existing_text_column_clash(tmp_path):
    path = write_jsonl(tmp_path / "n.jsonl", [{"text": "a. b", "headline": "a", "label": "x"}])
    with pytest.raises(ValueError, match=r"already has a 'text' column.*rename_column"):
        load_dataset(path, text="headline")


def test_missing_labels_name_rows(tmp_path):
    records = [{"text": str(i), "label": None if i in (2, 5) else "a"} for i in range(8)]
    with pytest.raises(ValueError, match=r"2 labels are missing.*rows 2, 5 \(0-based\)"):
        load_dataset(write_jsonl(tmp_path / "m.jsonl", records))
    (tmp_path / "m.csv").write_text("text,label\na,x\nb,\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"row 1 \(0-based\)"):
        load_dataset(tmp_path / "m.csv")


def test_mixed_label_types_name_rows(tmp_path):
    records = [{"text": str(i), "label": 3 if i in (1, 4) else "positive"} for i in range(6)]
    with pytest.raises(ValueError, match=r"mixes numbers and words.*rows 1, 4 \(0-based\)"):
        load_dataset(write_jsonl(tmp_path / "x.jsonl", records))
    (tmp_path / "x.csv").write_text("text,label\na,1\nb,good\nc,2\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"mixes numbers and words.*row 1 "):
        load_dataset(tmp_path / "x.csv")


def test_many_bad_rows_are_capped_at_ten(tmp_path):
    records = [{"text": str(i), "label": None} for i in range(25)] + [{"text": "x", "label": "a"}]
    with pytest.raises(ValueError, match=r"rows 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 and 15 more"):
        load_dataset(write_jsonl(tmp_path / "m.jsonl", records))


def test_fractional_and_out_of_range_labels(tmp_path):
    with pytest.raises(ValueError, match=r"whole numbers.*row 1.*regression"):
        load_dataset(write_jsonl(tmp_path / "f.jsonl", [{"text": "a", "label": 1.0}, {"text": "b", "label": 2.5}]))
    path = write_jsonl(tmp_path / "i.jsonl", [{"text": "a", "label": 0}, {"text": "b", "label": 3}])
    with pytest.raises(ValueError, match=r"class ids 0\.\.1.*row 1.*\[3\]"):
        load_dataset(path, label_names=["neg", "pos"])
    path = write_jsonl(tmp_path / "s.jsonl", [{"text": "a", "label": "meh"}])
    with pytest.raises(ValueError, match=r"\['meh'\] are not in label_names"):
        load_dataset(path, label_names=["neg", "pos"])
    with pytest.raises(ValueError, match=r"distinct names"):
        load_dataset(path, label_names=["meh", "meh"])


def test_non_utf8_names_file_and_line(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("text,label\ngood,pos\ncaf\xe9 ok,pos\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"latin1\.csv is not valid UTF-8: line 3"):
        load_dataset(path)


def test_invalid_json_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "a", "label": "x"}\n{"text": "b",\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.jsonl line 2 is not valid JSON"):
        load_dataset(path)


def test_empty_dataset(tmp_path):
    (tmp_path / "empty.jsonl").write_text("\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"empty\.jsonl has no rows"):
        load_dataset(tmp_path / "empty.jsonl")
    (tmp_path / "empty.csv").write_text("text,label\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"has no rows"):
        load_dataset(tmp_path / "empty.csv")


def test_unknown_bundled_looking_name_lists_bundled():
    with pytest.raises(ValueError, match=r"Did you mean 'reviews'\?.*reviews, reviews-raw, news, translation, similarity"):
        load_dataset("review")
    with pytest.raises(ValueError, match=r"Did you mean 'reviews-raw'"):
        load_dataset("reviews_raw")


def test_missing_file_unsupported_extension_and_split(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope\.csv does not exist"):
        load_dataset(tmp_path / "nope.csv")
    (tmp_path / "data.xlsx").write_text("x", encoding="utf-8")
    with pytest.raises(ValueError, match=r"unsupported extension '\.xlsx'.*\.csv, \.tsv, \.jsonl"):
        load_dataset(tmp_path / "data.xlsx")
    path = write_jsonl(tmp_path / "d.jsonl", [{"text": "a"}])
    with pytest.raises(ValueError, match=r"single split.*ftlab\.split"):
        load_dataset(path, split="test")
    assert load_dataset(path, split="train").num_rows == 1


def test_hub_failure_is_wrapped(monkeypatch):
    def offline(*args, **kwargs):
        raise ConnectionError("no network")

    monkeypatch.setattr(datasets, "load_dataset", offline)
    with pytest.raises(RuntimeError, match=r"Hub access failed \(ConnectionError: no network\).*bundled dataset \(reviews"):
        load_dataset("someone/imdb-copy")


def test_hub_dataset_gets_mapping_and_class_labels(monkeypatch):
    raw = datasets.Dataset.from_dict({"sentence": ["good", "bad"], "sentiment": ["pos", "neg"], "idx": [0, 1]})
    calls = []

    def fake_hub(name, split=None):
        calls.append((name, split))
        return datasets.DatasetDict({"train": raw, "test": raw.select([1])})

    monkeypatch.setattr(datasets, "load_dataset", fake_hub)
    loaded = load_dataset("sst2", text="sentence", label="sentiment")
    assert calls == [("sst2", None)]
    assert isinstance(loaded, datasets.DatasetDict)
    assert loaded["train"].column_names == ["text", "label", "idx"]
    assert loaded["train"].features["label"].names == ["neg", "pos"]
    assert list(loaded["test"]["label"]) == [0]
