"""Sweeps inside the notebook's own process: call a function once per grid point (and seed), one table.

``ftlab.sweep.run`` executes a whole notebook per run (separate kernels, resumable, parallel); inside
one notebook a comparison is a few fits of a model already in memory, and a kernel per run would
reload it each time. This helper keeps the plan checks of :func:`ftlab.sweep.plan` (an empty grid, a
value listed twice, a name the function does not take) and returns the same kind of table.

Example:
    >>> def fit(lr, seed):
    ...     return {"val_loss": lr * 10 + seed}  # a real one trains and returns h.evals[-1]
    >>> run_in_process(fit, {"lr": [0.1, 0.2]}, seeds=[0, 1])[["lr", "seed", "val_loss"]].to_dict("list")
    {'lr': [0.1, 0.1, 0.2, 0.2], 'seed': [0, 1, 0, 1], 'val_loss': [1.0, 2.0, 2.0, 3.0]}
"""
from __future__ import annotations

import inspect
import time
from typing import Any, Callable, Mapping, Sequence

from .plan import _points


def _check_names(fn: Callable, names: set[str]) -> None:
    """Refuse a swept name the function cannot take (a typo would otherwise raise mid-sweep)."""
    params = inspect.signature(fn).parameters
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return
    takes = {n for n, p in params.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    if unknown := sorted(names - takes):
        raise ValueError(f"{getattr(fn, '__name__', fn)!r} takes no argument {unknown}; it takes "
                         f"{sorted(takes) or 'none'}: rename the grid keys or add the arguments")


def _columns(result: Any) -> dict:
    """A returned dict becomes columns; anything else (a History, a number) one ``result`` column."""
    if isinstance(result, Mapping):
        return dict(result)
    return {"result": result}


def run_in_process(fn: Callable[..., Any], grid: Mapping[str, Sequence] | None = None, *,
                   space: Mapping | None = None, n_samples: int | None = None,
                   seeds: Sequence[int] | None = None, sample_seed: int = 0):
    """Call ``fn(**point)`` for every point of a grid (or random sample) and seed; return a DataFrame.

    Args:
        fn: called with one keyword argument per grid name (and ``seed=`` when ``seeds`` is given);
            returns a dict of metrics (one column each) or any other object (a ``result`` column).
        grid: name -> list of values; every combination runs.
        space, n_samples, sample_seed: random search instead of a grid, as in :func:`ftlab.sweep.plan`.
        seeds: every point runs once per seed.

    Returns:
        A pandas DataFrame, one row per call in plan order: the arguments, what ``fn`` returned and
        ``seconds`` (wall time of the call).

    Raises:
        ValueError: an empty grid, a value listed twice, or a name ``fn`` does not take.

    Example:
        >>> table = run_in_process(lambda lr: {"loss": 1 / lr}, {"lr": [1.0, 2.0]})
        >>> table["loss"].tolist()
        [1.0, 0.5]
    """
    import pandas as pd

    points = _points(grid, space, n_samples, sample_seed)
    if seeds is not None:
        if not isinstance(seeds, (list, tuple, range)) or len(seeds) == 0 or "seed" in points[0]:
            raise ValueError(f"seeds must be a non-empty list of ints not also in the grid, e.g. [0, 1]; "
                             f"got seeds={seeds!r} with grid names {sorted(points[0])}")
        points = [p | {"seed": s} for p in points for s in seeds]
    _check_names(fn, set(points[0]))
    rows = []
    for point in points:
        start = time.perf_counter()
        try:
            result = fn(**point)
        except Exception as exc:
            # which point failed matters more than the traceback's last frame in a long sweep
            exc.add_note(f"ftlab.sweep.run_in_process: the call with {point} failed "
                         f"(after {len(rows)} of {len(points)} calls finished)")
            raise
        # a returned key named like an argument (e.g. "lr") would hide the swept value: the argument wins
        columns = {k: v for k, v in _columns(result).items() if k not in point}
        rows.append(point | columns | {"seconds": round(time.perf_counter() - start, 3)})
    return pd.DataFrame(rows)
