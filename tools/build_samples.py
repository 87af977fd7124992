#!/usr/bin/env python
"""Check ftlab's bundled datasets, derive ``reviews-raw`` from ``reviews``, and write the datasheets.

    python tools/build_samples.py [--seed 0]

The hand-written texts are stored once, in the files that ship: ``ftlab/data/samples/``

- ``reviews.jsonl``     (text, label, rating, domain)
- ``news.jsonl``        (text, label, headline, lead; text = headline + lead)
- ``translation.jsonl`` (en, zh, domain)
- ``similarity.jsonl``  (sentence1, sentence2, score)

To add or fix a text, edit those files and rerun this tool. It validates every row (the label
of a review follows its stars, the text of a news item is rebuilt from headline and lead),
drops exact and near duplicates, keeps the stored order and writes each file back normalised;
then it plants noise into the reviews to make ``reviews-raw.jsonl`` (see ``tools/noise.py``)
and writes the ``<name>.md`` datasheets with the counts filled in. A missing source is skipped
with a message. Bad lines are reported (file:line) and skipped; the exit status is then 1.
Rerunning with the same files and seed changes nothing (tests/test_data_bundled.py checks that
the shipped files are exactly what this tool writes).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing ftlab
sys.path.insert(0, str(Path(__file__).resolve().parent))  # tools/noise.py, a build input (not shipped)

from noise import NON_ENGLISH, REMOVABLE, plant_noise, star_label  # noqa: E402

from ftlab.data import text_checks as tc  # noqa: E402

SAMPLES = ROOT / "ftlab" / "data" / "samples"
NEWS_LABELS = ("world", "sports", "business", "science/technology")
SENTIMENT = ("negative", "neutral", "positive")
AUTHORSHIP = ("Written for ftlab by its developers with an AI writing assistant: original text, "
              "not drawn from existing corpora.")


class Problems(list):
    """Messages about skipped or corrected input lines, printed at the end."""

    def add(self, where: str, message: str) -> None:
        self.append(f"{where}: {message}")


def read_source(name: str, problems: Problems) -> list[dict]:
    """All JSON objects of ``samples/<name>.jsonl``, in stored order, with their origin (file:line)."""
    path = SAMPLES / f"{name}.jsonl"
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            problems.add(f"{path.name}:{number}", f"invalid JSON ({err.msg}); skipped")
            continue
        records.append({**record, "_where": f"{path.name}:{number}"})
    return records


def _is_text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def valid_review(r: dict, problems: Problems) -> dict | None:
    rating = r.get("rating")
    if not _is_text(r.get("text")) or not _is_text(r.get("domain")) or rating not in (1, 2, 3, 4, 5):
        problems.add(r["_where"], "needs text, domain and an integer rating 1-5; skipped")
        return None
    label = star_label(rating)
    if r.get("label") != label:  # the star rule is the definition of the label
        problems.add(r["_where"], f"label {r.get('label')!r} does not match {rating} stars; using {label!r}")
    return {"text": r["text"].strip(), "label": label, "rating": rating, "domain": r["domain"].strip()}


def valid_news(r: dict, problems: Problems) -> dict | None:
    if not _is_text(r.get("headline")) or not _is_text(r.get("lead")) or r.get("label") not in NEWS_LABELS:
        problems.add(r["_where"], f"needs headline, lead and a label in {NEWS_LABELS}; skipped")
        return None
    headline, lead = r["headline"].strip(), r["lead"].strip()
    # "headline. lead", but a headline ending in ? or ! keeps its own punctuation
    joiner = " " if headline[-1] in ".?!" else ". "
    text = headline + joiner + lead
    if r.get("text") != text:  # text is derived: headline and lead are the stored truth
        problems.add(r["_where"], "text is not headline + lead; rebuilt from them")
    return {"text": text, "label": r["label"], "headline": headline, "lead": lead}


def valid_translation(r: dict, problems: Problems) -> dict | None:
    if not all(_is_text(r.get(k)) for k in ("en", "zh", "domain")):
        problems.add(r["_where"], "needs en, zh and domain; skipped")
        return None
    return {"en": r["en"].strip(), "zh": r["zh"].strip(), "domain": r["domain"].strip()}


def valid_similarity(r: dict, problems: Problems) -> dict | None:
    score = r.get("score")
    if not (_is_text(r.get("sentence1")) and _is_text(r.get("sentence2"))
            and isinstance(score, int | float) and 0 <= score <= 5):
        problems.add(r["_where"], "needs sentence1, sentence2 and a score in [0, 5]; skipped")
        return None
    return {"sentence1": r["sentence1"].strip(), "sentence2": r["sentence2"].strip(), "score": float(score)}


def deduplicate(rows: list[dict], keys: tuple[str, ...], near: bool, problems: Problems, name: str) -> list[dict]:
    """Drop later exact (and, with ``near``, near) duplicates of the ``keys`` fields, reporting each."""
    texts = [" | ".join(r[k] for k in keys) for r in rows]
    drop = {j: f"duplicate of row {g[0]}" for g in tc.duplicate_groups(texts) for j in g[1:]}
    if near:
        for i, j, sim in tc.near_duplicate_pairs(texts, 0.8):
            if i not in drop:
                drop.setdefault(j, f"near duplicate ({sim:.2f}) of {texts[i][:60]!r}")
    for j, why in sorted(drop.items()):
        problems.add(f"{name} row {j}", f"{why}; dropped: {texts[j][:60]!r}")
    return [r for k, r in enumerate(rows) if k not in drop]


def assemble(name: str, validate, dedupe_keys: tuple[str, ...], near: bool,
             problems: Problems) -> list[dict] | None:
    """Read, validate and de-duplicate one source, keeping its order; None when the file is missing."""
    if not (SAMPLES / f"{name}.jsonl").exists():
        print(f"skip {name}: {SAMPLES.relative_to(ROOT)}/{name}.jsonl does not exist")
        return None
    rows = [row for r in read_source(name, problems) if (row := validate(r, problems))]
    return deduplicate(rows, dedupe_keys, near, problems, name)


def write_jsonl(name: str, rows: list[dict]) -> None:
    path = SAMPLES / f"{name}.jsonl"
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {path.relative_to(ROOT)}: {len(rows)} rows")


def table(counter: Counter, header: str, order=None) -> str:
    keys = list(order) if order else sorted(counter)
    lines = [f"| {header} | rows |", "|---|---:|"] + [f"| {k} | {counter.get(k, 0)} |" for k in keys]
    return "\n".join(lines + [f"| **total** | **{sum(counter.values())}** |"])


def words_summary(texts: list[str]) -> str:
    lengths = sorted(len(t.split()) for t in texts)
    pick = lambda q: lengths[min(len(lengths) - 1, int(q * len(lengths)))]  # noqa: E731
    return f"median {pick(0.5)} words (5th percentile {pick(0.05)}, 95th {pick(0.95)}, max {lengths[-1]})"


def write_datasheet(name: str, text: str) -> None:
    path = SAMPLES / f"{name}.md"
    path.write_text(text.strip() + "\n", encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)}")


def reviews_sheet(rows: list[dict]) -> str:
    labels = Counter(r["label"] for r in rows)
    flagged = len(tc.non_english_rows([r["text"] for r in rows]))
    return f"""
