"""ftlab.sweep on a tiny notebook of its own (a run takes about a second: a kernel start and a few lines),
with real papermill kernels, real worker processes and a real Dask LocalCluster."""
import json
import os
from pathlib import Path

import nbformat
import pytest

import ftlab.sweep as sweep

PARAMS = '''profile: str = "ci"
x: float = 1.0
n: int = 2
label: str = "a"
seed: int = 0
fail: bool = False
kill: str = ""  # "kernel" or "worker": the process to kill mid-run
write_metrics: bool = True
threads: int = 0
sleep: float = 0.0
metrics_path: str = "metrics.json"'''

BODY = '''import json, os, signal, time
time.sleep(sleep)
if fail:
    raise ValueError("asked to fail")
if kill:
    os.kill(os.getpid() if kill == "kernel" else os.getppid(), signal.SIGKILL)
score = x * n + seed / 100
metrics = {"profile": profile, "score": score, "threads": threads, "pid": os.getpid(),
           "omp": os.environ.get("OMP_NUM_THREADS"), "peak_rss_mb": 50.0}
if write_metrics:
    open(metrics_path, "w").write(json.dumps(metrics))'''


def _notebook(path, params=PARAMS, body=BODY, tagged=True):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cells = [nbformat.v4.new_code_cell(params), nbformat.v4.new_code_cell(body)]
    if tagged:
        cells[0].metadata["tags"] = ["parameters"]
    nb.cells = cells
    nbformat.write(nb, path)
    return path


@pytest.fixture
def tiny(tmp_path):
    return _notebook(tmp_path / "tiny.ipynb")


