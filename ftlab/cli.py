"""The ``ftlab`` command: ``ftlab models``, ``ftlab demo``, ``ftlab sweep``, ``ftlab bench``.

Example:
    $ ftlab models
    $ ftlab demo --profile ci
    $ ftlab sweep notebooks/00_quickstart.ipynb -p lr 1e-5 5e-5 1e-4
"""
from __future__ import annotations

import argparse
import itertools
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


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run a notebook once per combination of parameter values; print one JSON line per run."""
    names = [p[0] for p in args.param]
    values = [[_parse(v) for v in p[1:]] for p in args.param]
    out_dir = Path(args.out or tempfile.mkdtemp(prefix="ftlab-sweep-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    for i, combo in enumerate(itertools.product(*values)):
        params = dict(zip(names, combo)) | {"profile": args.profile}
        metrics = run_notebook(Path(args.notebook).resolve(), out_dir / f"run-{i:03d}.ipynb", params)
        print(json.dumps({"params": params, "metrics": metrics}), flush=True)
    return 0


def cmd_bench(_: argparse.Namespace) -> int:
    """Run benchmarks/bench.py from a clone of the repository."""
    script = REPO / "benchmarks" / "bench.py"
    if not script.exists():
        print("benchmarks/bench.py is only in a clone of the repository; run `make bench` there.")
        return 2
    return subprocess.call([sys.executable, str(script)])


def _parse(text: str):
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ftlab", description="Learn fine-tuning by doing it.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("models", help="list model presets and whether they work offline").set_defaults(func=cmd_models)
    demo = sub.add_parser("demo", help="run the quickstart headless and print its metrics JSON")
    demo.add_argument("--profile", default="ci", choices=["ci", "full"])
    demo.set_defaults(func=cmd_demo)
    sweep = sub.add_parser("sweep", help="run a notebook over a grid of parameters")
    sweep.add_argument("notebook")
    sweep.add_argument("-p", "--param", nargs="+", action="append", required=True, metavar=("NAME", "VALUE"),
                       help="a parameter name followed by one or more values")
    sweep.add_argument("--profile", default="ci", choices=["ci", "full"])
    sweep.add_argument("--out", help="folder for executed notebooks")
    sweep.set_defaults(func=cmd_sweep)
    sub.add_parser("bench", help="ftlab vs the Hugging Face Trainer, side by side").set_defaults(func=cmd_bench)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