# reviews: sentiment of product and service reviews

**Purpose.** Fine-tune a classifier for sentiment (`label`: negative / neutral / positive) or a
regressor for the star rating (`rating`, 1-5); compare domains with `domain`.

**How it was made.** {AUTHORSHIP} The reviews vary in length, tone (plain, enthusiastic,
sarcastic, mixed) and topic, so that the task is not solvable by keywords alone.

**Fields.** `text` (the review), `label`, `rating` (int 1-5), `domain`.

**Labels.** The label follows the stars: 1-2 stars = negative, 3 = neutral, 4-5 = positive.
`ftlab.load_dataset("reviews")` orders the classes `["negative", "neutral", "positive"]`.

**Size.** {len(rows)} reviews; {words_summary([r['text'] for r in rows])}.

{table(labels, "label", SENTIMENT)}

{table(Counter(r['domain'] for r in rows), "domain")}

{table(Counter(r['rating'] for r in rows), "rating")}

**Deliberate imbalance.** Neutral reviews are the smallest class (about
{labels['neutral'] / max(1, len(rows)):.0%}), as in real review sites; the curriculum uses it to show
`balance()` and `class_weights()`. Do not "fix" it here.

**Known noise.** Exact and near duplicates were removed when the file was built. Labels come
from the stars, so a 2- or 4-star review with mixed feelings is labelled negative or positive
all the same; expect most errors around the neutral class. The
non-English heuristic of `ftlab.inspect` flags {flagged} of these (English) rows.

