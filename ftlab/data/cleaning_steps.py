"""The cleaning steps :func:`ftlab.clean` runs, one small function each.

A step takes the working frame (the dataset's columns plus ``_orig``, each row's index in the
input) and returns the new frame and a list of events: one per changed or removed row. Every
step that removes rows must report them, which is what lets ``CleaningReport`` account for
every input row.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd

from . import text_checks as tc

Event = dict[str, object]
Step = Callable[[pd.DataFrame], tuple[pd.DataFrame, list[Event]]]

EMOJI = re.compile(
    "[\U0001f1e6-\U0001f1ff\U0001f300-\U0001faff\u2600-\u27bf\u2b50\u2b55\ufe0f\u200d]+"
)


def changed_rows(frame: pd.DataFrame, new_texts: list[str], reason: str) -> tuple[pd.DataFrame, list[Event]]:
    """Replace the text column, with one "changed" event per row whose text differs."""
    events = [
        {"index": int(o), "action": "changed", "reason": reason, "detail": "", "before": b, "after": a}
        for o, b, a in zip(frame["_orig"], frame["text"], new_texts)
        if a != b
    ]
    return frame.assign(text=new_texts), events


def removed_rows(
    frame: pd.DataFrame, positions: dict[int, str], reason: str
) -> tuple[pd.DataFrame, list[Event]]:
    """Drop rows by position (``{position: detail}``), with one "removed" event per row."""
    events = [
        {"index": int(frame["_orig"].iat[p]), "action": "removed", "reason": reason,
         "detail": detail, "before": frame["text"].iat[p], "after": None}
        for p, detail in sorted(positions.items())
    ]
    keep = [p for p in range(len(frame)) if p not in positions]
    return frame.iloc[keep].reset_index(drop=True), events


def strip_html(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Event]]:
    """Unescape entities (``&amp;`` -> ``&``) and replace tags (``<br />``) with a space."""
    return changed_rows(frame, [tc.strip_html_text(t) for t in frame["text"]], "strip_html")


def remove_urls(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Event]]:
    """Delete ``http(s)://`` and ``www.`` links: they are rarely evidence for the label."""
    return changed_rows(frame, [tc.URL.sub(" ", t) for t in frame["text"]], "remove_urls")


def normalize_whitespace(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Event]]:
    """Collapse runs of spaces, tabs and newlines to one space; drop zero-width characters."""
    texts = [" ".join(tc.ZERO_WIDTH.sub("", t).split()) for t in frame["text"]]
    return changed_rows(frame, texts, "normalize_whitespace")


def strip_emoji(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Event]]:
    """Remove emoji. Not a default step: in reviews an emoji often *is* the sentiment."""
    texts = [" ".join(EMOJI.sub(" ", t).split()) for t in frame["text"]]
    return changed_rows(frame, texts, "strip_emoji")


def drop_empty(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Event]]:
    """Remove rows whose text is empty or whitespace only."""
    return removed_rows(frame, {p: "" for p in tc.empty_rows(list(frame["text"]))}, "drop_empty")


def drop_non_english(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Event]]:
    """Remove rows the language heuristic flags (see ``ftlab.data.text_checks``)."""
    rows = tc.non_english_rows(list(frame["text"]))
    return removed_rows(frame, {p: "heuristic: not English" for p in rows}, "drop_non_english")


def _labels(frame: pd.DataFrame) -> list | None:
    return list(frame["label"]) if "label" in frame.columns else None


def _orig(frame: pd.DataFrame, position: int) -> int:
    return int(frame["_orig"].iat[position])


def drop_exact_duplicates(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Event]]:
    """Keep the first of each group with the same normalised text *and* label.

    Same text with different labels is a conflict, not a duplicate: keeping the first copy would
    silently pick a label, so those groups are left to ``drop_label_conflicts``.
    """
    drop = {}
    for group in tc.duplicate_groups(list(frame["text"]), _labels(frame)):
        for p in group[1:]:
            drop[p] = f"duplicate of row {_orig(frame, group[0])}"
    return removed_rows(frame, drop, "drop_exact_duplicates")


def drop_near_duplicates(frame: pd.DataFrame, threshold: float = 0.8) -> tuple[pd.DataFrame, list[Event]]:
    """Keep the first row of each near-duplicate pair with the same label (cosine >= threshold).

    Rows are visited in order and one is dropped only if a kept earlier row is similar to it,
    so a chain a~b~c never removes all three. Near copies with different labels stay: which
    label is right needs a human, and the inspector lists them.
    """
    labels = _labels(frame)
    partners: dict[int, list[tuple[int, float]]] = {}
    for i, j, sim in tc.near_duplicate_pairs(list(frame["text"]), threshold):
        if labels is None or labels[i] == labels[j]:
            partners.setdefault(j, []).append((i, sim))
    drop: dict[int, str] = {}
    for j in sorted(partners):
        kept = [(i, sim) for i, sim in partners[j] if i not in drop]
        if kept:
            i, sim = kept[0]
            drop[j] = f"near duplicate of row {_orig(frame, i)} (similarity {sim:.2f})"
    return removed_rows(frame, drop, "drop_near_duplicates")


def drop_label_conflicts(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Event]]:
    """Remove *every* row of a group with the same text but different labels.

    We cannot tell which label is right; keeping one copy would guess, keeping all teaches the
    model a contradiction. Dropping the group is the safe default; to keep the text, record the
    right label with ``ftlab.widgets.DataInspector`` and clean again.
    """
    labels = _labels(frame)
    if labels is None:
        return frame, []
    drop = {}
    for group in tc.label_conflicts(list(frame["text"]), labels):
        for p in group:
            others = ", ".join(str(_orig(frame, q)) for q in group if q != p)
            drop[p] = f"same text as row {others} with another label"
    return removed_rows(frame, drop, "drop_label_conflicts")


STEPS: dict[str, Step] = {
    step.__name__: step
    for step in (strip_html, remove_urls, normalize_whitespace, strip_emoji, drop_empty,
                 drop_non_english, drop_exact_duplicates, drop_near_duplicates, drop_label_conflicts)
}
DEFAULT_STEPS: tuple[str, ...] = (
    "strip_html", "remove_urls", "normalize_whitespace", "drop_empty", "drop_non_english",
    "drop_exact_duplicates", "drop_near_duplicates", "drop_label_conflicts",
)
