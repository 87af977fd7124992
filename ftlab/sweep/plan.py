"""The sweep plan: which runs a sweep makes, checked against the notebook's own ``parameters`` cell.

papermill injects any name it is given and only logs "Passed unknown parameter", so a misspelt knob
(``learning_rate`` for ``lr``) silently runs the default. Every name and value is checked here first.

Example:
    >>> runs = plan("notebooks/00_quickstart.ipynb", grid={"lr": [5e-5, 1e-4]}, seeds=[0, 1])  # doctest: +SKIP
    >>> len(runs)  # doctest: +SKIP
    4
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Mapping, Sequence

# set by the runner for every run (one metrics file per run); a user value would be overwritten
RESERVED = {"metrics_path": "the runner gives every run its own metrics file next to its executed notebook"}
# papermill's inferred type name -> Python types a value may have (an int is a fine float)
TYPES = {"int": (int,), "float": (int, float), "str": (str,), "bool": (bool,)}


def notebook_parameters(notebook: str | Path) -> dict[str, dict]:
    """The knobs of a notebook's ``parameters`` cell: name -> papermill's description (type, default, help).

    Example:
        >>> notebook_parameters("notebooks/00_quickstart.ipynb")["lr"]["inferred_type_name"]  # doctest: +SKIP
        'float'
    """
    import papermill as pm

    path = Path(notebook).resolve()
    if path.suffix != ".ipynb" or not path.is_file():
        raise FileNotFoundError(f"ftlab.sweep needs a notebook file (.ipynb); got {str(notebook)!r} ({path} "
                                "does not exist or is not a notebook)")
    params = pm.inspect_notebook(str(path))
    if not params:
        raise ValueError(f"{path.name} has no cell tagged 'parameters', so a sweep cannot set anything in it; "
                         "tag the cell that defines its knobs 'parameters' (JupyterLab: Property Inspector → "
                         "Cell Tags)")
    return params


def check_values(values: Mapping[str, Any], params: Mapping[str, dict], notebook: str) -> None:
    """Raise a clear error for a name the notebook does not define or a value of the wrong type."""
    for name, value in values.items():
        if name in RESERVED:
            raise ValueError(f"{notebook}: {name!r} cannot be swept or fixed: {RESERVED[name]}; remove it")
        if name not in params:
            raise ValueError(f"{notebook} has no parameter {name!r} (papermill would ignore it and run the "
                             f"default); its parameters are: {', '.join(sorted(params))}")
        declared = params[name]["inferred_type_name"]
        allowed = TYPES.get(declared)
        wrong_bool = isinstance(value, bool) and declared != "bool"
        if allowed is not None and (wrong_bool or not isinstance(value, allowed)):
            raise TypeError(f"{notebook}: parameter {name!r} is declared {declared} (default "
                            f"{params[name]['default']}); got {value!r} ({type(value).__name__}). "
                            f"Pass a {declared} value.")


def parse_value(text: str, name: str, params: Mapping[str, dict], notebook: str) -> Any:
    """Turn command-line text into the type the notebook declares for ``name`` (for ``ftlab sweep``)."""
    if name not in params or name in RESERVED:
        check_values({name: text}, params, notebook)  # raises the unknown-name / reserved error
    declared = params[name]["inferred_type_name"]
    try:
        if declared == "bool":
            return {"true": True, "false": False}[text.lower()]
        return {"int": int, "float": float}.get(declared, lambda t: _literal(t))(text)
    except (ValueError, KeyError):
        raise TypeError(f"{notebook}: parameter {name!r} is declared {declared}; got {text!r}, which is not a "
                        f"{declared} (default: {params[name]['default']})") from None


def _literal(text: str) -> Any:
    """A str parameter stays text; an untyped one is read as a number when it looks like one."""
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def _python(value: Any) -> Any:
    """numpy scalars (from scipy distributions) -> plain Python, so values type-check and print cleanly."""
    return value.item() if hasattr(value, "item") and not isinstance(value, (str, bytes)) else value


def _points(grid: Mapping | None, space: Mapping | None, n_samples: int | None, sample_seed: int) -> list[dict]:
    from sklearn.model_selection import ParameterGrid, ParameterSampler

    if (grid is None) == (space is None):
        raise ValueError("pass exactly one of grid= (every combination) or space= with n_samples= (random "
                         f"search); got grid={grid!r}, space={space!r}")
    chosen, kind = (grid, "grid") if grid is not None else (space, "space")
    if not isinstance(chosen, Mapping) or not chosen:
        raise ValueError(f"the {kind} is empty ({chosen!r}): give at least one parameter with a list of values, "
                         'e.g. {"lr": [5e-5, 1e-4]}')
    for name, values in chosen.items():
        is_dist = kind == "space" and hasattr(values, "rvs")
        if not is_dist and (not isinstance(values, (list, tuple)) or len(values) == 0):
            raise ValueError(f"{kind}[{name!r}] must be a non-empty list of values"
                             f"{' or a scipy.stats distribution' if kind == 'space' else ''}; got {values!r}")
        if not is_dist and len({json.dumps(_python(v)) for v in values}) < len(values):
            raise ValueError(f"{kind}[{name!r}] lists a value twice ({values!r}); each run would be the same")
    if grid is not None:
        return [dict(p) for p in ParameterGrid(dict(grid))]
    if not isinstance(n_samples, int) or isinstance(n_samples, bool) or n_samples < 1:
        raise ValueError(f"random search needs n_samples= a whole number >= 1; got {n_samples!r}")
    return [{k: _python(v) for k, v in p.items()}
            for p in ParameterSampler(dict(space), n_iter=n_samples, random_state=sample_seed)]


def plan(notebook: str | Path, grid: Mapping[str, Sequence] | None = None, *, space: Mapping | None = None,
         n_samples: int | None = None, seeds: Sequence[int] | None = None, fixed: Mapping[str, Any] | None = None,
         sample_seed: int = 0) -> list[dict]:
    """Every run of a sweep as a dict of notebook parameters, checked against the notebook.

    Args:
        notebook: path of the notebook (it must have a cell tagged ``parameters``).
        grid: name -> list of values; every combination runs (grid search).
        space: name -> list of values or a ``scipy.stats`` distribution; ``n_samples`` points are drawn
            (random search, scikit-learn's ``ParameterSampler``, reproducible with ``sample_seed``).
        seeds: each point runs once per seed (the notebook needs a ``seed`` parameter).
        fixed: parameters set to the same value in every run, e.g. ``{"profile": "ci"}``.

    Example:
        >>> plan("notebooks/00_quickstart.ipynb", {"lr": [1e-4]}, seeds=[0, 1], fixed={"profile": "ci"})  # doctest: +SKIP
        [{'profile': 'ci', 'lr': 0.0001, 'seed': 0}, {'profile': 'ci', 'lr': 0.0001, 'seed': 1}]
    """
    params = notebook_parameters(notebook)
    name = Path(notebook).name
    fixed = dict(fixed or {})
    points = _points(grid, space, n_samples, sample_seed)
    swept = set(points[0])
    if seeds is not None:
        if "seed" in swept or "seed" in fixed:
            raise ValueError("give seeds either with seeds= or as a parameter, not both")
        if not isinstance(seeds, (list, tuple, range)) or len(seeds) == 0:
            raise ValueError(f"seeds must be a non-empty list of ints, e.g. [0, 1, 2]; got {seeds!r}")
        points = [p | {"seed": s} for p in points for s in seeds]
    if overlap := swept & set(fixed):
        raise ValueError(f"{sorted(overlap)} are both swept and fixed; keep each in one place")
    runs = [fixed | p for p in points]
    for run in runs:
        check_values(run, params, name)
    return runs


def run_key(params: Mapping[str, Any]) -> str:
    """A stable name for a run from its parameters (order-free): the same parameters, the same key.

    Example:
        >>> run_key({"lr": 1e-4, "seed": 0}) == run_key({"seed": 0, "lr": 1e-4})
        True
    """
    text = json.dumps(dict(params), sort_keys=True, default=str)
    return "run-" + hashlib.sha1(text.encode()).hexdigest()[:12]