**Noisy version.** `reviews-raw` is this set with planted noise, for cleaning practice.
"""


def raw_sheet(raw: list[dict], n_clean: int, seed: int) -> str:
    noise = Counter(r["noise"] or "(clean)" for r in raw)
    return f"""
# reviews-raw: the reviews with planted noise

**Purpose.** Practise `ftlab.inspect` and `ftlab.clean`, and measure what cleaning is worth
(train on raw vs cleaned data).

**How it was made.** The {n_clean} reviews of `reviews` (see `reviews.md`: written for ftlab,
original text, not drawn from existing corpora) with noise planted by `tools/build_samples.py` (seed {seed}; code in `tools/noise.py`).
The {len(NON_ENGLISH)} non-English reviews (Spanish, German, French, Italian and Chinese) were
written for ftlab too.

**Fields.** Those of `reviews` plus `noise`: what was planted in that row (`""` if nothing).

**Labels.** As in `reviews` (1-2 stars negative, 3 neutral, 4-5 positive), except the planted
label conflicts: a copy of a review with the opposite label (the original row is marked too).

**Size.** {len(raw)} rows.

{table(noise, "noise")}

- `exact_duplicate`: verbatim copy of an earlier row; `near_duplicate`: copy with a case,
  punctuation or one-word edit. Copies always come after the row they copy.
- `empty`: empty or whitespace-only text. `non_english`: review in another language.
- `label_conflict`: same text, different labels (both rows are marked).
- `html` (`<br />`, `&amp;`, `<p>`), `url`, `emoji`, `whitespace` (tabs, newlines, no-break
  and zero-width spaces): text to repair, not rows to drop. Emoji are kept by default.

**Expected cleaning.** `ftlab.clean` with its default steps should remove every row marked
{", ".join(f"`{k}`" for k in REMOVABLE)} (both rows of a conflict) and repair the rest.
Measured when this file was built:

{cleaning_check(raw)}

**Limits of the language check.** Rows are flagged when >= 30 % of letters are non-ASCII or
when foreign stop words outnumber English ones (texts of 4+ words). Very short texts, other
languages and code-mixed text can be missed or wrongly flagged.
"""


def cleaning_check(raw: list[dict]) -> str:
    """Run ftlab.clean on the raw rows and tabulate, per planted kind, how many rows it removed."""
    import pandas as pd

    from ftlab.data import clean
    from ftlab.data.loading import frame_to_dataset

    frame = pd.DataFrame(raw).assign(label=lambda f: [SENTIMENT.index(v) for v in f["label"]])
    _, report = clean(frame_to_dataset(frame, list(SENTIMENT)))
    removed = Counter(raw[i]["noise"] or "(clean)" for i in report.removed)
    planted = Counter(r["noise"] or "(clean)" for r in raw)
    lines = ["| noise | rows | removed by clean() |", "|---|---:|---:|"]
    lines += [f"| {k} | {planted[k]} | {removed.get(k, 0)} |" for k in sorted(planted)]
    lines.append(f"| **total** | **{len(raw)}** | **{len(report.removed)}** (kept {len(report.kept)}) |")
    return "\n".join(lines)


def news_sheet(rows: list[dict]) -> str:
    return f"""
