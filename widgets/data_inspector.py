"""``DataInspector``: browse, filter and relabel a dataset in Jupyter.

A skin over :func:`ftlab.inspect`: it reads the dataset and its :class:`~ftlab.data.DataReport`,
shows matching rows with the report's flags, and records label corrections in a DataFrame.
It never edits the dataset; :meth:`DataInspector.apply_corrections` returns a corrected copy.
Charts are plotly figures rendered to static HTML, so they survive nbval and GitHub.
"""

from __future__ import annotations

from collections import Counter
import datasets
import ipywidgets as W
import pandas as pd
from IPython.display import display

from ftlab.data import DataReport, inspect
from ftlab.data.html_tables import html_table, shorten

from ._common import Panel, panel_handler

ALL = "(all)"
CORRECTION_COLUMNS = ["index", "text", "old_label", "new_label"]


class DataInspector(Panel):
    """Filter rows by label, length, text and flags; record label corrections.

    Args:
        ds: one Dataset with a ``text`` column (a ClassLabel ``label`` enables relabelling).
        report: a report from ``ftlab.inspect(ds)``; computed when not given.
        page_size: rows shown in the table (the first matches).

    Example:
        >>> panel = DataInspector(ds)            # doctest: +SKIP
        >>> panel                                # shows the panel in Jupyter  # doctest: +SKIP
        >>> fixed = panel.apply_corrections()    # doctest: +SKIP
    """

    def __init__(self, ds: datasets.Dataset, report: DataReport | None = None, page_size: int = 50):
        _check_dataset(ds)
        self.ds = ds
        self.report = report if report is not None else inspect(ds)
        _check_report(self.report, ds)
        self.page_size = page_size
        self._texts = ["" if t is None else str(t) for t in ds["text"]]
        self._lower = [t.lower() for t in self._texts]
        self._lengths = [len(t.split()) for t in self._texts]
        feature = ds.features.get("label")
        self._names = list(feature.names) if isinstance(feature, datasets.ClassLabel) else []
        self._labels = [feature.int2str(int(v)) for v in ds["label"]] if self._names else [None] * len(ds)
        flagged = self.report.flagged_rows()
        self._reasons = dict(zip(flagged["index"].tolist(), flagged["reason"].tolist()))
        self.corrections = pd.DataFrame(columns=CORRECTION_COLUMNS)
        self._build()
        self.refresh()

    def _build(self) -> None:
        longest = max(self._lengths, default=0)
        self.label_filter = W.Dropdown(options=[ALL, *self._names], value=ALL, description="label",
                                       disabled=not self._names)
        self.length_filter = W.IntRangeSlider(min=0, max=max(longest, 1), value=(0, max(longest, 1)),
                                              description="words", continuous_update=False)
        self.search = W.Text(placeholder="text contains…", description="search", continuous_update=False)
        self.flagged_only = W.Checkbox(value=False, description="flagged only", indent=False)
        self.summary = W.HTML()
        self.table = W.HTML()
        self.charts = W.Output()
        self.relabel_index = W.IntText(value=0, description="row index")
        self.relabel_to = W.Dropdown(options=self._names, description="new label", disabled=not self._names)
        self.record_button = W.Button(description="Record correction", icon="pencil",
                                      disabled=not self._names)
        self.output = W.Output()
        self.corrections_view = W.HTML()
        for control in (self.label_filter, self.length_filter, self.search, self.flagged_only):
            control.observe(self._on_filter, names="value")
        self.record_button.on_click(self._on_record)
        self.widget = W.VBox([
            W.HBox([self.label_filter, self.length_filter]),
            W.HBox([self.search, self.flagged_only]),
            self.summary, self.charts, self.table,
            W.HTML("<b>Relabel</b>: corrections are recorded, never applied silently; "
                   "call <code>apply_corrections()</code> for a corrected copy."),
            W.HBox([self.relabel_index, self.relabel_to, self.record_button]),
            self.output, self.corrections_view,
        ])

    @panel_handler
    def _on_filter(self, change: dict) -> None:
        self.refresh()

    @panel_handler
    def _on_record(self, button: W.Button) -> None:
        self._record()

    def visible_indices(self) -> list[int]:
        """Indices of all rows matching the current filters (the table shows the first ones)."""
        label, (low, high) = self.label_filter.value, self.length_filter.value
        query = self.search.value.strip().lower()
        return [
            i for i in range(len(self._texts))
            if (label == ALL or self._labels[i] == label)
            and low <= self._lengths[i] <= high
            and (not query or query in self._lower[i])
            and (not self.flagged_only.value or i in self._reasons)
        ]

    def refresh(self) -> None:
        """Redraw the summary, table and charts for the current filters."""
        rows = self.visible_indices()
        shown = rows[: self.page_size]
        self.summary.value = (f"<b>{len(rows):,}</b> of {len(self._texts):,} rows match; showing "
                              f"{len(shown)} (flagged rows are shaded).")
        self.table.value = self._table_html(shown)
        # a raw display_data output: append_display_data would create a global IPython shell
        chart = {"text/html": self._chart_html(rows), "text/plain": "(label and length charts)"}
        self.charts.outputs = ({"output_type": "display_data", "data": chart, "metadata": {}},)

    def _table_html(self, rows: list[int]) -> str:
        corrected = dict(zip(self.corrections["index"], self.corrections["new_label"]))
        records = []
        for i in rows:
            label = self._labels[i] or ""
            if i in corrected:
                label = f"{label} → {corrected[i]} (recorded)"
            records.append([i, label, self._lengths[i], shorten(self._texts[i], 300, True),
                            self._reasons.get(i, "")])
        return html_table(["index", "label", "words", "text", "flag"], records,
                          [i in self._reasons for i in rows], limit=300)

    def _chart_html(self, rows: list[int]) -> str:
        from plotly.subplots import make_subplots

        fig = make_subplots(rows=1, cols=2, subplot_titles=("rows per label", "length (words)"))
        counts = Counter(self._labels[i] for i in rows)
        names = self._names or [None]
        fig.add_bar(x=[str(n) if n else "(no label)" for n in names], y=[counts.get(n, 0) for n in names],
                    row=1, col=1, name="rows")
        fig.add_histogram(x=[self._lengths[i] for i in rows], nbinsx=30, row=1, col=2, name="words")
        fig.update_layout(height=260, width=760, showlegend=False, margin=dict(l=40, r=10, t=30, b=30))
        return fig.to_html(full_html=False, include_plotlyjs="cdn")

    def _record(self) -> None:
        self.output.outputs = ()  # show only the latest message
        index, new = self.relabel_index.value, self.relabel_to.value
        if not 0 <= index < len(self._texts):
            raise IndexError(f"row index {index} is out of range: this dataset has {len(self._texts)} "
                             f"rows (0 to {len(self._texts) - 1}). Use an index from the table.")
        old = self._labels[index]
        had = index in set(self.corrections["index"])
        self.corrections = self.corrections[self.corrections["index"] != index].reset_index(drop=True)
        if new == old and not had:
            raise ValueError(f"row {index} is already labelled {old!r}; pick another label.")
        if new != old:
            row = pd.DataFrame([[index, self._texts[index], old, new]], columns=CORRECTION_COLUMNS)
            frames = [self.corrections, row] if len(self.corrections) else [row]
            self.corrections = pd.concat(frames, ignore_index=True)
            self.output.append_stdout(f"Recorded: row {index} {old!r} → {new!r}.\n")
        else:
            self.output.append_stdout(f"Removed the correction of row {index} (back to {old!r}).\n")
        self.corrections_view.value = html_table(CORRECTION_COLUMNS, self.corrections.itertuples(index=False))
        self.refresh()

    def apply_corrections(self) -> datasets.Dataset:
        """A new Dataset with the recorded corrections applied (the original is unchanged).

        Example:
            >>> fixed = panel.apply_corrections()  # doctest: +SKIP
        """
        if not len(self.corrections):
            return self.ds
        frame = self.ds.to_pandas()
        feature = self.ds.features["label"]
        for index, new in zip(self.corrections["index"], self.corrections["new_label"]):
            frame.at[int(index), "label"] = feature.str2int(new)
        return datasets.Dataset.from_pandas(frame, features=self.ds.features, preserve_index=False)

    def to_html(self) -> str:
        """Static view (papermill, nbval, GitHub): summary, charts and the current table."""
        return (f"<div class='ftlab-data-inspector'>{self.summary.value}{self._chart_html(self.visible_indices())}"
                f"{self.table.value}{self.corrections_view.value}</div>")

    def _ipython_display_(self) -> None:
        # the shared Panel rule: live widgets where a front end renders them, static HTML elsewhere
        display(self._repr_mimebundle_(), raw=True)

    def __repr__(self) -> str:
        return f"DataInspector({len(self._texts)} rows, {len(self.corrections)} corrections)"


def _check_dataset(ds: object) -> None:
    if isinstance(ds, datasets.DatasetDict):
        raise TypeError(f"DataInspector shows one Dataset; got a DatasetDict with splits {list(ds)}. "
                        "Pass one split, e.g. DataInspector(splits['train']).")
    if not isinstance(ds, datasets.Dataset):
        raise TypeError(f"DataInspector takes a datasets.Dataset; got {type(ds).__name__}.")
    if "text" not in ds.column_names:
        raise ValueError(f"DataInspector needs a 'text' column; the dataset has {ds.column_names}. "
                         "Load it with ftlab.load_dataset(..., text=<column>).")


def _check_report(report: DataReport, ds: datasets.Dataset) -> None:
    if len(report.rows_per_split) != 1 or report.n_rows != len(ds):
        raise ValueError(f"The report describes {report.rows_per_split}, but the dataset has {len(ds)} "
                         "rows. Pass the report of this dataset: report=ftlab.inspect(ds).")
