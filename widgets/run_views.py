"""Views of an :class:`ftlab.runs.Runs` table: the sorted HTML table, the curves of chosen runs overlaid in
one figure, and a run written out as notebook cells plus the papermill command.

All of it is static (HTML, plotly figures), so it survives papermill, nbval and GitHub; the Playground
draws the same figure into a live FigureWidget where a front end exists.

Example:
    >>> fig = runs_figure(playground.store)          # doctest: +SKIP
    >>> html = runs_table_html(playground.store, sort_by="val_accuracy", descending=True)  # doctest: +SKIP
"""
from __future__ import annotations

import html
from pathlib import Path
from typing import Optional, Sequence

import plotly.colors
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ftlab.runs import Run, Runs, non_default_fields

from .hyperparam_panel import papermill_command
from .static import pre_html

_COLORS = plotly.colors.qualitative.Plotly


def runs_table_html(runs: Runs, sort_by: str = "run", descending: bool = False) -> str:
    """The runs as an HTML table sorted by one column (missing values last)."""
    frame = runs.to_frame()
    if frame.empty:
        return "<p class='ftlab-runs-empty'>No runs yet: press Start.</p>"
    if sort_by not in frame.columns:
        raise ValueError(f"Cannot sort the runs by {sort_by!r}; the columns are {list(frame.columns)}")
    frame = frame.sort_values(sort_by, ascending=not descending, na_position="last", kind="stable")
    return frame.to_html(index=False, border=0, classes="ftlab-runs", float_format=lambda v: f"{v:.4g}")


def runs_figure(runs: Runs, ids: Optional[Sequence[int]] = None, widget: bool = False) -> go.Figure:
    """Training loss and the validation metric of runs ``ids`` (default: all), one colour per run.

    ``widget=True`` returns a ``go.FigureWidget`` that :func:`update_runs_figure` redraws in place.
    """
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1, figure=go.FigureWidget() if widget else None,
                        subplot_titles=["training loss", "validation metric"])
    fig.update_layout(height=320, margin=dict(l=40, r=20, t=40, b=30), template="plotly_white",
                      legend=dict(orientation="h", y=-0.2))
    fig.update_xaxes(title_text="step", title_standoff=2)
    update_runs_figure(fig, runs, ids)
    return fig


def update_runs_figure(fig: go.Figure, runs: Runs, ids: Optional[Sequence[int]] = None) -> None:
    """Redraw ``fig`` (from :func:`runs_figure`) with one loss and one metric trace per chosen run."""
    chosen = [r for r in runs if ids is None or r.id in ids]
    metric = runs.metric
    fig.data = ()
    fig.layout.annotations[1].text = f"validation {metric}"
    for run in chosen:
        color, name = _COLORS[(run.id - 1) % len(_COLORS)], f"run {run.id}"
        steps = [(row["step"], row["loss"]) for row in run.history.steps]
        evals = [(row["step"], row[metric]) for row in run.history.evals if row.get(metric) is not None]
        for col, points, mode in ((1, steps, "lines"), (2, evals, "lines+markers")):
            fig.add_scatter(x=[p[0] for p in points], y=[p[1] for p in points], name=name, legendgroup=name,
                            showlegend=col == 1, mode=mode, line=dict(color=color), row=1, col=col)


def samples_html(run: Run) -> str:
    """A causal-LM run's prompts with the greedy answers before and after it, side by side ('' if none)."""
    if not run.samples:
        return ""
    rows = "".join(f"<tr><td>{html.escape(s['prompt'])}</td><td>{html.escape(s['before'])}</td>"
                   f"<td>{html.escape(s['after'])}</td></tr>" for s in run.samples)
    return (f"<div class='ftlab-run-samples'><b>Generations of run {run.id}</b> (greedy, the same prompts "
            f"before and after it trained)<table class='ftlab-samples'><tr><th>prompt</th>"
            f"<th>before run {run.id}</th><th>after run {run.id}</th></tr>{rows}</table></div>")


def notebook_parameters(notebook: str) -> Optional[list[str]]:
    """Names in the notebook's papermill ``parameters`` cell, or None when the file is not there."""
    if not Path(notebook).is_file():
        return None
    import papermill

    return list(papermill.inspect_notebook(notebook))


def run_papermill(run: Run, notebook: str, output_notebook: str = "out.ipynb") -> tuple[str, list[str]]:
    """The papermill command that repeats ``run``'s settings with ``notebook``, and the settings it cannot pass.

    Only parameters the notebook declares are passed (all of them that the run has, so the notebook's
    own defaults cannot differ silently); the freeze choice goes in ``train_layers``. When the notebook
    file is not found, the fields that differ from ``TrainConfig()`` are passed unchecked.
    """
    values = {**run.config.to_dict(), "train_layers": run.train}
    changed = {k: v for k, v in non_default_fields(run.config).items() if k != "progress"}  # progress: display only
    declared = notebook_parameters(notebook)
    params = ({**changed, "train_layers": run.train} if declared is None
              else {k: values[k] for k in declared if k in values})
    left = [f"{k}={v!r}" for k, v in changed.items() if k not in params]
    if run.train == "lora" and run.lora.get("r", 8) != 8:
        left.append(f"LoRA r={run.lora['r']}")
    if run.parent:
        left.append(f"continued from run {run.parent}")
    return papermill_command(notebook, output_notebook, params), left


def run_code_html(runs: Runs, run_id: int, load_code: str, data_name: str, notebook: str,
                  validation: bool = True) -> str:
    """Run ``run_id`` as the cells that reproduce it, then its papermill command."""
    cells = runs.python_cells(run_id, load_code, data_name, validation)
    parts = [f"<b>The Python behind run {run_id}</b> ({len(cells)} cells):"]
    parts += [pre_html(cell) for cell in cells]
    command, left = run_papermill(runs[run_id], notebook, f"run{run_id}.ipynb")
    parts.append(f"The same settings, unattended with papermill ({html.escape(notebook)}):" + pre_html(command))
    if left:
        parts.append("<span style='color:#9a6700'>This command does not repeat (no such notebook parameter, "
                     f"or a continued run): {html.escape(', '.join(left))}</span>")
    return "<div class='ftlab-run-code'>" + "".join(parts) + "</div>"
