"""The bundled datasets, their datasheets, and tools/build_samples.py.

These tests read the real files in ftlab/data/samples/. A missing file is a failure, not a skip:
the clean files are the one stored copy of each text; `python tools/build_samples.py` derives
reviews-raw and the datasheets from them.
"""

from __future__ import annotations

import importlib.util
import json
import random
from collections import Counter
from pathlib import Path

import pytest

from ftlab.data import clean, inspect, load_dataset

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "ftlab" / "data" / "samples"
SOURCES = ("reviews", "news", "translation", "similarity")  # stored by hand; the rest is derived


def load_tool(name):
    """A module of tools/ (build inputs live there, outside the package)."""
    spec = importlib.util.spec_from_file_location(f"tools_{name}", ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


NOISE = load_tool("noise")
REMOVABLE, REPAIRABLE = NOISE.REMOVABLE, NOISE.REPAIRABLE


@pytest.fixture(scope="module")
def reviews():
    return load_dataset("reviews")


@pytest.fixture(scope="module")
def raw_cleaned():
    raw = load_dataset("reviews-raw")
    cleaned, report = clean(raw)
    return raw, cleaned, report


def test_reviews(reviews):
    assert len(reviews) >= 1500
    assert reviews.features["label"].names == ["negative", "neutral", "positive"]
    assert set(reviews["label"]) == {0, 1, 2}
    assert len(set(reviews["domain"])) >= 8
    assert set(reviews["rating"]) == {1, 2, 3, 4, 5}
    star_rule = {1: 0, 2: 0, 3: 1, 4: 2, 5: 2}
    assert all(star_rule[r] == label for r, label in zip(reviews["rating"], reviews["label"]))
    counts = Counter(reviews["label"])
    assert counts[1] < min(counts[0], counts[2])  # the deliberate neutral imbalance


def test_reviews_have_few_duplicates(reviews):
    report = inspect(reviews)
    rate = (report.duplicate_rows + len(report.near_duplicates)) / len(reviews)
    assert rate < 0.01, report.flagged_rows()
    assert not report.empty_rows and not report.label_conflicts


def test_news():
    news = load_dataset("news")
    assert len(news) >= 1000
    assert news.features["label"].names == ["world", "sports", "business", "science/technology"]
    assert set(news["label"]) == {0, 1, 2, 3}
    row = news[0]
    assert row["text"].startswith(row["headline"]) and row["text"].endswith(row["lead"])


def test_translation_and_similarity():
    translation = load_dataset("translation")
    assert len(translation) >= 600
    assert {"en", "zh", "domain"} <= set(translation.column_names) and "label" not in translation.column_names
    assert all(any("\u4e00" <= c <= "\u9fff" for c in zh) for zh in translation["zh"])
    similarity = load_dataset("similarity")
    assert {"sentence1", "sentence2", "score"} <= set(similarity.column_names)
    assert all(0 <= s <= 5 for s in similarity["score"])


def test_reviews_raw_loads_with_its_noise(raw_cleaned, reviews):
    raw, _, _ = raw_cleaned
    assert raw.features["label"].names == ["negative", "neutral", "positive"]
    noise = Counter(raw["noise"])
    assert set(noise) == {"", *REMOVABLE, *REPAIRABLE}
    assert noise["non_english"] >= 10 and noise["label_conflict"] >= 20
    assert 0.02 * len(reviews) <= noise["exact_duplicate"] <= 0.04 * len(reviews)


def test_clean_recovers_reviews_from_raw(raw_cleaned, reviews):
    raw, cleaned, report = raw_cleaned
    noise = list(raw["noise"])
    removed = Counter(noise[i] for i in report.removed)
    for kind in REMOVABLE:
        assert removed[kind] == noise.count(kind), f"clean() missed planted {kind} rows"
    assert set(cleaned["noise"]) <= {"", *REPAIRABLE}
    assert abs(len(cleaned) - len(reviews)) <= 0.03 * len(reviews)
    originals = {" ".join(t.split()) for t in reviews["text"]}
    untouched = [t for t, kind in zip(cleaned["text"], cleaned["noise"]) if kind in ("", "whitespace")]
    assert all(t in originals for t in untouched)  # cleaning repairs junk without damaging good text


@pytest.mark.parametrize("name", ["reviews", "reviews-raw", "news", "translation", "similarity"])
def test_datasheets(name):
    sheet = (SAMPLES / f"{name}.md").read_text(encoding="utf-8")
    assert "not drawn from existing corpora" in sheet
    assert "**Size.**" in sheet and "| **total** |" in sheet
    if name.startswith("reviews"):
        assert "1-2 stars" in sheet or "1-2 star" in sheet


# ---- the build script, on tiny sources in a temporary directory ----

def fake_reviews(n, seed):
    """Distinct English-looking rows: made-up words, so no two are near duplicates."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        rating = rng.randint(1, 5)
        body = " ".join("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(6)) for _ in range(16))
        rows.append({"text": f"The {body} and it was {i} times what I expected.", "rating": rating,
                     "label": "negative" if rating < 3 else "neutral" if rating == 3 else "positive",
                     "domain": rng.choice(["apps", "books", "home"])})
    return rows


@pytest.fixture
def build(tmp_path, monkeypatch):
    module = load_tool("build_samples")
    monkeypatch.setattr(module, "SAMPLES", tmp_path)
    monkeypatch.setattr(module, "ROOT", tmp_path)
    return module, tmp_path


def write_source(path, rows, extra_lines=()):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows) + "".join(extra_lines),
                    encoding="utf-8")


def test_shipped_files_are_exactly_what_the_build_script_writes(build):
    module, out = build
    for name in SOURCES:
        (out / f"{name}.jsonl").write_bytes((SAMPLES / f"{name}.jsonl").read_bytes())
    assert module.main([]) == 0
    built = {p.name: p.read_bytes() for p in out.iterdir()}
    # the handbook knowledge base (ftlab.rag) and the SFT sets (tools/build_instructions.py) have their own builds
    own_build = ("handbook", "instructions", "general-text")
    shipped = {p.name: p.read_bytes() for p in SAMPLES.iterdir() if not p.name.startswith(own_build)}
    assert sorted(built) == sorted(shipped)  # nothing else is stored beside the sources and what they derive
    stale = [name for name in sorted(built) if built[name] != shipped[name]]
    assert not stale, f"out of date: {stale}; run python tools/build_samples.py and commit the result"


def test_build_script_is_deterministic_and_skips_missing_sources(build, capsys):
    module, out = build
    write_source(out / "reviews.jsonl", fake_reviews(80, 0) + fake_reviews(80, 1))
    assert module.main(["--seed", "3"]) == 0
    first = {p.name: p.read_bytes() for p in out.glob("*.*")}
    assert {"reviews.jsonl", "reviews-raw.jsonl", "reviews.md", "reviews-raw.md"} <= set(first)
    assert "skip news" in capsys.readouterr().out
    assert module.main(["--seed", "3"]) == 0
    assert {p.name: p.read_bytes() for p in out.glob("*.*")} == first
    raw = [json.loads(line) for line in (out / "reviews-raw.jsonl").read_text(encoding="utf-8").splitlines()]
    assert Counter(r["noise"] for r in raw)["non_english"] == 12
    assert "| **total** | **160** |" in (out / "reviews.md").read_text(encoding="utf-8")  # counts filled in


def test_build_script_reports_bad_lines_and_fixes_labels(build, capsys):
    module, out = build
    rows = fake_reviews(60, 0)
    rows[0]["label"] = "positive" if rows[0]["rating"] < 3 else "negative"  # contradicts the stars
    rows.append(dict(rows[5]))  # an exact duplicate, dropped
    write_source(out / "reviews.jsonl", rows, extra_lines=['{"text": "cut off\n'])
    write_source(out / "news.jsonl", [{"headline": "Why rates rose?", "lead": "Banks said so.", "label": "business"}])
    assert module.main([]) == 1
    printed = capsys.readouterr().out
    assert "reviews.jsonl:62: invalid JSON" in printed and "does not match" in printed
    assert "duplicate of row 5" in printed and "news.jsonl:1: text is not headline + lead" in printed
    assert len((out / "reviews.jsonl").read_text(encoding="utf-8").splitlines()) == 60
    news = json.loads((out / "news.jsonl").read_text(encoding="utf-8"))
    assert news["text"] == "Why rates rose? Banks said so."
