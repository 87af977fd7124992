"""Column mapping and label encoding: turn whatever a file calls its columns into ``text`` and
``label``, and turn label values (strings or integers) into a ``ClassLabel``.

All errors name the source (file or dataset), what was found, and how to fix it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
import pandas as pd

MAX_ROWS_SHOWN = 10


def rename_columns(
    columns: Sequence[str], text: str | bool | None, label: str | None, source: str
) -> dict[str, str]:
    """Return the ``{old: new}`` renames that map ``text=``/``label=`` onto ``text``/``label``.

    Raises ValueError naming the existing columns when a requested column is missing, or when a
    ``text``/``label`` column already exists next to the one being renamed.

    Example:
        >>> rename_columns(["review_body", "stars"], "review_body", "stars", "my.csv")
        {'review_body': 'text', 'stars': 'label'}
    """
    for role, wanted, allowed in (("text", text, "a column name, False or None"), ("label", label, "a column name or None")):
        if not (wanted is None or isinstance(wanted, str) or (role == "text" and wanted is False)):
            raise TypeError(
                f"{role}= must be {allowed}; got {wanted!r}. {source} has the columns "
                f"{list(columns)}: pass {role}=<one of those>."
            )
    renames = {}
    for role, wanted in (("text", text), ("label", label)):
        if not isinstance(wanted, str) or wanted == role:
            continue
        if wanted not in columns:
            raise ValueError(
                f"{source} has no column {wanted!r} (asked for with {role}={wanted!r}); "
                f"its columns are {list(columns)}. Pass {role}=<one of those columns>."
            )
        if role in columns:
            raise ValueError(
                f"{source} already has a {role!r} column, so {role}={wanted!r} cannot be renamed "
                f"to {role!r}. Drop or rename one first, e.g. "
                f"ds.remove_columns({role!r}).rename_column({wanted!r}, {role!r})."
            )
        renames[wanted] = role
    return renames


def require_text_column(columns: Sequence[str], text: str | bool | None, source: str) -> None:
    """Raise ValueError when there is no ``text`` column and ``text=False`` was not given."""
    if text is False or "text" in columns:
        return
    guess = next((c for c in columns if c != "label"), "<column>")
    raise ValueError(
        f"{source} has no 'text' column; its columns are {list(columns)}. Pass "
        f"text={guess!r} (and label=<column> for the label) to say which column holds the text, "
        "or text=False for data without a single text column (translation or sentence pairs)."
    )


NESTED = (list, tuple, set, dict, np.ndarray)
FIX_FOR = {
    "label": "Keep one label per row, e.g. df['label'] = df['label'].str[0]. ftlab does single-label "
             "classification: for multi-label data, train one yes/no classifier per tag.",
    "text": "Keep one string per row: join list pieces, e.g. df['text'] = df['text'].str.join(' '), "
            "or pick the text column with text=<column>.",
}


def check_scalar_column(values: Sequence, column: str, role: str, source: str) -> None:
    """Raise ValueError when a text or label column holds lists or dicts, naming rows and the fix.

    Example:
        >>> check_scalar_column([["neg", "pos"]], "label", "label", "my.parquet")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ValueError: my.parquet: the 'label' column holds lists, not one label per row: ...
    """
    nested = [i for i, v in enumerate(values) if isinstance(v, NESTED)]
    if not nested:
        return
    example = values[nested[0]]
    shown = example.tolist() if isinstance(example, np.ndarray) else example
    kind = "dicts" if isinstance(example, dict) else "lists"
    raise ValueError(
        f"{source}: the {column!r} column holds {kind}, not one {role} per row: {row_list(nested)} "
        f"(e.g. row {nested[0]} holds {shown!r}). {FIX_FOR[role]}"
    )


def is_missing(value: object) -> bool:
    """True for None, NaN, pandas NA and empty/whitespace strings."""
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float | np.floating):
        return math.isnan(value)
    return isinstance(value, str) and not value.strip()


def _kind(value: object) -> str:
    """'number' or 'text' ('digits' for strings such as "3" that look like numbers)."""
    if isinstance(value, bool | np.bool_):
        return "number"
    if isinstance(value, int | float | np.integer | np.floating):
        return "number"
    text = str(value).strip()
    return "digits" if text.lstrip("-").isdigit() else "text"


def row_list(indices: Sequence[int]) -> str:
    shown = ", ".join(str(i) for i in indices[:MAX_ROWS_SHOWN])
    more = f" and {len(indices) - MAX_ROWS_SHOWN} more" if len(indices) > MAX_ROWS_SHOWN else ""
    return f"{'row' if len(indices) == 1 else 'rows'} {shown}{more} (0-based)"


def check_label_values(values: Sequence, source: str) -> None:
    """Raise ValueError for missing labels, or numbers mixed with words, naming the rows."""
    missing = [i for i, v in enumerate(values) if is_missing(v)]
    if missing:
        raise ValueError(
            f"{source}: {len(missing)} labels are missing (None, NaN or empty) at {row_list(missing)}. "
            "Drop or fill those rows before loading, e.g. df.dropna(subset=['label'])."
        )
    kinds = [_kind(v) for v in values]
    counts = Counter("number" if k == "digits" else k for k in kinds)
    if len(counts) > 1:
        # "3" written as text counts as a number: what matters is numbers mixed with words
        odd_kind = min(counts, key=counts.get)
        odd = [i for i, k in enumerate(kinds) if k == odd_kind or (k == "digits" and odd_kind == "number")]
        examples = sorted({repr(values[i]) for i in odd[:MAX_ROWS_SHOWN]})
        raise ValueError(
            f"{source}: the label column mixes numbers and words; the odd ones out are at "
            f"{row_list(odd)} (values {', '.join(examples)}). Use one kind of label for every row: "
            "all class names (e.g. 'positive') or all class numbers (0, 1, 2)."
        )


def _as_ints(values: Sequence, source: str) -> list[int] | None:
    """Integers for numeric labels (floats must be whole numbers), None for string labels."""
    if _kind(values[0]) == "text":
        return None
    fractional = [i for i, v in enumerate(values) if not float(v).is_integer()]
    if fractional:
        raise ValueError(
            f"{source}: class labels must be whole numbers or names, but {row_list(fractional)} "
            f"hold fractions (e.g. {values[fractional[0]]!r}). For a regression target, keep the "
            "scores in a column with another name (e.g. 'score') and load with label=None."
        )
    return [int(float(v)) for v in values]


def encode_labels(
    values: Sequence, label_names: Sequence[str] | None, source: str
) -> tuple[list[int], list[str]]:
    """Turn label values into class ids and class names for a ``ClassLabel``.

    Names are sorted unless ``label_names`` gives the order. Integer labels without
    ``label_names`` become names ``"1"``, ``"2"`` ... ; with ``label_names`` they are class ids.

    Example:
        >>> encode_labels(["pos", "neg", "pos"], None, "demo")
        ([1, 0, 1], ['neg', 'pos'])
        >>> encode_labels([0, 2], ["negative", "neutral", "positive"], "demo")
        ([0, 2], ['negative', 'neutral', 'positive'])
    """
    if len(values) == 0:
        return [], list(label_names or [])
    check_label_values(values, source)
    if label_names is not None:
        label_names = _check_label_names(label_names, source)
    elif all(isinstance(v, bool | np.bool_) for v in values):
        values = [str(bool(v)) for v in values]  # classes "False"/"True", not "0"/"1"
    ints = _as_ints(values, source)
    if ints is not None and label_names is not None:
        bad = [i for i, v in enumerate(ints) if not 0 <= v < len(label_names)]
        if bad:
            raise ValueError(
                f"{source}: with label_names={label_names} integer labels are class ids "
                f"0..{len(label_names) - 1}, but {row_list(bad)} hold {sorted({ints[i] for i in bad})}. "
                "Map them to names first, or pass label_names with one name per class id."
            )
        return ints, label_names
    if ints is not None:
        names = [str(v) for v in sorted(set(ints))]
        lookup = {int(n): k for k, n in enumerate(names)}
        return [lookup[v] for v in ints], names
    strings = [str(v) for v in values]
    names = label_names or sorted(set(strings))
    unknown = sorted(set(strings) - set(names))
    if unknown:
        raise ValueError(
            f"{source}: labels {unknown} are not in label_names={names}. "
            "Add them to label_names or fix those rows."
        )
    lookup = {n: k for k, n in enumerate(names)}
    return [lookup[s] for s in strings], names


def _check_label_names(label_names: Sequence[str], source: str) -> list[str]:
    names = [str(n) for n in label_names] if isinstance(label_names, Sequence | np.ndarray) else []
    if not names or isinstance(label_names, str) or len(set(names)) != len(names):
        raise ValueError(
            f"{source}: label_names must be a non-empty list of distinct names, e.g. "
            f"['negative', 'neutral', 'positive']; got {label_names!r}."
        )
    return names
