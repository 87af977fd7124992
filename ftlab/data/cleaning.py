"""``clean``: run named cleaning steps in order and account for every input row."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import datasets
import pandas as pd

from .checks import as_text, check_threshold, require_dataset, require_text_feature
from .cleaning_steps import DEFAULT_STEPS, STEPS, Step, drop_near_duplicates
from .html_tables import html_section, html_table, shorten

EVENT_COLUMNS = ["index", "action", "reason", "detail", "before", "after"]
EXAMPLES_PER_REASON = 5


@dataclass
class CleaningReport:
    """What :func:`clean` changed and removed, row by row.

    ``kept[i]`` is the input index of row ``i`` of the cleaned dataset; ``events`` has one row
    per change or removal (``index`` = input index). ``len(kept) + len(removed) == n_input``.

    Example:
        >>> ds, report = ftlab.clean(ftlab.load_dataset("reviews-raw"))  # doctest: +SKIP
        >>> report.summary()  # doctest: +SKIP
    """

    n_input: int
    steps: list[str]
    kept: list[int]
    events: pd.DataFrame = field(repr=False)

    @property
    def removed(self) -> list[int]:
        """Input indices of the removed rows, in input order."""
        return sorted(self.events.loc[self.events["action"] == "removed", "index"].tolist())

    @property
    def changed(self) -> list[int]:
        """Input indices of rows whose text was edited (they may also have been removed later)."""
        return sorted(set(self.events.loc[self.events["action"] == "changed", "index"].tolist()))

    def summary(self) -> pd.DataFrame:
        """Rows changed and removed by each step, in the order the steps ran, plus a total.

        Example:
            >>> report.summary()  # doctest: +SKIP
                              step  changed  removed
            0           strip_html       31        0
        """
        counts = self.events.groupby(["reason", "action"]).size()
        rows = [
            {"step": step, "changed": int(counts.get((step, "changed"), 0)),
             "removed": int(counts.get((step, "removed"), 0))}
            for step in self.steps
        ]
        rows.append({"step": f"total (kept {len(self.kept)} of {self.n_input})",
                     "changed": len(self.changed), "removed": len(self.removed)})
        return pd.DataFrame(rows, columns=["step", "changed", "removed"])

    def to_frame(self) -> pd.DataFrame:
        """Every change and removal: index, action, reason, detail, before, after."""
        return self.events.copy()

    def _repr_html_(self) -> str:
        summary = self.summary()
        table = html_table(list(summary.columns), summary.itertuples(index=False),
                           [bool(r.changed or r.removed) for r in summary.itertuples()][:-1] + [False])
        sections = []
        for step in self.steps:
            rows = self.events[self.events["reason"] == step]
            if len(rows):
                shown = [(r.index, r.detail, shorten(r.before, 120, True),
                          "(removed)" if r.action == "removed" else shorten(r.after, 120, True))
                         for r in rows.head(EXAMPLES_PER_REASON).itertuples(index=False)]
                body = html_table(["index", "detail", "before", "after"], shown, limit=120)
                sections.append(html_section(f"{step}: {len(rows)} rows (first {len(shown)})", body))
        return (f'<div class="ftlab-cleaning-report"><b>CleaningReport</b>: kept '
                f"{len(self.kept):,} of {self.n_input:,} rows{table}{''.join(sections)}</div>")


def clean(
    ds: datasets.Dataset,
    steps: Sequence[str | Step] = DEFAULT_STEPS,
    near_threshold: float = 0.8,
) -> tuple[datasets.Dataset, CleaningReport]:
    """Clean the ``text`` column step by step; nothing disappears without a reported reason.

    Args:
        ds: a Dataset with a ``text`` column (and usually a ``label``). Clean before splitting,
            so duplicates cannot end up on both sides of the split.
        steps: step names run in order (see ``ftlab.data.STEPS``; ``"strip_emoji"`` is
            optional), or your own functions ``frame -> (frame, events)``.
        near_threshold: cosine similarity from which ``drop_near_duplicates`` drops a row.

    Returns:
        The cleaned Dataset (same columns and features) and a :class:`CleaningReport`.

    Example:
        >>> ds, report = clean(ftlab.load_dataset("reviews-raw"))  # doctest: +SKIP
        >>> ds, report = clean(ds, steps=["strip_html", "drop_empty"])  # doctest: +SKIP
    """
    _check_input(ds)
    functions = _resolve_steps(steps, check_threshold(near_threshold, allow_none=False))
    frame = ds.to_pandas()
    # a missing text (None, or NaN once pandas has it) is the empty text, as inspect() counts it
    frame["text"] = [as_text(t) for t in frame["text"]]
    frame["_orig"] = range(len(frame))
    events: list[dict] = []
    for name, function in functions:
        frame, step_events = _run_step(name, function, frame)
        events += step_events
    report = CleaningReport(
        n_input=len(ds),
        steps=[name for name, _ in functions],
        kept=[int(i) for i in frame["_orig"]],
        events=pd.DataFrame(events, columns=EVENT_COLUMNS),
    )
    _check_accounting(report)
    return _to_dataset(frame.drop(columns="_orig"), ds.features), report


def _to_dataset(frame: pd.DataFrame, features: datasets.Features) -> datasets.Dataset:
    features = features.copy()
    if features["text"].dtype not in ("string", "large_string"):  # e.g. numbers, or all-None
        features["text"] = datasets.Value("string")  # the steps made every text a str
    return datasets.Dataset.from_pandas(frame.reset_index(drop=True), features=features, preserve_index=False)


def _check_input(ds: object) -> None:
    if isinstance(ds, datasets.DatasetDict):
        raise TypeError(
            f"clean() takes one Dataset; got a DatasetDict with splits {list(ds)}. Clean before "
            "splitting (so duplicates cannot straddle train and test), or clean ds['train']."
        )
    require_dataset(ds, "clean")
    if "text" not in ds.column_names:
        raise ValueError(
            f"clean() needs a 'text' column; the dataset has {ds.column_names}. Load it with "
            "ftlab.load_dataset(..., text=<column>) or ds.rename_column(<column>, 'text')."
        )
    require_text_feature(ds, "text", "clean")


def _resolve_steps(steps: Sequence[str | Step], near_threshold: float) -> list[tuple[str, Callable]]:
    if isinstance(steps, str) or callable(steps):
        steps = [steps]
    if not isinstance(steps, list | tuple):
        raise TypeError(
            f"clean(steps=...) must be a list of step names or functions; got {steps!r}. "
            f"Available steps: {', '.join(STEPS)}; the default is {list(DEFAULT_STEPS)}."
        )
    resolved = []
    for step in steps:
        if callable(step):
            resolved.append((getattr(step, "__name__", "custom_step"), step))
        elif step == "drop_near_duplicates":
            resolved.append((step, functools.partial(drop_near_duplicates, threshold=near_threshold)))
        elif step in STEPS:
            resolved.append((step, STEPS[step]))
        else:
            raise ValueError(
                f"Unknown cleaning step {step!r}. Available steps: {', '.join(STEPS)} "
                f"(default: {', '.join(DEFAULT_STEPS)})."
            )
    return resolved


def _run_step(name: str, function: Callable, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    result = function(frame)
    if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], pd.DataFrame)):
        raise TypeError(
            f"Cleaning step {name!r} returned {type(result).__name__}; a step must return "
            "(frame, events): the new DataFrame and a list of event dicts (one per changed or "
            "removed row, see ftlab.data.cleaning_steps.removed_rows)."
        )
    return result[0], list(result[1])


def _check_accounting(report: CleaningReport) -> None:
    """kept + removed must be exactly the input rows; anything else is a bug in a step."""
    kept, removed = set(report.kept), report.removed
    lost = set(range(report.n_input)) - kept - set(removed)
    if len(report.kept) + len(removed) != report.n_input or lost or kept & set(removed):
        raise RuntimeError(
            f"CleaningReport does not add up: {len(report.kept)} kept + {len(removed)} removed != "
            f"{report.n_input} input rows (unaccounted: {sorted(lost)[:10]}, kept and removed: "
            f"{sorted(kept & set(removed))[:10]}). A cleaning step dropped rows without "
            "reporting them; custom steps must return a 'removed' event for every dropped row."
        )
