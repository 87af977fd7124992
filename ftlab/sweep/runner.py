"""Run a sweep plan: one papermill execution per run, on local worker processes or any Executor.

Layout of a sweep folder (``out``)::

    sweep.json            which notebook this folder belongs to (a folder is never mixed between notebooks)
    runs/<key>.ipynb      the executed notebook of each run (kept for failures too: open it to see why)
    runs/<key>.json       the run's record: parameters, status, error, seconds, metrics
    runs/<key>.metrics.json   what the notebook wrote to its ``metrics_path``
    results.csv           one row per run of the last ``run`` call
    results.parquet       the same table with its column types (read by ``ftlab.sweep.load``)
    workers.log           what local workers and their kernels wrote to stderr

papermill has no parallel API and its traps are known: its ``cwd`` argument calls the process-wide
``os.chdir``; kernels started at the same moment can race for ZMQ ports. So every path is absolute,
nothing changes directory, and a run whose kernel fails to start is retried once.
"""
from __future__ import annotations

import fcntl
import json
import multiprocessing
import os
import time
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .plan import notebook_parameters, run_key

# messages of a kernel that never started (port race, slow start): worth one more try, unlike a cell error
KERNEL_START_ERRORS = ("Kernel didn't respond", "Address already in use", "Kernel died before replying")


@dataclass(frozen=True)
class RunSpec:
    """What one worker needs to execute one run; plain data, so any executor can ship it."""

    notebook: str  # absolute path
    runs_dir: str  # absolute path of out/runs
    key: str
    params: dict
    threads: int
    kernel_name: str
    timeout: float | None


def _write_json(path: Path, data: dict) -> None:
    # write then rename: a record is never seen half-written, even if the worker dies mid-write
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=1, default=str))
    os.replace(tmp, path)


def read_record(runs_dir: str | Path, key: str) -> dict | None:
    """The record of run ``key`` in ``runs_dir``, or None when the run never started."""
    path = Path(runs_dir) / f"{key}.json"
    return json.loads(path.read_text()) if path.exists() else None


def _papermill(spec: RunSpec, inject: dict) -> None:
    import papermill as pm

    out = Path(spec.runs_dir) / f"{spec.key}.ipynb"
    for attempt in (1, 2):
        try:
            pm.execute_notebook(spec.notebook, str(out), parameters=spec.params | inject, progress_bar=False,
                                kernel_name=spec.kernel_name, execution_timeout=spec.timeout)
            return
        except Exception as exc:  # noqa: BLE001 - only kernel-start failures are retried, the rest re-raised
            if attempt == 2 or not any(m in str(exc) for m in KERNEL_START_ERRORS) and "ZMQError" not in repr(exc):
                raise


def execute_run(spec: RunSpec) -> dict:
    """Execute one run in this process (a worker) and return its record; errors are recorded, not raised.

    Example:
        >>> execute_run(RunSpec(nb, "/tmp/out/runs", "run-1", {"lr": 1e-4}, 1, "python3", None))  # doctest: +SKIP
    """
    # the kernel inherits this environment: torch, OpenMP and MKL size their thread pools from it, so
    # workers x threads stays within the cores (two workers on two cores do not thrash)
    os.environ.update({v: str(spec.threads) for v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "FTLAB_THREADS")})
    runs_dir = Path(spec.runs_dir)
    metrics_path = runs_dir / f"{spec.key}.metrics.json"
    metrics_path.unlink(missing_ok=True)  # a stale file from an earlier attempt must not pass as this run's
    record = {"run": spec.key, "params": spec.params, "status": "running", "pid": os.getpid(),
              "notebook": str(runs_dir / f"{spec.key}.ipynb"), "threads": spec.threads}
    _write_json(runs_dir / f"{spec.key}.json", record)
    inject = {"metrics_path": str(metrics_path)}
    if "threads" in notebook_parameters(spec.notebook):
        inject["threads"] = spec.threads
    start = time.perf_counter()
    try:
        _papermill(spec, inject)
        if not metrics_path.exists():
            raise FileNotFoundError(f"the notebook ran but wrote no metrics JSON at its metrics_path "
                                    f"({metrics_path}); make its last cells write its key numbers there")
        record |= {"status": "ok", "metrics": json.loads(metrics_path.read_text())}
    except Exception as exc:  # noqa: BLE001 - a failed run is a result of the sweep, recorded with its error
        record |= {"status": "failed", "error": f"{type(exc).__name__}: {exc}"[-2000:]}
        try:  # written before a later cell failed (e.g. the notebook's own asserts): keep the numbers
            record["metrics"] = json.loads(metrics_path.read_text())
        except (OSError, ValueError):
            pass
    record["seconds"] = round(time.perf_counter() - start, 2)
    _write_json(runs_dir / f"{spec.key}.json", record)
    return record


