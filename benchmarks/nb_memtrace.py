"""Which cell of a notebook sets its peak memory? Run it and print each code cell's own peak RSS.

Usage:
    python benchmarks/nb_memtrace.py notebooks/05_sft_chat_models.ipynb full [trace.json]

nb_runner.py gives one number per notebook (the kernel's high-water mark); when that number is near
Binder's 2 GB, this tells you where it comes from. After every cell it reads the kernel's VmHWM (peak
since the last reset) and VmRSS (now) from /proc and then resets the high-water mark (writing 5 to
/proc/PID/clear_refs, Linux >= 4.0), so each row is that cell's own peak. Linux only.
Prints the ten highest cells and the whole table as JSON (to the optional third argument). Cell numbers count
papermill's injected-parameters cell, so cells after the parameters cell are one higher than in the file.
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def trace(path: Path, profile: str) -> list[dict]:
    import nbformat
    from nbclient import NotebookClient
    from papermill.parameterize import parameterize_notebook

    from ftlab.device import _proc_status_mb  # the one /proc/<pid>/status reader

    for var in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"):
        os.environ.setdefault(var, "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        cell.metadata.setdefault("tags", [])  # the two keys papermill.execute_notebook would add
    nb.metadata.setdefault("papermill", {})
    nb = parameterize_notebook(nb, {"profile": profile})
    rows: list[dict] = []
    client = NotebookClient(nb, timeout=1800, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    started = [time.perf_counter()]

    def after_cell(cell, cell_index, execute_reply):
        pid = client.km.provisioner.process.pid
        first = cell.source.strip().splitlines()[0][:70] if cell.source.strip() else ""
        rows.append({"cell": cell_index, "seconds": round(time.perf_counter() - started[0], 1),
                     "peak_mb": round(_proc_status_mb("VmHWM", pid)),
                     "rss_after_mb": round(_proc_status_mb("VmRSS", pid)),
                     "first_line": first})
        Path(f"/proc/{pid}/clear_refs").write_text("5")  # the next cell's peak starts from its own RSS
        started[0] = time.perf_counter()

    client.on_cell_executed = after_cell
    client.execute()
    return rows


if __name__ == "__main__":
    rows = trace(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "ci")
    for r in sorted(rows, key=lambda r: -r["peak_mb"])[:10]:
        print(f"cell {r['cell']:>3}  peak {r['peak_mb']:>5} MB  after {r['rss_after_mb']:>5} MB  "
              f"{r['seconds']:>6} s  {r['first_line']}")
    if len(sys.argv) > 3:
        Path(sys.argv[3]).write_text(json.dumps(rows, indent=1))
