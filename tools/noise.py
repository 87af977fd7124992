"""How ``reviews-raw`` is made: plant realistic, labelled noise into clean review records.

A build input of ``tools/build_samples.py``, not shipped: learners read what went wrong in
the raw data from the shipped datasheet ``reviews-raw.md`` and from each row's ``noise`` field:
``""`` for an untouched row, otherwise the kind planted:

- ``exact_duplicate``: a verbatim copy of an earlier row (~3 %).
- ``near_duplicate``: a copy with a small edit: case, punctuation, or one word (~2 %).
- ``empty``: empty or whitespace-only text (~1 %).
- ``label_conflict``: a copy of a row with a different label; the original row is marked
  too, since cleaning cannot tell which of the two is right (10 pairs).
- ``non_english``: a review in Spanish, German, French, Italian or Chinese (12 rows).
- ``html``, ``url``, ``emoji``, ``whitespace``: the row's own text with markup, a link, an
  emoji or junk whitespace added; cleaning should repair these, not drop them.

Copies are always placed after the row they copy, so "keep the first" keeps the original.
"""

from __future__ import annotations

import random

REMOVABLE = ("exact_duplicate", "near_duplicate", "empty", "label_conflict", "non_english")
REPAIRABLE = ("html", "url", "emoji", "whitespace")
RATES = {"exact_duplicate": 0.03, "near_duplicate": 0.02, "empty": 0.01, "html": 0.03,
         "url": 0.015, "emoji": 0.02, "whitespace": 0.03}
CONFLICT_PAIRS = 10

# written for ftlab: (text, rating, topic); the topic picks a matching domain when it exists
NON_ENGLISH = [
    ("El envío llegó dos días tarde y la caja estaba abollada, pero el producto funciona bien.", 3, "electronics"),
    ("Los auriculares son muy cómodos y la batería dura todo el día. Los recomiendo sin dudar.", 5, "electronics"),
    ("No me gustó nada el restaurante: la comida estaba fría y el camarero fue muy grosero.", 1, "restaurants"),
    ("Das Buch ist spannend geschrieben, aber das Ende hat mich leider nicht überzeugt.", 3, "books"),
    ("Die Lieferung war schnell und die Qualität ist für den Preis wirklich sehr gut.", 5, "home"),
    ("Nach zwei Wochen ist der Mixer kaputt gegangen. Ich bin sehr enttäuscht von der Marke.", 1, "home"),
    ("Le service était lent mais les plats étaient délicieux, surtout le dessert au chocolat.", 4, "restaurants"),
    ("Je ne recommande pas cet hôtel : la chambre était sale et le bruit de la rue ne s'arrête jamais.", 1, "hotels"),
    ("Application pratique pour suivre mes dépenses, mais elle plante de temps en temps.", 3, "apps"),
    ("Il prodotto è arrivato in tempo ma la confezione era aperta. Non sono per niente soddisfatto.", 2, "electronics"),
    ("这家酒店位置很好，房间干净，服务员也很热情，下次还会再来。", 5, "hotels"),
    ("手机用了三天就开始发烫，客服一直不回复，非常失望。", 1, "electronics"),
]
HTML_EDITS = (
    lambda t: t.replace(". ", ".<br /><br />", 1),
    lambda t: t.replace(" and ", " &amp; ", 1),
    lambda t: f"<p>{t}</p>",
    lambda t: t.replace(" ", " &nbsp;", 1).replace("'", "&#39;"),
)
URL_TAILS = (" More photos: https://www.example.com/r/{n}", " (full review at http://reviews.example.org/p/{n})",
             " Link to the listing www.example.net/item/{n}")
EMOJI = {"positive": ["😍", "👍", "🙌", "⭐⭐⭐⭐⭐"], "neutral": ["😐", "🤷"], "negative": ["😡", "👎", "🙄"]}
SOFTENERS = ("very", "really", "pretty", "quite", "just", "actually", "also", "so")


def star_label(rating: int) -> str:
    """The star -> sentiment rule used by every review: 1-2 negative, 3 neutral, 4-5 positive."""
    return "negative" if rating <= 2 else "neutral" if rating == 3 else "positive"


def _whitespace(text: str, rng: random.Random) -> str:
    junk = rng.choice(["  ", "\n\n", "\t", "\u00a0", " \u200b"])
    prefix, suffix = rng.choice(["  ", "\n", "\t "]), rng.choice(["   ", "\n\n", " \t", ""])
    return prefix + text.replace(" ", junk, 1) + suffix