# news: topic classification of news headlines and leads

**Purpose.** Fine-tune a topic classifier (4 classes), the classic first SFT task.

**How it was made.** {AUTHORSHIP} Each item is a headline and a one-sentence lead in wire-service
style. The events, people and companies are fictional, although real places and organisations
appear.

**Fields.** `text` (headline, ". ", lead; a headline ending in ? or ! keeps its own mark),
`label`, `headline`, `lead`.

**Labels.** `world` (politics, diplomacy, disasters, elections), `sports`, `business`
(companies, markets, economy), `science/technology` (research, health science, computing,
space). `ftlab.load_dataset("news")` orders them `{list(NEWS_LABELS)}`.

**Size.** {len(rows)} items; {words_summary([r['text'] for r in rows])}.

{table(Counter(r['label'] for r in rows), "label", NEWS_LABELS)}

**Known noise.** Exact and near duplicates were removed when the file was built. An item
that could fit two topics carries the writers' choice of its main topic.
"""


def pairs_sheet(name: str, rows: list[dict]) -> str:
    if name == "translation":
        body = f"""
# translation: English-Chinese sentence pairs

**Purpose.** Fine-tune or evaluate translation (BLEU / chrF) and show catastrophic forgetting.

**How it was made.** {AUTHORSHIP} The Chinese side is in Simplified Chinese.

**Fields.** `en`, `zh`, `domain`. No label: load with `ftlab.load_dataset("translation")`.

**Size.** {len(rows)} pairs; English {words_summary([r['en'] for r in rows])}.

{table(Counter(r['domain'] for r in rows), "domain")}
"""
    else:
        scores = Counter(str(round(r["score"])) for r in rows)
        body = f"""
# similarity: sentence pairs with a similarity score

**Purpose.** Regression (MSE, R²) and embedding evaluation: predict how close two sentences are.

**How it was made.** {AUTHORSHIP} Pairs range from paraphrases to unrelated sentences.

**Fields.** `sentence1`, `sentence2`, `score` (float): 5 = same meaning, 0 = unrelated.
No label column.

**Size.** {len(rows)} pairs.

{table(scores, "score (rounded)", sorted(scores))}

**Who scored them.** The same writers who wrote the pairs gave each its score: there was no panel
of independent raters and no agreement study, so treat the scores as one careful judgement, not
as "human similarity" in the sense of benchmarks such as STS-B.
"""
    judged = "translations" if name == "translation" else "scores"
    return body + (f"\n**Known noise.** Exact duplicate pairs were removed when the file was built; the {judged}\n"
                   "reflect the writers' judgement, and other valid ones exist.\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0, help="noise seed for reviews-raw (default 0)")
    seed = parser.parse_args(argv).seed
    problems = Problems()
    reviews = assemble("reviews", valid_review, ("text",), True, problems)
    if reviews:
        write_jsonl("reviews", reviews)
        write_datasheet("reviews", reviews_sheet(reviews))
        raw = plant_noise(reviews, seed)
        write_jsonl("reviews-raw", raw)
        write_datasheet("reviews-raw", raw_sheet(raw, len(reviews), seed))
    news = assemble("news", valid_news, ("text",), True, problems)
    if news:
        write_jsonl("news", news)
        write_datasheet("news", news_sheet(news))
    for name, validate, keys in (("translation", valid_translation, ("en",)),
                                 ("similarity", valid_similarity, ("sentence1", "sentence2"))):
        rows = assemble(name, validate, keys, False, problems)
        if rows:
            write_jsonl(name, rows)
            write_datasheet(name, pairs_sheet(name, rows))
    for message in problems:
        print("note:", message)
    skipped = [p for p in problems if p.endswith("skipped")]
    return 1 if skipped else 0


if __name__ == "__main__":
    sys.exit(main())
