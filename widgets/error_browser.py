"""ErrorBrowser: browse a model's highest-loss examples, filtered by true/predicted label and confidence.

A skin over :func:`ftlab.metrics.errors.error_table`: the panel computes that table once and only filters
it, so anything it shows, ``error_table(model, dataset, top)`` plus a pandas filter shows too.
Without a widget front end (papermill, nbval, GitHub) it renders the filtered table as static HTML.

Example:
    >>> browser = ErrorBrowser(model, splits["test"], top=50)  # doctest: +SKIP
    >>> browser.true_filter.value = "neutral"; browser.min_confidence.value = 0.7  # doctest: +SKIP
    >>> browser.visible_rows()  # confident mistakes on neutral reviews  # doctest: +SKIP
"""
from __future__ import annotations

import html

import ipywidgets as widgets
import pandas as pd

from ftlab.data.html_tables import html_table
from ftlab.metrics.errors import error_table

from ._common import Panel, panel_handler

ANY = "(any)"


class ErrorBrowser(Panel):
    """Top-loss examples with filters: true label, predicted label, minimum confidence.

    Args:
        model: a classification or regression :class:`ftlab.FTModel` (regression: no label/confidence filters).
        dataset: a ``datasets.Dataset`` with a text column and the model's target column.
        top: how many highest-loss examples to browse.
        batch_size, max_len: passed to the model's predictions.

    Attributes:
        table: the full top-loss DataFrame (``error_table`` output) the filters act on.
        true_filter, predicted_filter: Dropdowns, ``"(any)"`` or a label name.
        min_confidence: FloatSlider; rows with confidence >= this value are shown.
        summary, view: HTML widgets (match count, the table).  output: handler errors.  widget: the panel.
    """

    def __init__(self, model, dataset, top: int = 50, batch_size: int = 64, max_len: int = 128):
        self.table = error_table(model, dataset, top=top, batch_size=batch_size, max_len=max_len)
        self.classification = "confidence" in self.table.columns
        labels = list(model.labels or []) if self.classification else []
        self.true_filter = widgets.Dropdown(options=[ANY, *labels], value=ANY, description="true",
                                            disabled=not labels)
        self.predicted_filter = widgets.Dropdown(options=[ANY, *labels], value=ANY, description="predicted",
                                                 disabled=not labels)
        self.min_confidence = widgets.FloatSlider(value=0.0, min=0.0, max=1.0, step=0.05, description="confidence ≥",
                                                  continuous_update=False, readout_format=".2f",
                                                  disabled=not self.classification,
                                                  style={"description_width": "initial"})
        self.summary = widgets.HTML()
        self.view = widgets.HTML()
        self.output = widgets.Output()
        for control in (self.true_filter, self.predicted_filter, self.min_confidence):
            control.observe(self._on_filter, names="value")
        self.widget = widgets.VBox([widgets.HBox([self.true_filter, self.predicted_filter, self.min_confidence]),
                                    self.summary, self.view, self.output])
        self.widget.add_class("ftlab-error-browser")
        self.refresh()

    def visible_rows(self) -> pd.DataFrame:
        """The rows of :attr:`table` that match the current filters, highest loss first."""
        t = self.table
        if not self.classification:
            return t
        keep = t["confidence"] >= self.min_confidence.value - 1e-9  # the slider's 0.7 may arrive as 0.7000000001
        if self.true_filter.value != ANY:
            keep &= t["true"] == self.true_filter.value
        if self.predicted_filter.value != ANY:
            keep &= t["predicted"] == self.predicted_filter.value
        return t[keep]

    @panel_handler
    def _on_filter(self, change) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Redraw the summary and table for the current filters."""
        rows = self.visible_rows()
        self.summary.value = self._summary_html(rows)
        self.view.value = self._table_html(rows)

    def _summary_html(self, rows: pd.DataFrame) -> str:
        what = "highest-loss examples" if self.classification else "largest absolute errors"
        text = f"{len(rows)} of the {len(self.table)} {what} match"
        if self.classification:
            wrong = int((rows["true"] != rows["predicted"]).sum())
            text += (f" (true: {self.true_filter.value}, predicted: {self.predicted_filter.value}, "
                     f"confidence ≥ {self.min_confidence.value:.2f}); {wrong} of them are mistakes (shaded)")
        return f"<b>{html.escape(text)}</b>"

    def _table_html(self, rows: pd.DataFrame) -> str:
        if rows.empty:
            return "<i>No examples match these filters.</i>"
        header = ["row", *rows.columns]
        records = [[i, *(f"{v:.3f}" if isinstance(v, float) else v for v in r)]
                   for i, r in zip(rows.index, rows.itertuples(index=False))]
        wrong = (rows["true"] != rows["predicted"]).tolist() if self.classification else None
        return html_table(header, records, wrong, limit=300)

    def to_html(self) -> str:
        """Static view: the filters' current values, the summary and the matching rows."""
        return (f"<div class='ftlab-error-browser'>{self._summary_html(self.visible_rows())}"
                f"{self._table_html(self.visible_rows())}</div>")

    def __repr__(self) -> str:
        return f"ErrorBrowser({len(self.table)} examples, {len(self.visible_rows())} shown)"