def test_grid_with_seeds_gives_one_row_per_run_with_params_metrics_and_csv(tiny, tmp_path):
    out = tmp_path / "sweep"
    res = sweep.run(tiny, {"x": [1.0, 2.0], "label": ["a", "b"]}, seeds=[0, 1], out=out, workers=2,
                    progress=False)
    assert len(res) == 8 and set(res["status"]) == {"ok"}
    row = res[(res.x == 2.0) & (res.label == "b") & (res.seed == 1)].iloc[0]
    assert row["score"] == pytest.approx(4.01) and row["peak_rss_mb"] == 50.0 and row["seconds"] > 0
    assert Path(row["notebook"]).is_file() and Path(row["notebook"]).parent == out / "runs"
    # two workers on the usable cores: each kernel got cores // 2 threads, as OMP_NUM_THREADS and parameter
    from ftlab.threads import available_cpus

    threads = max(1, available_cpus() // 2)
    assert set(res["threads"]) == {threads} and set(res["omp"].astype(int)) == {threads}
    assert (out / "results.csv").exists() and len(sweep.load(out)) == 8
    assert (out / "workers.log").exists()  # kernels' log lines land here, not in the learner's notebook


def test_results_parquet_reads_back_equal_with_its_column_types(tiny, tmp_path):
    import pandas as pd

    out = tmp_path / "sweep"
    res = sweep.run(tiny, {"x": [1.0, 2.0], "fail": [False, True]}, out=out, threads=1, progress=False)
    assert (out / "results.parquet").is_file() and (out / "results.csv").is_file()
    back = sweep.load(out)
    pd.testing.assert_frame_equal(back, res)  # values, column order and dtypes
    assert back["fail"].dtype == bool and back["x"].dtype == float
    assert back.loc[back.fail, "error"].str.contains("asked to fail").all()
    # CSV alone loses types: OMP_NUM_THREADS, a string in the metrics JSON, reads back as a number
    assert set(back["omp"].dropna()) == {"1"} and set(pd.read_csv(out / "results.csv")["omp"].dropna()) == {1}
    (out / "results.parquet").unlink()  # a folder from before parquet: load falls back to the CSV
    assert sweep.load(out)["score"].tolist() == pytest.approx(res["score"].tolist(), nan_ok=True)


def test_a_table_parquet_cannot_hold_keeps_the_csv_and_leaves_no_stale_parquet(tmp_path):
    import pandas as pd

    from ftlab.sweep import _write_parquet

    stale = tmp_path / "results.parquet"
    pd.DataFrame({"a": [1]}).to_parquet(stale)
    mixed = pd.DataFrame({"metric": [1.5, "n/a"]})  # a metric a notebook wrote as a number, then as text
    with pytest.warns(UserWarning, match="results.parquet not written.*results.csv is complete"):
        _write_parquet(mixed, stale)
    assert not stale.exists()


def test_random_search_is_reproducible_and_checked(tiny, tmp_path):
    from scipy.stats import loguniform

    space = {"x": loguniform(1e-3, 1.0), "n": [1, 2, 3]}
    a = sweep.plan(tiny, space=space, n_samples=3, sample_seed=1)
    assert a == sweep.plan(tiny, space=space, n_samples=3, sample_seed=1) and len(a) == 3
    assert all(isinstance(p["x"], float) and 1e-3 <= p["x"] <= 1 for p in a)
    with pytest.raises(ValueError, match="n_samples"):
        sweep.plan(tiny, space=space)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"grid": {"learning_rate": [1e-3]}}, ValueError, r"no parameter 'learning_rate'.*fail, kill, label"),
    ({"grid": {"x": ["big"]}}, TypeError, r"'x' is declared float.*got 'big' \(str\)"),
    ({"grid": {"n": [1.5]}}, TypeError, r"'n' is declared int"),
    ({"grid": {"n": [True]}}, TypeError, r"'n' is declared int"),
    ({"grid": {}}, ValueError, "empty"),
    ({"grid": {"x": []}}, ValueError, "non-empty list"),
    ({"grid": {"label": "ab"}}, ValueError, "non-empty list"),
    ({"grid": {"x": [1.0, 1.0]}}, ValueError, "twice"),
    ({"grid": {"metrics_path": ["a.json"]}}, ValueError, "own metrics file"),
    ({"grid": {"x": [1.0]}, "fixed": {"x": 2.0}}, ValueError, "both swept and fixed"),
    ({"grid": {"x": [1.0]}, "seeds": []}, ValueError, "seeds"),
    ({}, ValueError, "exactly one of grid"),
])
def test_bad_plans_are_refused_before_anything_runs(tiny, tmp_path, kwargs, error, match):
    with pytest.raises(error, match=match):
        sweep.run(tiny, out=tmp_path / "s", progress=False, **kwargs)
    assert not (tmp_path / "s").exists()


def test_notebook_without_parameters_cell_is_refused(tmp_path):
    nb = _notebook(tmp_path / "plain.ipynb", tagged=False)
    with pytest.raises(ValueError, match="no cell tagged 'parameters'"):
        sweep.run(nb, {"x": [1.0]}, out=tmp_path / "s")
    with pytest.raises(FileNotFoundError, match="needs a notebook file"):
        sweep.run(tmp_path / "missing.ipynb", {"x": [1.0]})


def test_failures_are_recorded_kept_and_retried_only_on_request(tiny, tmp_path):
    out = tmp_path / "s"
    res = sweep.run(tiny, {"fail": [False, True], "write_metrics": [True, False]}, out=out, progress=False)
    by = {(r.fail, r.write_metrics): r for r in res.itertuples()}
    assert by[(False, True)].status == "ok"
    assert by[(True, True)].status == "failed" and "asked to fail" in by[(True, True)].error
    assert Path(by[(True, True)].notebook).is_file()  # the executed notebook shows where it failed
    assert "wrote no metrics JSON" in by[(False, False)].error
    mtimes = {r.run: os.path.getmtime(out / "runs" / f"{r.run}.json") for r in res.itertuples()}
    again = sweep.run(tiny, {"fail": [False, True], "write_metrics": [True, False]}, out=out, progress=False)
    assert {r.run: os.path.getmtime(out / "runs" / f"{r.run}.json") for r in again.itertuples()} == mtimes
    retried = sweep.run(tiny, {"fail": [False, True], "write_metrics": [True, False]}, out=out,
                        progress=False, retry_failed=True)
    changed = [k for k, t in mtimes.items() if os.path.getmtime(out / "runs" / f"{k}.json") != t]
    assert sorted(changed) == sorted(retried.loc[retried.status == "failed", "run"])
    assert len(changed) == 3


