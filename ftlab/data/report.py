"""``DataReport``: the result of :func:`ftlab.inspect`, as numbers, a table and rich HTML."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .html_tables import html_section, html_table, shorten

IMBALANCE_WARN = 1.5  # max/min class count above which the report flags imbalance
EXAMPLES_PER_KIND = 3  # flagged examples shown per kind of problem in the HTML view


@dataclass
class DataReport:
    """What :func:`ftlab.inspect` found. Row numbers are positions in the inspected data (for a
    ``DatasetDict``: in the splits concatenated in order; ``row_ids`` maps them to (split, index)).

    Example:
        >>> report = ftlab.inspect(ftlab.load_dataset("reviews"))  # doctest: +SKIP
        >>> report.to_frame()  # one row per check              # doctest: +SKIP
    """

    rows_per_split: dict[str, int]
    label_names: list[str] | None
    rows_per_class: dict[str, int]
    rows_per_class_by_split: dict[str, dict[str, int]]
    imbalance_ratio: float | None  # largest class count / smallest; None without labels
    word_lengths: dict[str, float]  # p5, p50, p95, max (words split on whitespace)
    token_lengths: dict[str, float] | None  # same, in tokenizer tokens (incl. special tokens)
    exact_duplicates: list[list[int]]  # groups of rows with the same normalised text
    near_duplicates: list[tuple[int, int, float]]  # (row, row, cosine similarity)
    empty_rows: list[int]
    label_conflicts: list[list[int]]  # duplicate groups holding more than one label
    distinct_1: float  # unique words / all words
    distinct_2: float  # unique word pairs / all word pairs
    language_outliers: list[int]  # rows the non-English heuristic flags
    html_rows: list[int]
    url_rows: list[int]
    near_threshold: float | None
    texts: list[str] = field(default_factory=list, repr=False)
    labels: list[str | None] = field(default_factory=list, repr=False)
    row_ids: list[tuple[str, int]] = field(default_factory=list, repr=False)

    @property
    def n_rows(self) -> int:
        """Total rows over all splits."""
        return sum(self.rows_per_split.values())

    @property
    def duplicate_rows(self) -> int:
        """Rows that repeat an earlier row exactly (each group minus its first row)."""
        return sum(len(g) - 1 for g in self.exact_duplicates)

    @property
    def cross_split_duplicates(self) -> list[list[int]]:
        """Duplicate groups whose rows sit in different splits: test data leaking into training."""
        return [g for g in self.exact_duplicates if len({self.row_ids[i][0] for i in g}) > 1]

    def _checks(self) -> list[tuple[str, object, str, bool]]:
        """(check, value, detail, worth a warning) for every check, in reading order."""
        splits = ", ".join(f"{k}: {v}" for k, v in self.rows_per_split.items())
        checks = [("rows", self.n_rows, splits, False), *self._class_checks()]
        checks.append(("length (words) p50", self.word_lengths.get("p50"), _lengths(self.word_lengths), False))
        if self.token_lengths is not None:
            checks.append(("length (tokens) p50", self.token_lengths.get("p50"), _lengths(self.token_lengths), False))
        return checks + self._row_checks()

    def _class_checks(self) -> list[tuple[str, object, str, bool]]:
        if self.label_names is None:
            return []
        classes = ", ".join(f"{k}: {v}" for k, v in self.rows_per_class.items())
        ratio = self.imbalance_ratio
        shown = round(ratio, 2) if ratio is not None else None
        advice = f"1.0 is balanced; above {IMBALANCE_WARN} consider balance() or class_weights()"
        return [
            ("classes", len(self.rows_per_class), classes, False),
            ("imbalance ratio (max/min)", shown, advice, ratio is not None and ratio > IMBALANCE_WARN),
        ]

    def _row_checks(self) -> list[tuple[str, object, str, bool]]:
        near = "skipped" if self.near_threshold is None else f"cosine >= {self.near_threshold}"
        dups = self.duplicate_rows
        checks = [
            ("exact duplicates", dups, f"{len(self.exact_duplicates)} groups (same text after "
             "lowercasing and collapsing whitespace)", dups > 0),
            ("near duplicates", len(self.near_duplicates), f"pairs of char 3-5-gram TF-IDF {near}",
             bool(self.near_duplicates)),
            ("empty rows", len(self.empty_rows), "empty or whitespace-only text", bool(self.empty_rows)),
        ]
        if self.label_names is not None:
            checks.append(("label conflicts", len(self.label_conflicts), "groups of identical "
                           "texts with different labels", bool(self.label_conflicts)))
        if len(self.rows_per_split) > 1:
            leaks = self.cross_split_duplicates
            checks.append(("duplicates across splits", len(leaks), "identical texts in more than "
                           "one split (evaluation leaks into training)", bool(leaks)))
        return checks + [
            ("distinct-1", round(self.distinct_1, 3), "unique words / all words", False),
            ("distinct-2", round(self.distinct_2, 3), "unique word pairs / all word pairs", False),
            ("language outliers", len(self.language_outliers), "probably not English (non-ASCII "
             "letters or foreign stop words; a heuristic)", bool(self.language_outliers)),
            ("HTML remnants", len(self.html_rows), "rows with tags or entities (<br />, &amp;)",
             bool(self.html_rows)),
            ("URLs", len(self.url_rows), "rows with http(s):// or www. links", bool(self.url_rows)),
        ]

    def to_frame(self) -> pd.DataFrame:
        """One row per check with columns ``check``, ``value``, ``detail``.

        Example:
            >>> report.to_frame().set_index("check").loc["empty rows", "value"]  # doctest: +SKIP
            0
        """
        checks = self._checks()
        # object dtype: row counts stay integers next to ratios and percentiles
        return pd.DataFrame({
            "check": [c[0] for c in checks],
            "value": pd.Series([c[1] for c in checks], dtype=object),
            "detail": [c[2] for c in checks],
        })

    def _reasons(self) -> dict[int, list[tuple[str, str]]]:
        """``{row: [(kind, message), ...]}`` for every flagged row."""
        reasons: dict[int, list[tuple[str, str]]] = {}

        def add(i: int, kind: str, why: str) -> None:
            reasons.setdefault(i, []).append((kind, why))

        for i in self.empty_rows:
            add(i, "empty", "empty")
        for group in self.exact_duplicates:
            for i in group[1:]:
                add(i, "duplicate", f"duplicate of row {self._name(group[0])}")
        for i, j, sim in self.near_duplicates:
            add(j, "near", f"near duplicate of row {self._name(i)} ({sim:.2f})")
        for group in self.label_conflicts:
            for i in group:
                others = ", ".join(self._name(k) for k in group if k != i)
                add(i, "conflict", f"label conflict with row {others}")
        for rows, why in ((self.language_outliers, "not English?"), (self.html_rows, "HTML"),
                          (self.url_rows, "URL")):
            for i in rows:
                add(i, why, why)
        return reasons

    def _name(self, i: int) -> str:
        split, index = self.row_ids[i]
        return str(index) if len(self.rows_per_split) == 1 else f"{split}:{index}"

    def flagged_rows(self) -> pd.DataFrame:
        """Every row with at least one problem: ``index``, ``text``, ``label``, ``reason``
        (plus ``split`` for a DatasetDict); ``index`` is the row's index in its split.

        Example:
            >>> report.flagged_rows().head()  # doctest: +SKIP
        """
        reasons = self._reasons()
        records = []
        for i in sorted(reasons):
            split, index = self.row_ids[i]
            record = {"index": index, "text": self.texts[i], "label": self.labels[i],
                      "reason": "; ".join(why for _, why in reasons[i])}
            records.append(({"split": split} if len(self.rows_per_split) > 1 else {}) | record)
        columns = (["split"] if len(self.rows_per_split) > 1 else []) + ["index", "text", "label", "reason"]
        return pd.DataFrame.from_records(records, columns=columns)

    def _examples(self, per_kind: int) -> list[int]:
        """Up to ``per_kind`` flagged rows of each kind, so one common problem cannot hide the rest."""
        chosen: dict[str, list[int]] = {}
        for i, found in sorted(self._reasons().items()):
            for kind, _ in found:
                if len(chosen.setdefault(kind, [])) < per_kind:
                    chosen[kind].append(i)
        return sorted({i for rows in chosen.values() for i in rows})

    def _repr_html_(self) -> str:
        checks = self._checks()
        table = html_table(["check", "value", "detail"], [c[:3] for c in checks], [c[3] for c in checks])
        flagged = self.flagged_rows()  # one row per flagged row, in row order
        position = {row: k for k, row in enumerate(sorted(self._reasons()))}
        shown = flagged.iloc[[position[i] for i in self._examples(EXAMPLES_PER_KIND)]]
        shown = shown.assign(text=[shorten(t, 120, True) for t in shown["text"]])
        examples = html_table(list(shown.columns), shown.itertuples(index=False), limit=120)
        warnings = sum(c[3] for c in checks)
        title = f"Flagged rows: {len(flagged)} (examples of each problem; all in flagged_rows())"
        return (
            f'<div class="ftlab-data-report"><b>DataReport</b>: {self.n_rows:,} rows, '
            f"{warnings} check(s) flagged{table}"
            + (html_section(title, examples) if len(flagged) else "")
            + "</div>"
        )


def _lengths(stats: dict[str, float]) -> str:
    return ", ".join(f"{k}={_fmt(v)}" for k, v in stats.items())


def _fmt(value: float) -> str:
    value = round(float(value), 1)
    return str(int(value)) if value.is_integer() else f"{value:.1f}"
