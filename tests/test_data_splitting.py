"""balance, class_weights, split and subsample."""

from __future__ import annotations

from collections import Counter

import datasets
import pytest

from ftlab.data import balance, class_weights, split, subsample

NAMES = ["negative", "neutral", "positive"]


def make(counts=(60, 20, 120)):
    labels = [k for k, n in enumerate(counts) for _ in range(n)]  # sorted by class on purpose
    return datasets.Dataset.from_dict(
        {"text": [f"row {i}" for i in range(len(labels))], "label": labels},
        features=datasets.Features({"text": datasets.Value("string"), "label": datasets.ClassLabel(names=NAMES)}),
    )


def counts(ds):
    return Counter(ds["label"])


def test_oversample_and_undersample():
    ds = make()
    over = balance(ds, "oversample", seed=0)
    assert counts(over) == {0: 120, 1: 120, 2: 120}
    assert set(ds["text"]) <= set(over["text"])  # oversampling keeps every original row
    under = balance(ds, method="undersample", seed=0)
    assert counts(under) == {0: 20, 1: 20, 2: 20}
    assert len(set(under["text"])) == 60  # without replacement
    assert list(balance(ds, "undersample", seed=0)["text"]) == list(under["text"])
    assert list(balance(ds, "undersample", seed=1)["text"]) != list(under["text"])


def test_balance_errors():
    with pytest.raises(ValueError, match=r"must be one of \('oversample', 'undersample'\); got 'smote'"):
        balance(make(), "smote")
    with pytest.raises(ValueError, match=r"ClassLabel.*no 'label' column.*label="):
        balance(datasets.Dataset.from_dict({"text": ["a"]}))
    with pytest.raises(TypeError, match=r"Pass one split"):
        balance(datasets.DatasetDict({"train": make()}))


def test_class_weights_are_sklearn_balanced():
    weights = class_weights(make())
    assert weights == pytest.approx([200 / (3 * 60), 200 / (3 * 20), 200 / (3 * 120)])
    with pytest.raises(ValueError, match=r"no rows: \['neutral'\]"):
        class_weights(make((5, 0, 5)))


def test_split_sizes_and_stratification():
    ds = make((300, 100, 600))
    splits = split(ds, val=0.1, test=0.2, seed=0)
    assert list(splits) == ["train", "validation", "test"]
    assert {k: len(v) for k, v in splits.items()} == {"train": 700, "validation": 100, "test": 200}
    assert counts(splits["test"]) == {0: 60, 1: 20, 2: 120}
    assert counts(splits["validation"]) == {0: 30, 1: 10, 2: 60}
    all_texts = [t for part in splits.values() for t in part["text"]]
    assert sorted(all_texts) == sorted(ds["text"])  # a partition: no row lost or repeated
    assert list(splits["train"]["label"])[:20] != sorted(list(splits["train"]["label"])[:20])  # shuffled
    again = split(ds, val=0.1, test=0.2, seed=0)
    assert list(again["test"]["text"]) == list(splits["test"]["text"])
    assert list(split(ds, seed=1)["test"]["text"]) != list(split(ds, seed=0)["test"]["text"])


def test_split_zero_fraction_and_unlabelled():
    splits = split(make(), val=0, test=0.25)
    assert list(splits) == ["train", "test"]
    plain = split(datasets.Dataset.from_dict({"text": [str(i) for i in range(10)]}), val=0.2, test=0.2)
    assert {k: len(v) for k, v in plain.items()} == {"train": 6, "validation": 2, "test": 2}


@pytest.mark.parametrize("kwargs, message", [
    ({"val": 1.5}, r"split\(val=...\) must be a fraction in \[0, 1\).*got 1.5"),
    ({"test": -0.1}, r"split\(test=...\) must be a fraction"),
    ({"val": "10%"}, r"got '10%'"),
    ({"val": 0.5, "test": 0.5}, r"leaves no training rows"),
])
def test_split_invalid_fractions(kwargs, message):
    with pytest.raises(ValueError, match=message):
        split(make(), **kwargs)


def test_split_too_small():
    with pytest.raises(ValueError, match=r"got 2 rows: too few"):
        split(make((1, 0, 1)), val=0.1, test=0.1)


def test_subsample_is_stratified_and_nested():
    ds = make((300, 100, 600))
    small = subsample(ds, 100, seed=0)
    assert counts(small) == {0: 30, 1: 10, 2: 60}
    large = subsample(ds, 400, seed=0)
    assert set(small["text"]) <= set(large["text"])  # learning curves add data
    assert len(subsample(ds, 1000)) == 1000
    with pytest.raises(ValueError, match=r"whole number from 1 to 1000.*got 1001"):
        subsample(ds, 1001)
    with pytest.raises(ValueError, match=r"got 0"):
        subsample(ds, 0)
