"""The ``ftlab`` command: ``ftlab models``, ``ftlab demo``, ``ftlab sweep``, ``ftlab bench``.

Example:
    $ ftlab models
    $ ftlab demo --profile ci
    $ ftlab sweep notebooks/00_quickstart.ipynb -p lr 1e-5 5e-5 1e-4 --seeds 0 1 --workers 2
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
QUICKSTART = REPO / "notebooks" / "00_quickstart.ipynb"


def cmd_models(_: argparse.Namespace) -> int:
    """List presets with size, tasks and whether each loads offline right now."""
    from .models import presets_table

    print(presets_table().drop(columns=["description"]).to_string(index=False))
    return 0


def run_notebook(path: Path, out: Path, parameters: dict) -> dict:
    """Execute a notebook with papermill and return the metrics JSON it wrote (``metrics_path`` parameter)."""
    import papermill as pm

    metrics_path = out.with_suffix(".metrics.json")
    pm.execute_notebook(str(path), str(out), parameters=parameters | {"metrics_path": str(metrics_path)},
                        cwd=str(path.parent), progress_bar=False, kernel_name="python3")
    return json.loads(metrics_path.read_text())


def cmd_demo(args: argparse.Namespace) -> int:
    """Run the quickstart headless; the last printed line is its metrics as one JSON object."""
    if not QUICKSTART.exists():
        print(f"The quickstart notebook is not here ({QUICKSTART}); run `ftlab demo` from a clone of the repository.")
        return 2
    out = Path(tempfile.mkdtemp(prefix="ftlab-demo-")) / "00_quickstart.out.ipynb"
    print(f"Running {QUICKSTART.name} (profile {args.profile}) with papermill; executed notebook: {out}", file=sys.stderr)
    metrics = run_notebook(QUICKSTART, out, {"profile": args.profile})
    print(json.dumps(metrics))
    return 0


def _sweep_grid(args: argparse.Namespace) -> dict:
    """The -p NAME VALUE... options as {name: [typed values]}, checked against the notebook's parameters."""
    from .sweep.plan import notebook_parameters, parse_value

    params, name_of = notebook_parameters(args.notebook), Path(args.notebook).name
    grid: dict[str, list] = {}
    for name, *texts in args.param:
        if not texts:
            raise ValueError(f"-p {name} has no values; write -p {name} VALUE [VALUE ...]")
        if name in grid:
            raise ValueError(f"-p {name} is given twice; put all its values after one -p, e.g. "
                             f"-p {name} {' '.join(map(str, grid[name]))} {' '.join(texts)}")
        if name == "profile" and args.profile:
            raise ValueError(f"--profile {args.profile} and -p profile {' '.join(texts)} disagree; use one")
        grid[name] = [parse_value(text, name, params, name_of) for text in texts]
    return grid


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run a notebook over a grid (or a random sample) of its parameters; print and save the results table."""
    from . import sweep

    try:
        grid = _sweep_grid(args)
        fixed = {"profile": args.profile} if args.profile else {}
        search = {"space": grid, "n_samples": args.random} if args.random else {"grid": grid}
        results = sweep.run(args.notebook, seeds=args.seeds, fixed=fixed, out=args.out, workers=args.workers,
                            retry_failed=args.retry_failed, timeout=args.timeout, **search)
    except (ValueError, TypeError, FileNotFoundError, RuntimeError) as exc:
        print(f"ftlab sweep: {exc}", file=sys.stderr)
        return 2
    print(results.drop(columns=["notebook"]).to_string(index=False))
    folder = Path(results['notebook'].iloc[0]).parent.parent
    print(f"results table: {folder / 'results.parquet'} (and results.csv)", file=sys.stderr)
    return 0 if (results["status"] == "ok").all() else 1


def cmd_bench(_: argparse.Namespace) -> int:
    """Run benchmarks/bench.py from a clone of the repository."""
    script = REPO / "benchmarks" / "bench.py"
    if not script.exists():
        print("benchmarks/bench.py is only in a clone of the repository; run `make bench` there.")
        return 2
    return subprocess.call([sys.executable, str(script)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ftlab", description="Learn fine-tuning by doing it.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("models", help="list model presets and whether they work offline").set_defaults(func=cmd_models)
    demo = sub.add_parser("demo", help="run the quickstart headless and print its metrics JSON")
    demo.add_argument("--profile", default="ci", choices=["ci", "full"])
    demo.set_defaults(func=cmd_demo)
    sweep = sub.add_parser("sweep", help="run a notebook over a grid of its parameters (resumable, parallel)")
    sweep.add_argument("notebook")
    sweep.add_argument("-p", "--param", nargs="+", action="append", required=True, metavar=("NAME", "VALUE"),
                       help="a parameter of the notebook's parameters cell followed by one or more values")
    sweep.add_argument("--profile", choices=["ci", "full"], help="set the profile parameter (default: the notebook's)")
    sweep.add_argument("--seeds", nargs="+", type=int, help="run every point once per seed")
    sweep.add_argument("--random", type=int, metavar="N", help="random search: N points drawn from the -p values")
    sweep.add_argument("--workers", type=int, default=1, help="parallel worker processes (threads split the cores)")
    sweep.add_argument("--out", help="sweep folder (default sweeps/<notebook name>); re-running resumes it")
    sweep.add_argument("--retry-failed", action="store_true", help="run failed runs again")
    sweep.add_argument("--timeout", type=float, help="seconds a cell may run before its run fails")
    sweep.set_defaults(func=cmd_sweep)
    sub.add_parser("bench", help="ftlab vs the Hugging Face Trainer, side by side").set_defaults(func=cmd_bench)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
