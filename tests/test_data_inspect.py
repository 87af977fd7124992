"""inspect(): every check proven on a small constructed dataset."""

from __future__ import annotations

import subprocess
import sys
import warnings

import datasets
import pytest

from ftlab.data import DataReport, inspect
from ftlab.data import text_checks as tc

NAMES = ["negative", "neutral", "positive"]
LONG = "The battery easily lasts two full days and the bright screen is sharp even outside in the sun."


def make(texts, labels=None, names=NAMES):
    data = {"text": texts}
    features = {"text": datasets.Value("string")}
    if labels is not None:
        data["label"] = [names.index(label) for label in labels]
        features["label"] = datasets.ClassLabel(names=names)
    return datasets.Dataset.from_dict(data, features=datasets.Features(features))


def value(report: DataReport, check: str):
    return report.to_frame().set_index("check").loc[check, "value"]


def test_exact_duplicates_use_normalised_text():
    report = inspect(make(["Great phone", "great   PHONE ", "Bad phone", "great phone"], ["positive"] * 4))
    assert report.exact_duplicates == [[0, 1, 3]]
    assert report.duplicate_rows == 2
    assert value(report, "exact duplicates") == 2


def test_near_duplicates_found_and_unrelated_texts_not():
    texts = [LONG, LONG.replace("easily ", ""), "Terrible customer service, never again.", LONG.upper()]
    report = inspect(make(texts, ["positive", "positive", "negative", "positive"]))
    assert [(i, j) for i, j, _ in report.near_duplicates] == [(0, 1)]  # row 3 is an exact duplicate
    assert report.near_duplicates[0][2] >= 0.8
    assert inspect(make(texts), near_threshold=None).near_duplicates == []


def test_empty_and_whitespace_rows():
    report = inspect(make(["ok", "", "   \n\t", "fine"]))
    assert report.empty_rows == [1, 2]
    assert report.exact_duplicates == []  # empty rows are not one big duplicate group


def test_label_conflicts():
    texts = ["It works.", "it works.", "It works.", "Broken."]
    report = inspect(make(texts, ["positive", "negative", "positive", "negative"]))
    assert report.label_conflicts == [[0, 1, 2]]
    assert "label conflict" in report.flagged_rows().set_index("index").loc[1, "reason"]


@pytest.mark.parametrize("text", [
    "El envío llegó tarde y la caja estaba rota, pero el producto funciona.",
    "Die Lieferung war schnell und die Qualität ist sehr gut.",
    "Le service était lent mais les plats étaient délicieux.",
    "这家酒店位置很好，房间干净，下次还会再来。",
])
def test_non_english_flagged(text):
    report = inspect(make([text, "The delivery was late but the product works fine."]))
    assert report.language_outliers == [0]


@pytest.mark.parametrize("text", [
    "Great value, five stars, highly recommend.",
    "The café's crème brûlée was the best thing we ate in Paris.",
    "Works as advertised.",
    "Déjà vu: the sequel repeats every joke of the first film, and worse.",
])
def test_english_not_flagged(text):
    assert not tc.is_probably_not_english(text)


def test_class_counts_and_imbalance():
    report = inspect(make(["a", "b", "c", "d", "e", "f", "g"], ["negative"] * 4 + ["neutral"] + ["positive"] * 2))
    assert report.rows_per_class == {"negative": 4, "neutral": 1, "positive": 2}
    assert report.imbalance_ratio == 4.0
    assert value(report, "imbalance ratio (max/min)") == 4.0
    missing_class = inspect(make(["a", "b"], ["negative", "positive"]))
    assert missing_class.imbalance_ratio == float("inf")


def test_word_lengths():
    report = inspect(make([" ".join(["w"] * n) for n in range(1, 101)]))
    assert report.word_lengths["max"] == 100
    assert report.word_lengths["p50"] == pytest.approx(50.5)
    assert report.token_lengths is None


def tiny_tokenizer():
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = {"[UNK]": 0, "[CLS]": 1, "[SEP]": 2, "good": 3, "bad": 4, "phone": 5}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 1), ("[SEP]", 2)])
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, unk_token="[UNK]", cls_token="[CLS]", sep_token="[SEP]")


