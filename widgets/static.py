"""Static views of a training run: plotly figures and HTML tables that survive papermill, nbval and GitHub.

The live dashboard draws into the same figure layout, so a learner sees the same plots whether the
notebook runs in JupyterLab or unattended.

Example:
    >>> history = trainer.fit(model, splits["train"], splits["validation"])  # doctest: +SKIP
    >>> ftlab.widgets.plot_history(history)                                   # doctest: +SKIP
"""
from __future__ import annotations

import html
from typing import Optional

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

# (subplot title, [(trace name, source table, column)]); "metrics" = every eval column but the loss.
_LOSS = ("loss", [("train loss", "steps", "loss"), ("val loss", "evals", "val_loss")])
_METRIC = ("validation metric", "metrics")
_LR = ("learning rate", [("lr", "steps", "lr")])
_DETAIL = [("grad norm", [("grad norm", "steps", "grad_norm")]),
           ("samples / s", [("samples/s", "steps", "samples_per_s")]),
           ("memory (MiB)", [("memory MiB", "steps", "memory_mb")])]
_NOT_METRICS = {"step", "epoch", "val_loss"}


def _panels(full: bool) -> list:
    return [_LOSS, _METRIC, _LR, *(_DETAIL if full else [])]


def metric_names(evals: list[dict]) -> list[str]:
    """Eval columns plotted as metrics (accuracy, macro_f1, r2, perplexity, …), in first-seen order."""
    names: list[str] = []
    for row in evals:
        names += [k for k in row if k not in _NOT_METRICS and k not in names]
    return names


def history_figure(steps: list[dict], evals: list[dict], full: bool = True, widget: bool = False) -> go.Figure:
    """Subplots of a run: loss (train and val), validation metrics, lr; with ``full`` also grad norm,
    samples/s and memory. ``widget=True`` returns a ``go.FigureWidget`` for live updates."""
    panels = _panels(full)
    cols = 3
    rows = (len(panels) + cols - 1) // cols
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[p[0] for p in panels],
                        horizontal_spacing=0.08, vertical_spacing=0.18,
                        figure=go.FigureWidget() if widget else None)
    for i, (_title, traces) in enumerate(panels):
        if traces == "metrics":
            continue  # added by update_figure once the first evaluation names them
        for name, _table, _col in traces:
            fig.add_scatter(x=[], y=[], name=name, mode="lines+markers" if _table == "evals" else "lines",
                            row=i // cols + 1, col=i % cols + 1)
    fig.update_layout(height=280 * rows, margin=dict(l=40, r=20, t=40, b=30),
                      legend=dict(orientation="h", y=-0.12), template="plotly_white")
    fig.update_xaxes(title_text="step", title_standoff=2)
    update_figure(fig, steps, evals, full)
    return fig


def _series(rows: list[dict], col: str) -> tuple[list, list]:
    pts = [(r["step"], r[col]) for r in rows if r.get(col) is not None]
    return [p[0] for p in pts], [p[1] for p in pts]


def update_figure(fig: go.Figure, steps: list[dict], evals: list[dict], full: bool = True) -> None:
    """Put the current history into ``fig`` (made by :func:`history_figure`); adds metric traces as needed."""
    tables = {"steps": list(steps), "evals": list(evals)}
    panels = _panels(full)
    metric_at = next(i for i, p in enumerate(panels) if p[1] == "metrics")
    sources = {name: (table, col) for _t, traces in panels if traces != "metrics" for name, table, col in traces}
    have = {t.name for t in fig.data}
    for m in metric_names(tables["evals"]):
        sources[m] = ("evals", m)
        if m not in have:
            fig.add_scatter(x=[], y=[], name=m, mode="lines+markers", row=metric_at // 3 + 1, col=metric_at % 3 + 1)
    batch = fig.batch_update() if isinstance(fig, go.FigureWidget) else _Null()
    with batch:
        for trace in fig.data:
            if trace.name in sources:
                table, col = sources[trace.name]
                trace.x, trace.y = _series(tables[table], col)


class _Null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def plot_history(history, full: bool = False) -> go.Figure:
    """A static plotly figure of a :class:`ftlab.History`: train/val loss, validation metrics, lr
    (``full=True`` adds grad norm, samples/s and memory). Displays under papermill and nbval.

    Example:
        >>> fig = plot_history(trainer.history)  # doctest: +SKIP
        >>> fig.write_html("run.html")           # doctest: +SKIP
    """
    return history_figure(history.steps, history.evals, full=full)


def figure_html(fig: go.Figure) -> str:
    """HTML fragment of a figure that loads plotly.js from the CDN (kept in executed notebooks)."""
    return go.Figure(fig).to_html(include_plotlyjs="cdn", full_html=False)


def summary_html(history) -> str:
    """``history.summary()`` as a one-row HTML table."""
    row = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in history.summary().items()}
    return pd.DataFrame([row]).to_html(index=False, border=0, classes="ftlab-summary-table")


def table_html(rows: "dict | list[dict]", caption: Optional[str] = None) -> str:
    """A small HTML table from a dict (two columns) or a list of row dicts."""
    frame = pd.DataFrame(list(rows.items()), columns=["field", "value"]) if isinstance(rows, dict) else pd.DataFrame(rows)
    cap = f"<b>{html.escape(caption)}</b>" if caption else ""
    return cap + frame.to_html(index=False, border=0)


def pre_html(text: str) -> str:
    """Copyable preformatted text."""
    return ("<pre style='white-space:pre-wrap;user-select:all;margin:2px 0;padding:4px 6px;"
            f"background:#f6f8fa;border:1px solid #ddd'>{html.escape(text)}</pre>")
