"""Build the bundled `handbook` knowledge base and its questions from tools/handbook_docs.py.

    python tools/build_handbook.py

Writes ftlab/data/samples/handbook.jsonl (documents, version 1), handbook-v2.jsonl (the changed documents,
version 2) and handbook-questions.jsonl (questions with gold answers, gold document ids, kind and split).
Deterministic: no randomness, so a rebuild reproduces the committed files byte for byte.
"""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from handbook_docs import CHANGES, DOCS, MULTI, UNANSWERABLE  # noqa: E402

SAMPLES = ROOT / "ftlab" / "data" / "samples"
# other ways to write a gold answer that mean the same (all are accepted by the metrics)
ALTERNATES = {"10:00 to 15:00": ["10 to 15", "10am to 3pm"], "11:30 to 14:00": ["11:30 to 2pm"],
              "07:30 to 18:00": ["7:30 to 18:00"], "first Monday of each month": ["first Monday"],
              "Wednesday at 11:00": ["Wednesdays at 11:00"], "every second Friday": ["every other Friday"],
              "two-hour": ["two hours", "2 hours", "2-hour"], "nine": ["9"], "three": ["3"], "2 weeks": ["two weeks"],
              "one week": ["1 week", "a week"], "two people": ["2 people", "two"], "fourth day": ["4th day"],
              "every six hours": ["every 6 hours"], "6 weeks": ["six weeks"], "3 days": ["three days"]}


def answers(a: str) -> list[str]:
    return [a] + ALTERNATES.get(a, [])


def question_rows() -> list[dict]:
    rows = []
    for doc_id, _title, _domain, _text, facts in DOCS:
        for f, (kind, answer, *qs) in enumerate(facts):
            fact = f"{doc_id}/{f}"
            seen = len(qs) == 3  # two training phrasings + one held-out paraphrase
            for n, q in enumerate(qs):
                split = "train" if seen and n < 2 else "test"
                rows.append({"id": f"{fact}/{n}", "question": q, "answers": answers(answer), "gold_doc_ids": [doc_id],
                             "kind": kind, "split": split, "fact": fact, "fact_trained": seen})
    for n, (answer, gold, q) in enumerate(MULTI):
        rows.append({"id": f"multi/{n}", "question": q, "answers": answers(answer), "gold_doc_ids": gold,
                     "kind": "multi", "split": "test", "fact": f"multi/{n}", "fact_trained": False})
    for n, q in enumerate(UNANSWERABLE):
        rows.append({"id": f"none/{n}", "question": q, "answers": [], "gold_doc_ids": [], "kind": "unanswerable",
                     "split": "test", "fact": f"none/{n}", "fact_trained": False})
    for doc_id, _old, _new, answer, q in CHANGES:
        rows.append({"id": f"changed/{doc_id}", "question": q, "answers": answers(answer), "gold_doc_ids": [doc_id],
                     "kind": "changed", "split": "changed", "fact": f"changed/{doc_id}", "fact_trained": True})
    return rows


def v2_docs() -> list[dict]:
    by_id = {d[0]: d for d in DOCS}
    out = []
    for doc_id, old, new, _answer, _q in CHANGES:
        _, title, domain, text, _ = by_id[doc_id]
        if old not in text:
            raise ValueError(f"{doc_id}: {old!r} is not in its text")
        out.append({"id": doc_id, "title": title, "domain": domain, "text": text.replace(old, new)})
    return out


def write_jsonl(name: str, rows: list[dict]) -> None:
    body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    (SAMPLES / f"{name}.jsonl").write_text(body, encoding="utf-8")
    print(f"{name}.jsonl: {len(rows)} rows")


if __name__ == "__main__":
    write_jsonl("handbook", [{"id": i, "title": t, "domain": d, "text": x} for i, t, d, x, _ in DOCS])
    write_jsonl("handbook-v2", v2_docs())
    write_jsonl("handbook-questions", question_rows())