@pytest.mark.parametrize("victim", ["kernel", "worker"])
def test_a_killed_run_is_failed_and_the_sweep_goes_on(tiny, tmp_path, victim):
    res = sweep.run(tiny, {"kill": ["", victim], "n": [1, 2]}, out=tmp_path / "s", workers=1, progress=False)
    killed, fine = res[res.kill == victim], res[res.kill == ""]
    assert set(fine.status) == {"ok"} and len(fine) == 2
    assert set(killed.status) == {"failed"}
    word = "died" if victim == "worker" else "Dead"
    assert all(word in e for e in killed.error), list(killed.error)


def test_an_interrupted_sweep_resumes_and_reruns_only_unfinished_runs(tiny, tmp_path):
    out = tmp_path / "s"
    res = sweep.run(tiny, {"n": [1, 2, 3]}, out=out, progress=False)
    first, second, third = res.run
    # a sweep killed mid-run leaves that run "running" and another never started: resume does both, only
    rec = json.loads((out / "runs" / f"{second}.json").read_text())
    (out / "runs" / f"{second}.json").write_text(json.dumps(rec | {"status": "running"}))
    (out / "runs" / f"{third}.json").unlink()
    before = os.path.getmtime(out / "runs" / f"{first}.json")
    res = sweep.run(tiny, {"n": [1, 2, 3]}, out=out, progress=False)
    assert set(res.status) == {"ok"} and os.path.getmtime(out / "runs" / f"{first}.json") == before


def test_a_sweep_killed_by_sigkill_takes_its_workers_along_and_resumes(tiny, tmp_path):
    import signal
    import subprocess
    import sys
    import time

    import psutil

    out = tmp_path / "s"
    argv = [sys.executable, "-m", "ftlab.cli", "sweep", str(tiny), "-p", "n", "1", "2", "3", "-p", "sleep", "4",
            "--out", str(out)]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    records = lambda: [json.loads((out / "runs" / f"{p.stem}.json").read_text())  # noqa: E731
                       for p in (out / "runs").glob("run-*.ipynb") if (out / "runs" / f"{p.stem}.json").exists()]
    deadline = time.time() + 120
    while not (any(r["status"] == "ok" for r in records()) and any(r["status"] == "running" for r in records())):
        assert time.time() < deadline and proc.poll() is None, records()
        time.sleep(0.2)
    worker = psutil.Process(next(r["pid"] for r in records() if r["status"] == "running"))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    psutil.wait_procs([worker], timeout=10)
    assert not worker.is_running() or worker.status() == psutil.STATUS_ZOMBIE, "the worker outlived the sweep"
    done = {r["run"]: os.path.getmtime(out / "runs" / f"{r['run']}.json") for r in records() if r["status"] == "ok"}
    res = sweep.run(tiny, {"n": [1, 2, 3], "sleep": [4.0]}, out=out, progress=False)
    assert set(res.status) == {"ok"} and len(res) == 3
    assert {k: os.path.getmtime(out / "runs" / f"{k}.json") for k in done} == done  # not run again


