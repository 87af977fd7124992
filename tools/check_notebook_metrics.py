#!/usr/bin/env python
"""After nbval has executed every curriculum notebook once (make test), check what each one wrote.

    python tools/check_notebook_metrics.py notebooks

Every notebooks/NN_*.ipynb must have written metrics/NN_*.json (its default metrics_path) during this run
— make test deletes notebooks/metrics/ first — with profile "ci" and a peak RSS under Binder's 2 GB.
Exits 1 listing every notebook that did not. This is how each notebook is executed once in CI instead of
twice (papermill in pytest and again in nbval); tests/test_notebooks.py keeps the papermill path tested
on the quickstart.
"""
import json
import sys
from pathlib import Path

BINDER_MB = 2048


def problems(folder: Path) -> list[str]:
    found = []
    for notebook in sorted(folder.glob("[0-9][0-9]_*.ipynb")):
        path = folder / "metrics" / f"{notebook.stem}.json"
        if not path.exists():
            found.append(f"{notebook.name}: wrote no {path.relative_to(folder)} (did nbval run it?)")
            continue
        metrics = json.loads(path.read_text())
        if metrics.get("profile") != "ci":
            found.append(f"{notebook.name}: profile {metrics.get('profile')!r}, expected 'ci'")
        if not 0 < metrics.get("peak_rss_mb", 0) < BINDER_MB:
            found.append(f"{notebook.name}: peak_rss_mb {metrics.get('peak_rss_mb')!r} not in (0, {BINDER_MB})")
    return found


if __name__ == "__main__":
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "notebooks")
    bad = problems(folder)
    for line in bad:
        print(line)
    print(f"notebook metrics: {'FAILED' if bad else 'ok'} ({len(list(folder.glob('[0-9][0-9]_*.ipynb')))} notebooks)")
    sys.exit(1 if bad else 0)
