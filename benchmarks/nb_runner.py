"""Run one notebook with papermill and report its wall time and its kernel's peak resident memory.

Usage (bench.py calls it, one fresh process per notebook):
    python benchmarks/nb_runner.py notebooks/00_quickstart.ipynb full

Peak RSS method: papermill starts the Jupyter kernel as a child of *this* process and waits for it at
shutdown, so ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` afterwards is the largest peak RSS among the
children we waited for — the kernel (papermill itself runs in this process, not a child). That is the
kernel's exact high-water mark as the Linux kernel accounted it, with no sampling gaps, and it is the number
Binder's memory limit compares against. One process per notebook keeps the figure per notebook.
The last line printed is a JSON object: name, profile, seconds, peak_rss_mb, status.
"""
from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path


def run(path: Path, profile: str) -> dict:
    import papermill

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    status = "ok"
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        try:
            papermill.execute_notebook(str(path), str(Path(tmp) / path.name), parameters={"profile": profile},
                                       cwd=str(path.parent), progress_bar=False, log_output=False)
        except Exception as err:  # a failing notebook is a row in the table, not a crashed benchmark
            status = f"failed: {type(err).__name__}: {str(err).strip().splitlines()[-1][:200] if str(err).strip() else ''}"
    seconds = time.perf_counter() - t0
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # Linux: KiB
    return {"name": path.stem, "profile": profile, "seconds": round(seconds, 1),
            "peak_rss_mb": round(peak_kib / 1024, 1), "status": status}


if __name__ == "__main__":
    print(json.dumps(run(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "full")))