def _html(text: str, rng: random.Random) -> str:
    edited = rng.choice(HTML_EDITS)(text)
    return edited if edited != text else f"<p>{text}</p>"  # the chosen edit found nothing to edit


def _near_edit(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    kind = rng.choice(["case", "punctuation", "word", "word"])
    if kind == "case":
        return text.lower() if text != text.lower() else text.upper()
    if kind == "punctuation":
        stripped = text.rstrip(".!?")
        return stripped + rng.choice(["!!", "...", "!"]) if stripped != text else text + "!"
    soft = [k for k, w in enumerate(words) if w.lower() in SOFTENERS]
    k = rng.choice(soft) if soft else rng.randrange(1, len(words) - 1)
    return " ".join(words[:k] + words[k + 1 :])


def _conflict(record: dict, rng: random.Random) -> dict:
    flipped = {"positive": "negative", "negative": "positive"}.get(record["label"]) or rng.choice(
        ["positive", "negative"])
    rating = rng.choice([1, 2] if flipped == "negative" else [4, 5])
    return {**record, "label": flipped, "rating": rating, "noise": "label_conflict"}


def _counts(n: int) -> dict[str, int]:
    return {kind: max(1, round(rate * n)) for kind, rate in RATES.items()}


def _pick_sources(records: list[dict], counts: dict[str, int], rng: random.Random) -> dict[str, list[int]]:
    """Disjoint source rows per kind; near duplicates need >= 15 words to stay recognisable."""
    pool = list(range(len(records)))
    rng.shuffle(pool)
    long_rows = [i for i in pool if len(records[i]["text"].split()) >= 15]
    picked: dict[str, list[int]] = {"near_duplicate": long_rows[: counts["near_duplicate"]]}
    used = set(picked["near_duplicate"])
    rest = [i for i in pool if i not in used]
    for kind in ("label_conflict", "exact_duplicate", "empty", *REPAIRABLE):
        size = CONFLICT_PAIRS if kind == "label_conflict" else counts[kind]
        picked[kind], rest = rest[:size], rest[size:]
    return picked


def plant_noise(records: list[dict], seed: int = 0) -> list[dict]:
    """Return raw rows: ``records`` with noise planted (see the module docstring).

    Example:
        >>> clean = [{"text": f"Review {i}.", "label": "neutral", "rating": 3, "domain": "x"} for i in range(100)]
        >>> len(plant_noise(clean, seed=0)) > len(clean)
        True
    """
    rng = random.Random(seed)
    n = len(records)
    sources = _pick_sources(records, _counts(n), rng)
    rows = [(float(i), {**r, "noise": ""}) for i, r in enumerate(records)]
    edit = {
        "html": lambda r: _html(r["text"], rng),
        "url": lambda r: r["text"] + rng.choice(URL_TAILS).format(n=rng.randrange(10_000, 99_999)),
        "emoji": lambda r: f"{r['text']} {rng.choice(EMOJI[r['label']])}",
        "whitespace": lambda r: _whitespace(r["text"], rng),
    }
    for kind, make in edit.items():
        for i in sources[kind]:
            rows[i] = (rows[i][0], {**rows[i][1], "text": make(records[i]), "noise": kind})
    copies = {
        "exact_duplicate": lambda r: {**r, "noise": "exact_duplicate"},
        "near_duplicate": lambda r: {**r, "text": _near_edit(r["text"], rng), "noise": "near_duplicate"},
        "empty": lambda r: {**r, "text": rng.choice(["", " ", "\n", "\t \t"]), "noise": "empty"},
        "label_conflict": lambda r: _conflict(r, rng),
    }
    for kind, make in copies.items():
        for i in sources[kind]:
            rows.append((rng.uniform(i + 0.1, n), make(records[i])))
            if kind == "label_conflict":
                rows[i] = (rows[i][0], {**rows[i][1], "noise": "label_conflict"})
    rows += [(rng.uniform(0, n), _foreign(line, records, rng)) for line in NON_ENGLISH]
    return [row for _, row in sorted(rows, key=lambda pair: pair[0])]


def _foreign(line: tuple[str, int, str], records: list[dict], rng: random.Random) -> dict:
    text, rating, topic = line
    domains = sorted({r["domain"] for r in records})
    domain = topic if topic in domains else rng.choice(domains)
    return {"text": text, "label": star_label(rating), "rating": rating, "domain": domain, "noise": "non_english"}