def test_token_lengths_with_tiny_tokenizer():
    # "good phone!" -> [CLS] good phone ! [SEP] = 5 tokens; punctuation splits off
    report = inspect(make(["good phone!", "bad", "good good good good"]), tokenizer=tiny_tokenizer())
    assert report.token_lengths["max"] == 6
    assert report.token_lengths["p50"] == 5
    assert "length (tokens) p50" in set(report.to_frame()["check"])
    with pytest.raises(TypeError, match="Hugging Face tokenizer"):
        inspect(make(["a"]), tokenizer="bert")


def test_distinct_n():
    report = inspect(make(["good good good", "good phone"]))
    assert report.distinct_1 == pytest.approx(2 / 5)
    assert report.distinct_2 == pytest.approx(2 / 3)


def test_html_and_url_remnants():
    texts = ["Fast&amp;cheap", "Nice<br />really", "see https://example.com/x", "www.example.org rocks", "plain <3"]
    report = inspect(make(texts))
    assert report.html_rows == [0, 1]
    assert report.url_rows == [2, 3]


def test_to_frame_flagged_rows_and_html():
    texts = ["Great phone", "great phone", "", "Nice<br />thing", "Muy bueno, pero el envío fue lento y la caja llegó rota."]
    report = inspect(make(texts, ["positive"] * 5))
    frame = report.to_frame()
    assert list(frame.columns) == ["check", "value", "detail"]
    assert frame["check"].is_unique and {"empty rows", "label conflicts", "distinct-2", "URLs"} <= set(frame["check"])
    assert value(report, "rows") == 5 and isinstance(value(report, "rows"), int)
    flagged = report.flagged_rows()
    assert list(flagged.columns) == ["index", "text", "label", "reason"]
    assert flagged.set_index("index")["reason"].to_dict() == {
        1: "duplicate of row 0", 2: "empty", 3: "HTML", 4: "not English?"}
    assert flagged.set_index("index").loc[1, "label"] == "positive"
    html = report._repr_html_()
    assert "<table" in html and "Flagged rows: 4" in html and "&lt;br /&gt;" in html  # escaped


def test_dataset_dict_cross_split_duplicates_and_label_warning():
    splits = datasets.DatasetDict({
        "train": make(["Loved it", "Hated it", "Meh"], ["positive", "negative", "neutral"]),
        "test": make(["loved it", "Awful"], ["positive", "negative"]),
    })
    with pytest.warns(UserWarning, match=r"'test' has no rows labelled \['neutral'\]"):
        report = inspect(splits)
    assert report.rows_per_split == {"train": 3, "test": 2}
    assert report.rows_per_class_by_split["test"] == {"negative": 1, "neutral": 0, "positive": 1}
    assert report.cross_split_duplicates == [[0, 3]]
    assert value(report, "duplicates across splits") == 1
    flagged = report.flagged_rows()
    assert flagged.iloc[0][["split", "index", "reason"]].tolist() == ["test", 0, "duplicate of row train:0"]


def test_different_class_names_warn():
    splits = datasets.DatasetDict({"train": make(["a", "b"], ["neg", "pos"], names=["neg", "pos"]),
                                   "test": make(["c", "d"], ["neg", "pos"], names=["pos", "neg"])})
    with pytest.warns(UserWarning, match=r"name their classes differently.*label_names"):
        report = inspect(splits)
    assert report.labels == ["neg", "pos", "neg", "pos"]  # each split decoded with its own names


def test_matching_splits_do_not_warn():
    splits = datasets.DatasetDict({"train": make(["a", "b"], ["negative", "positive"]),
                                   "test": make(["c", "d"], ["positive", "negative"])})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        inspect(splits, near_threshold=None)


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"needs a 'text' column.*\['en', 'zh'\].*column="):
        inspect(datasets.Dataset.from_dict({"en": ["hi"], "zh": ["你好"]}))
    assert inspect(datasets.Dataset.from_dict({"en": ["hi"], "zh": ["你好"]}), column="en").n_rows == 1
    with pytest.raises(ValueError, match=r"near_threshold must be a similarity in \(0, 1\].*got 80"):
        inspect(make(["a"]), near_threshold=80)
    with pytest.raises(TypeError, match=r"got list"):
        inspect(["a", "b"])


def test_core_import_is_headless():
    code = "import sys, ftlab.data; print(any(m in sys.modules for m in ('ipywidgets', 'plotly', 'IPython.display')))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