def test_a_folder_of_another_notebook_or_a_busy_folder_is_refused(tiny, tmp_path):
    import fcntl

    out = tmp_path / "s"
    sweep.run(tiny, {"n": [1]}, out=out, progress=False)
    other = _notebook(tmp_path / "other.ipynb")
    with pytest.raises(ValueError, match="holds a sweep of .*tiny.ipynb"):
        sweep.run(other, {"n": [1]}, out=out, progress=False)
    with open(out / ".lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(RuntimeError, match="another sweep is writing"):
            sweep.run(tiny, {"n": [2]}, out=out, progress=False)


def test_the_same_sweep_runs_on_a_dask_cluster_started_here(tiny, tmp_path):
    distributed = pytest.importorskip("distributed", reason="pip install 'dask[distributed]' (in the dev extra)")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cl:
        with distributed.Client(cl) as client:
            res = sweep.run(tiny, {"n": [1, 2]}, seeds=[0, 1], out=tmp_path / "s", progress=False,
                            executor=client.get_executor(), threads=1)
            worker_pids = set(client.run(os.getpid).values())
    assert len(res) == 4 and set(res.status) == {"ok"}
    run_pids = {json.loads(Path(p).with_suffix(".json").read_text())["pid"] for p in res.notebook}
    assert run_pids <= worker_pids  # the runs really executed on the cluster's worker processes


def test_plot_draws_error_bars_over_seeds_and_a_heatmap(tiny, tmp_path):
    res = sweep.run(tiny, {"x": [1.0, 2.0], "label": ["a", "b"]}, seeds=[0, 1, 2], out=tmp_path / "s",
                    workers=2, progress=False)
    lines = sweep.plot(res, x="x", y="score", color="label")
    assert len(lines.data) == 2 and lines.data[0].error_y.array[0] == pytest.approx(0.01)
    heat = sweep.plot(res, x="x", y="label", color="score")
    assert heat.data[0].type == "heatmap" and heat.data[0].z[1][1] == pytest.approx(4.01)
    with pytest.raises(ValueError, match="no column"):
        sweep.plot(res, x="lr", y="score")


# ---- `ftlab sweep`, the command-line wrapper: issue 10 item 6 (it reported parameters it did not apply)

def _cli(capsys, *argv):
    from ftlab.cli import main

    code = main(["sweep", *map(str, argv)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("argv, message", [
    (["-p", "learning_rate", "1e-3"], r"no parameter 'learning_rate'.*its parameters are: .*\bx\b"),
    (["-p", "metrics_path", "elsewhere.json"], "own metrics file"),
    (["-p", "x", "1", "-p", "x", "2"], r"-p x is given twice.*-p x 1.0 2"),
    (["-p", "x"], "-p x has no values"),
    (["-p", "x", "big"], r"'x' is declared float; got 'big'"),
    (["-p", "n", "1.5"], r"'n' is declared int"),
    (["-p", "fail", "maybe"], r"'fail' is declared bool"),
    (["--profile", "ci", "-p", "profile", "full"], "disagree"),
])
def test_cli_refuses_what_it_would_not_apply(tiny, tmp_path, capsys, argv, message):
    import re

    code, out, err = _cli(capsys, tiny, *argv, "--out", tmp_path / "s")
    assert code == 2 and re.search(message, err), err
    assert not (tmp_path / "s").exists() and out == ""


def test_cli_applies_every_parameter_it_reports(tiny, tmp_path, capsys):
    code, out, err = _cli(capsys, tiny, "-p", "profile", "full", "-p", "x", "0.5", "3", "--seeds", "0", "1",
                          "--workers", "2", "--out", tmp_path / "s")
    assert code == 0, err
    res = sweep.load(tmp_path / "s")
    assert len(res) == 4 and set(res.status) == {"ok"} and set(res.profile) == {"full"}
    # the notebook itself saw the values: score = x * n + seed / 100 with its default n = 2
    assert sorted(res.score) == pytest.approx([1.0, 1.01, 6.0, 6.01])
    assert "full" in out and "results table" in err


def test_cli_exit_status_says_when_a_run_failed(tiny, tmp_path, capsys):
    code, out, _ = _cli(capsys, tiny, "-p", "fail", "true", "false", "--out", tmp_path / "s")
    assert code == 1 and "failed" in out and "asked to fail" in out
