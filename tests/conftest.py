"""Shared test setup: everything offline, small and seeded."""
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # tests never download; presets ship inside packages
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("FTLAB_PROGRESS", "off")

import datasets  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture
def toy_sentiment():
    """A learnable two-class task: word choice decides the label (64 rows, lengths vary)."""
    pos = ["good", "great", "lovely", "excellent", "fine", "superb"]
    neg = ["bad", "awful", "poor", "terrible", "broken", "dreadful"]
    rows = []
    for i in range(64):
        words = (pos if i % 2 else neg)
        n = 2 + i % 7
        rows.append({"text": " ".join(words[(i + k) % len(words)] for k in range(n)), "label": i % 2})
    return datasets.Dataset.from_list(rows)


def product_reviews(n: int) -> datasets.Dataset:
    """``n`` short product texts whose sentiment word decides the label (for panels and runs, not accuracy)."""
    words = ["great", "awful", "fine", "broken", "lovely", "poor", "superb", "weak"]
    return datasets.Dataset.from_list([
        {"text": f"the {words[i % 8]} product number {i} arrived {'early' if i % 3 else 'late'}", "label": i % 2}
        for i in range(n)])


@pytest.fixture
def tiny_model():
    import ftlab

    return ftlab.load_model("tiny-bert", task="classification", labels=["negative", "positive"])
