"""The view of a sweep a learner wants: mean ± seed spread per setting, or a heatmap over two parameters.

Example:
    >>> plot(results, x="lr", y="accuracy_after", color="train_layers")  # doctest: +SKIP  (lines, error bars)
    >>> plot(results, x="lr", y="train_layers", color="accuracy_after")  # doctest: +SKIP  (heatmap)
"""
from __future__ import annotations


def _check_columns(results, names: list[str]) -> None:
    missing = [n for n in names if n not in results.columns]
    if missing:
        raise ValueError(f"ftlab.sweep.plot: no column {missing} in the results; its columns are "
                         f"{list(results.columns)}")


def _log_axis(values) -> bool:
    # learning rates and sizes span decades: a log axis spaces 1e-5, 1e-4, 1e-3 evenly
    numeric = [v for v in values if isinstance(v, (int, float)) and v > 0]
    return len(numeric) == len(values) > 1 and max(numeric) / min(numeric) >= 20


def _heatmap(ok, x: str, y: str, z: str):
    import plotly.graph_objects as go

    table = ok.pivot_table(index=y, columns=x, values=z, aggfunc="mean")
    spread = ok.pivot_table(index=y, columns=x, values=z, aggfunc="std").reindex_like(table)
    text = [[f"{m:.3f} ± {s:.3f}" if s == s else f"{m:.3f}" for m, s in zip(mr, sr)]
            for mr, sr in zip(table.to_numpy(), spread.to_numpy())]
    fig = go.Figure(go.Heatmap(z=table.to_numpy(), x=[str(c) for c in table.columns],
                               y=[str(i) for i in table.index], text=text, texttemplate="%{text}",
                               colorbar={"title": z}))
    return fig.update_layout(title=f"mean {z} (± std over seeds)", xaxis_title=x, yaxis_title=y)


def _lines(ok, x: str, y: str, color: str | None):
    import plotly.graph_objects as go

    fig = go.Figure()
    groups = ok.groupby(color, sort=True) if color else [(None, ok)]
    for value, part in groups:
        stats = part.groupby(x, sort=True)[y].agg(["mean", "std", "count"]).reset_index()
        name = f"{color}={value[0] if isinstance(value, tuple) else value}" if color else y
        fig.add_trace(go.Scatter(x=stats[x], y=stats["mean"], name=name, mode="lines+markers",
                                 error_y={"type": "data", "array": stats["std"].fillna(0)},
                                 customdata=stats["count"], hovertemplate="%{y:.4f} (n=%{customdata})"))
    fig.update_layout(title=f"{y}: mean ± std over seeds", xaxis_title=x, yaxis_title=y)
    if _log_axis(sorted(ok[x].unique().tolist())):
        fig.update_xaxes(type="log")
    return fig


def plot(results, x: str, y: str, color: str | None = None):
    """Plot a sweep's results table (finished runs only) with plotly.

    - ``y`` a metric, ``color`` None or a parameter: one line per ``color`` value, the mean of ``y``
      over seeds at each ``x`` with error bars of one standard deviation (the seed noise).
    - ``y`` a parameter and ``color`` a numeric metric: a heatmap of the mean metric over ``x`` × ``y``.

    Args:
        results: the DataFrame from :func:`ftlab.sweep.run` or :func:`ftlab.sweep.load`.
        x, y, color: column names.

    Returns:
        A ``plotly.graph_objects.Figure`` (static: it renders in papermill output and on GitHub).

    Example:
        >>> fig = plot(results, x="lr", y="accuracy_after")  # doctest: +SKIP
    """
    import pandas as pd

    _check_columns(results, [c for c in (x, y, color) if c])
    ok = results[results["status"] == "ok"] if "status" in results.columns else results
    if ok.empty:
        raise ValueError(f"ftlab.sweep.plot: no finished run to plot (statuses: "
                         f"{results['status'].value_counts().to_dict() if 'status' in results else {}})")
    if color and pd.api.types.is_float_dtype(ok[color]):
        return _heatmap(ok, x, y, color)
    return _lines(ok, x, y, color)
