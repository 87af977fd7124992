"""The bundled SFT sets: ``instructions`` (chats with a fixed split) and ``general-text`` (prose for perplexity),
and tools/build_instructions.py, which rebuilds them byte for byte."""
from __future__ import annotations

import importlib.util
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

import ftlab
import ftlab.sft

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "ftlab" / "data" / "samples"
SENTIMENT = {"negative", "neutral", "positive"}
TOPICS = {"world", "sports", "business", "science/technology"}
DOMAINS = {"apps", "books", "clothing", "electronics", "films", "home", "hotels", "restaurants", "services", "travel"}
SPLITS = {"sentiment": (60, 30), "topic": (60, 20), "translate-en-zh": (40, 20), "translate-zh-en": (40, 20),
          "json": (60, 20), "general": (20, 10)}  # task: (train, test)


@pytest.fixture(scope="module")
def instructions():
    return ftlab.load_dataset("instructions")


def answers(ds, task):
    return [m[-1]["content"] for m, t in zip(ds["messages"], ds["task"]) if t == task]


def test_instructions_load_offline_as_chats(instructions):
    assert instructions.column_names == ["messages", "task", "split", "source"]
    assert ftlab.sft.detect_format(instructions.column_names) == "messages"
    counts = Counter(zip(instructions["task"], instructions["split"]))
    assert {t: (counts[t, "train"], counts[t, "test"]) for t in SPLITS} == SPLITS
    assert sum(counts.values()) == len(instructions) == 400


def test_every_chat_is_trainable_and_nothing_is_empty(instructions):
    for i, messages in enumerate(instructions["messages"]):
        ftlab.sft.check_chat(messages, i)  # raises on a missing assistant turn, bad roles, non-string content
        assert [m["role"] for m in messages] == ["user", "assistant"]
        assert all(m["content"].strip() == m["content"] and m["content"] for m in messages), i


def test_labels_and_json_answers(instructions):
    assert set(answers(instructions, "sentiment")) == SENTIMENT
    assert set(answers(instructions, "topic")) == TOPICS
    test_sentiment = Counter(m[-1]["content"] for m, t, s in zip(instructions["messages"], instructions["task"],
                                                                 instructions["split"]) if (t, s) == ("sentiment", "test"))
    assert set(test_sentiment.values()) == {10}  # balanced held-out labels
    shapes = Counter()
    for answer in answers(instructions, "json"):
        parsed = json.loads(answer)
        shapes[tuple(parsed)] += 1
        if "sentiment" in parsed:
            assert parsed["sentiment"] in SENTIMENT and parsed["domain"] in DOMAINS
        else:
            assert parsed["topic"] in TOPICS and parsed["headline"].strip()
    assert shapes == {("sentiment", "domain"): 40, ("topic", "headline"): 40}


def test_translation_answers_are_in_the_target_language(instructions):
    has_han = lambda s: any("\u4e00" <= c <= "\u9fff" for c in s)  # noqa: E731
    assert all(has_han(a) for a in answers(instructions, "translate-en-zh"))
    assert not any(has_han(a) for a in answers(instructions, "translate-zh-en"))


def test_each_source_row_serves_one_row_only(instructions):
    sources = [s for s in instructions["source"] if s != "hand-written"]
    assert len(sources) == len(set(sources)) == 370  # a test answer is never trained on under another task


def test_general_text_loads_as_plain_text():
    ds = ftlab.load_dataset("general-text")
    assert ds.column_names == ["text", "topic"]
    assert ftlab.sft.detect_format(ds.column_names) == "text"
    assert len(ds) >= 30 and all(t.strip() for t in ds["text"]) and len(set(ds["text"])) == len(ds)
    assert sum(len(t.split()) for t in ds["text"]) >= 2500 and len(set(ds["topic"])) >= 8


@pytest.mark.slow  # the datasheets' token counts need the smollm2-135m preset's tokenizer
def test_build_script_rebuilds_the_shipped_files_byte_for_byte(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("build_instructions", ROOT / "tools" / "build_instructions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name in ("reviews", "news", "translation", "general-text"):
        shutil.copy(SAMPLES / f"{name}.jsonl", tmp_path)
    monkeypatch.setattr(module, "SAMPLES", tmp_path)
    assert module.main([]) == 0
    built = ["instructions.jsonl", "instructions.md", "general-text.jsonl", "general-text.md"]
    stale = [n for n in built if (tmp_path / n).read_bytes() != (SAMPLES / n).read_bytes()]
    assert not stale, f"out of date: {stale}; run python tools/build_instructions.py and commit the result"
