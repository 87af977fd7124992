"""Notebook sweeps: run a notebook over a grid (or random sample) of its papermill parameters and seeds,
on parallel local workers or any ``concurrent.futures.Executor`` (a Dask cluster), resumable, into one table.

Example:
    >>> import ftlab.sweep
    >>> results = ftlab.sweep.run("notebooks/00_quickstart.ipynb", grid={"lr": [5e-5, 1e-4]},
    ...                           seeds=[0, 1], fixed={"profile": "ci"}, workers=2)  # doctest: +SKIP
    >>> ftlab.sweep.plot(results, x="lr", y="accuracy_after")  # doctest: +SKIP

Inside one notebook, a few fits of a model already in memory: ``run_in_process`` calls a function per
grid point and seed and returns the same kind of table (no kernels, no files)::

    table = ftlab.sweep.run_in_process(lambda lr, seed: fit(lr, seed).evals[-1], {"lr": [1e-4, 3e-4]}, seeds=[0, 1])

On a cluster, hand it the cluster's executor instead of local workers (one line)::

    from dask.distributed import Client
    results = ftlab.sweep.run(nb, grid, executor=Client("tcp://scheduler:8786").get_executor())
"""
from __future__ import annotations

import warnings
from concurrent.futures import Executor
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..threads import available_cpus
from .plan import notebook_parameters, plan, run_key
from .in_process import run_in_process
from .plot import plot
from .runner import SweepFolder, execute_all, plan_specs, read_record

__all__ = ["available_cpus", "load", "notebook_parameters", "plan", "plot", "run", "run_in_process", "run_key"]

COLUMNS = ["run", "status", "seconds", "peak_rss_mb", "error", "notebook"]


def _row(params: dict, record: dict | None) -> dict:
    record = record or {"status": "missing"}
    metrics = record.get("metrics") or {}
    # a metric named like a parameter (e.g. "profile") repeats it: the parameter column wins
    row = dict(params) | {k: v for k, v in metrics.items() if k not in params and not isinstance(v, (dict, list))}
    return row | {"run": run_key(params), "status": record["status"], "seconds": record.get("seconds"),
                  "peak_rss_mb": metrics.get("peak_rss_mb"), "error": record.get("error"),
                  "notebook": record.get("notebook")}


def _table(folder: SweepFolder, runs: list[dict]):
    import pandas as pd

    frame = pd.DataFrame([_row(p, read_record(folder.runs, run_key(p))) for p in runs])
    frame = frame[COLUMNS[:2] + [c for c in frame.columns if c not in COLUMNS] + COLUMNS[2:]]
    frame.to_csv(folder.out / "results.csv", index=False)
    _write_parquet(frame, folder.out / "results.parquet")
    return frame


def _write_parquet(frame, path: Path) -> None:
    """results.parquet keeps the column types CSV loses (bools, ints, missing values); best effort."""
    try:
        frame.to_parquet(path, index=False)
    except (ImportError, ValueError, TypeError) as exc:  # no pyarrow, or a metric of mixed types across runs
        path.unlink(missing_ok=True)  # a stale table must not pass as this sweep's; results.csv has it all
        warnings.warn(f"results.parquet not written ({type(exc).__name__}: {exc}); results.csv is complete",
                      stacklevel=3)


def run(notebook: str | Path, grid: Mapping[str, Sequence] | None = None, *, space: Mapping | None = None,
        n_samples: int | None = None, seeds: Sequence[int] | None = None, fixed: Mapping[str, Any] | None = None,
        out: str | Path | None = None, workers: int = 1, executor: Executor | None = None,
        threads: int | None = None, retry_failed: bool = False, timeout: float | None = None,
        kernel_name: str = "python3", progress: bool = True, sample_seed: int = 0):
    """Run ``notebook`` once per point of the plan (and seed); return the results table.

    Finished runs in ``out`` are skipped (a sweep resumes where it stopped); failed runs keep their
    error and executed notebook and run again only with ``retry_failed=True``.

    Args:
        notebook: the notebook; its ``parameters`` cell defines which names may be swept.
        grid, space, n_samples, seeds, fixed, sample_seed: the plan, see :func:`ftlab.sweep.plan`.
        out: the sweep folder (default ``sweeps/<notebook name>``); results.csv and results.parquet
            are written there.
        workers: local worker processes (ignored when ``executor`` is given).
        executor: any ``concurrent.futures.Executor``, e.g. a Dask ``Client(...).get_executor()``.
        threads: threads per run (default: usable cores // workers), passed to the kernel as
            ``OMP_NUM_THREADS`` and, if the notebook has a ``threads`` parameter, as that parameter.
        timeout: seconds a single cell may run before the run fails.

    Returns:
        A pandas DataFrame, one row per run: run key, status, parameters, metrics, seconds,
        peak_rss_mb, error, executed notebook path.

    Example:
        >>> run("notebooks/00_quickstart.ipynb", {"lr": [1e-4, 3e-4]}, fixed={"profile": "ci"})  # doctest: +SKIP
    """
    runs = plan(notebook, grid, space=space, n_samples=n_samples, seeds=seeds, fixed=fixed,
                sample_seed=sample_seed)
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise ValueError(f"workers must be a whole number >= 1; got {workers!r}")
    cores = available_cpus()
    if executor is None and workers > cores:
        warnings.warn(f"{workers} workers on {cores} usable cores: runs will compete for CPU; "
                      f"workers={cores} is as fast", stacklevel=2)
    threads = threads or max(1, cores // workers)
    out = Path(out) if out is not None else Path("sweeps") / Path(notebook).stem
    with SweepFolder(out, notebook) as folder:
        todo = plan_specs(folder, runs, retry_failed, threads, kernel_name, timeout)
        if todo:
            execute_all(todo, workers, executor, progress)
        return _table(folder, runs)


def load(out: str | Path):
    """The results table a sweep wrote to ``out``: results.parquet (column types kept), else results.csv.

    Example:
        >>> load("sweeps/00_quickstart").groupby("lr")["accuracy_after"].mean()  # doctest: +SKIP
    """
    import pandas as pd

    out = Path(out)
    if (out / "results.parquet").exists():
        return pd.read_parquet(out / "results.parquet")
    if not (out / "results.csv").exists():
        raise FileNotFoundError(f"no results.parquet or results.csv in {out.resolve()}; run "
                                "ftlab.sweep.run(..., out=...) first")
    return pd.read_csv(out / "results.csv")