def mark_failed(runs_dir: str | Path, key: str, why: str) -> dict:
    """Record run ``key`` as failed with ``why`` (used when its worker died and could not say so)."""
    record = read_record(runs_dir, key) or {"run": key}
    record |= {"status": "failed", "error": why}
    _write_json(Path(runs_dir) / f"{key}.json", record)
    return record


class SweepFolder:
    """A sweep's output folder, bound to one notebook and locked while a sweep writes to it.

    Example:
        >>> with SweepFolder("sweeps/00", "notebooks/00_quickstart.ipynb") as folder:  # doctest: +SKIP
        ...     folder.runs
    """

    def __init__(self, out: str | Path, notebook: str | Path):
        self.out, self.notebook = Path(out).resolve(), Path(notebook).resolve()
        self.runs = self.out / "runs"

    def __enter__(self) -> "SweepFolder":
        self.runs.mkdir(parents=True, exist_ok=True)
        self._lock = open(self.out / ".lock", "w")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            raise RuntimeError(f"another sweep is writing to {self.out}; wait for it or pick another out=") from None
        meta_path = self.out / "sweep.json"
        meta = json.loads(meta_path.read_text()) if meta_path.exists() else {"notebook": str(self.notebook)}
        if meta["notebook"] != str(self.notebook):
            self.__exit__()
            raise ValueError(f"{self.out} holds a sweep of {meta['notebook']}, not of {self.notebook}; "
                             "its runs would be mixed up: pass another out= folder")
        _write_json(meta_path, meta)
        return self

    def __exit__(self, *_: Any) -> None:
        fcntl.flock(self._lock, fcntl.LOCK_UN)
        self._lock.close()


def _init_worker(log_path: str) -> None:
    """Local worker initializer: its stderr (and its kernels' log lines) go to the sweep's workers.log,
    not into the learner's notebook; and the worker dies with the sweep process."""
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 2)  # kernels inherit fd 2 from this process
    os.close(fd)
    _die_with_parent()


def _die_with_parent() -> None:
    """Let Linux kill this worker when the sweep process dies (even by SIGKILL).

    An orphaned worker would finish its run and write its record while a resumed sweep runs the
    same run again; its kernel follows it (ipykernel exits when its parent process is gone).
    """
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: workers then end when their job queue closes
        pass


def _round(executor: Executor, specs: list[RunSpec], bar) -> list[RunSpec]:
    """Submit ``specs``; return the ones that never started because the pool broke (to run again)."""
    futures = {executor.submit(execute_run, spec): spec for spec in specs}
    again = []
    for future in as_completed(futures):
        spec = futures[future]
        try:
            record = future.result()
        except Exception as exc:  # noqa: BLE001 - the worker died (killed, out of memory) or the pool broke
            record = read_record(spec.runs_dir, spec.key)
            if record is None:
                again.append(spec)
                continue
            record = mark_failed(spec.runs_dir, spec.key, f"the worker process died mid-run (killed or out of "
                                 f"memory): {type(exc).__name__}: {exc}")
        bar.update(1)
        bar.set_postfix_str(f"{record['run']} {record['status']}")
    return again


def execute_all(specs: list[RunSpec], workers: int, executor: Executor | None, progress: bool) -> None:
    """Run every spec on ``executor`` (or on ``workers`` local processes), surviving a dead worker."""
    from tqdm.auto import tqdm

    with tqdm(total=len(specs), desc="sweep", unit="run", disable=not progress) as bar:
        while specs:
            if executor is not None:
                left = _round(executor, specs, bar)
            else:
                # spawn, not fork: forking a process with threads (Jupyter, tqdm) can deadlock the child
                log = str(Path(specs[0].runs_dir).parent / "workers.log")
                with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                         initializer=_init_worker, initargs=(log,)) as pool:
                    left = _round(pool, specs, bar)
            if len(left) == len(specs):
                raise RuntimeError(f"no run could start on the executor ({len(left)} waiting); check its workers")
            specs = left


def _alive(pid: int | None) -> bool:
    import psutil

    return bool(pid) and pid != os.getpid() and psutil.pid_exists(pid) and \
        psutil.Process(pid).status() != psutil.STATUS_ZOMBIE


def plan_specs(folder: SweepFolder, runs: list[dict], retry_failed: bool, threads: int, kernel_name: str,
               timeout: float | None) -> list[RunSpec]:
    """The runs still to do: not finished, and not failed unless ``retry_failed``."""
    todo = []
    for params in runs:
        key = run_key(params)
        record = read_record(folder.runs, key)
        status = record and record["status"]
        # "running" here means a sweep was killed mid-run (the folder lock proves none is running now)
        if status == "running" and _alive(record.get("pid")):
            raise RuntimeError(f"run {key} is still executing in process {record['pid']} (a worker of a sweep "
                               "that was stopped); wait for it to end or end that process, then run again")
        if status == "ok" or (status == "failed" and not retry_failed):
            continue
        todo.append(RunSpec(str(folder.notebook), str(folder.runs), key, params, threads, kernel_name, timeout))
    return todo
