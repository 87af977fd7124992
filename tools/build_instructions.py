#!/usr/bin/env python
"""Build the bundled ``instructions`` set and check ``general-text``; write both datasheets.

    python tools/build_instructions.py

``instructions.jsonl`` is derived: rows of ftlab's own ``reviews``, ``news`` and ``translation`` sets turned into
single-turn chats with the phrasings of ``tools/instruction_texts.py`` (written for ftlab), plus the hand-written
``GENERAL`` pairs there. ``general-text.jsonl`` is hand-written and stored once, in the file that ships; this tool
validates it and writes it back normalised. Token lengths in the datasheets are measured with SmolLM2-135M's
tokenizer and chat template, as ``ftlab.sft`` renders them (so the tool needs the ``smollm2-135m`` preset).
Deterministic (fixed seed): a rebuild reproduces the committed files byte for byte (tests/test_instructions.py).
"""
from __future__ import annotations

import json
import random
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing ftlab
sys.path.insert(0, str(Path(__file__).resolve().parent))

from instruction_texts import GENERAL, PHRASINGS  # noqa: E402

SAMPLES = ROOT / "ftlab" / "data" / "samples"
SEED = 0
# rows per task (test rows of each task are its first ones, balanced over labels where there are labels)
PLAN = {"sentiment": (90, 30), "topic": (80, 20), "translate-en-zh": (60, 20), "translate-zh-en": (60, 20),
        "json-review": (40, 10), "json-news": (40, 10)}
GENERAL_TEST = 10
TASK_ORDER = ("sentiment", "topic", "translate-en-zh", "translate-zh-en", "json", "general")


def read_jsonl(name: str) -> list[dict]:
    """The rows of ``samples/<name>.jsonl``."""
    lines = (SAMPLES / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def draw(rows: list[dict], n: int, taken: set, rng: random.Random, by: str | None) -> list[int]:
    """``n`` row indices not yet ``taken``, round robin over the values of ``by`` (balanced labels)."""
    pools: dict = {}
    for i in rng.sample(range(len(rows)), len(rows)):
        if i not in taken:
            pools.setdefault(rows[i][by] if by else "", []).append(i)
    keys = sorted(pools)
    picked = [pools[keys[k % len(keys)]][k // len(keys)] for k in range(n)]
    taken.update(picked)
    return picked


def chat(user: str, answer: str, task: str, split: str, source: str) -> dict:
    return {"messages": [{"role": "user", "content": user}, {"role": "assistant", "content": answer}],
            "task": task, "split": split, "source": source}


def answer_for(kind: str, row: dict) -> str:
    """The assistant's answer to ``kind`` on a source row (JSON answers: compact, keys in a fixed order)."""
    if kind in ("sentiment", "topic"):
        return row["label"]
    if kind == "translate-en-zh":
        return row["zh"]
    if kind == "translate-zh-en":
        return row["en"]
    if kind == "json-review":
        return json.dumps({"sentiment": row["label"], "domain": row["domain"]}, ensure_ascii=False)
    return json.dumps({"topic": row["label"], "headline": row["headline"]}, ensure_ascii=False)


def build_rows() -> list[dict]:
    """All instruction rows: derived tasks in PLAN order, then the hand-written general pairs."""
    rng = random.Random(SEED)
    sources = {"reviews": read_jsonl("reviews"), "news": read_jsonl("news"), "translation": read_jsonl("translation")}
    source_of = {"sentiment": ("reviews", "label"), "json-review": ("reviews", "label"), "topic": ("news", "label"),
                 "json-news": ("news", "label"), "translate-en-zh": ("translation", None),
                 "translate-zh-en": ("translation", None)}
    taken: dict[str, set] = {name: set() for name in sources}  # a source row serves one task only (no leaks)
    out = []
    for kind, (n, n_test) in PLAN.items():
        name, by = source_of[kind]
        for k, i in enumerate(draw(sources[name], n, taken[name], rng, by)):
            phrasings = PHRASINGS[kind]
            user = phrasings[k % len(phrasings)].format(**sources[name][i])
            task = "json" if kind.startswith("json") else kind
            out.append(chat(user, answer_for(kind, sources[name][i]), task, "test" if k < n_test else "train",
                            f"{name}:{i}"))
    for k, (user, answer) in enumerate(GENERAL):
        out.append(chat(user, answer, "general", "test" if k < GENERAL_TEST else "train", "hand-written"))
    return out


def check_general_text() -> list[dict]:
    """The hand-written paragraphs, validated (non-empty text and topic, no duplicates) and normalised."""
    rows = []
    for k, r in enumerate(read_jsonl("general-text")):
        if not (isinstance(r.get("text"), str) and r["text"].strip() and isinstance(r.get("topic"), str)):
            raise ValueError(f"general-text.jsonl row {k}: needs a non-empty 'text' and a 'topic'; got {r!r:.80}")
        rows.append({"text": " ".join(r["text"].split()), "topic": r["topic"].strip()})
    texts = [r["text"] for r in rows]
    if len(set(texts)) != len(texts):
        raise ValueError("general-text.jsonl has duplicate paragraphs; remove them")
    return rows


def write_jsonl(name: str, rows: list[dict]) -> None:
    with (SAMPLES / f"{name}.jsonl").open("w", encoding="utf-8", newline="\n") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {name}.jsonl: {len(rows)} rows")


def main(argv: list[str] | None = None) -> int:
    from instruction_sheets import general_sheet, instructions_sheet, smollm2_tokenizer

    tok = smollm2_tokenizer()
    rows = build_rows()
    write_jsonl("instructions", rows)
    (SAMPLES / "instructions.md").write_text(instructions_sheet(rows, tok, TASK_ORDER), encoding="utf-8")
    general = check_general_text()
    write_jsonl("general-text", general)
    (SAMPLES / "general-text.md").write_text(general_sheet(general, tok), encoding="utf-8")
    print("wrote instructions.md, general-text.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
