"""Store the reference outputs of the notebook cells that nbval compares.

The curriculum notebooks are committed without outputs; `make test` runs them with ``--nbval-lax``, which
compares only cells with a comment line ``# NBVAL_CHECK_OUTPUT`` (alone on its line: nbval ignores
``# NBVAL_CHECK_OUTPUT: why``). Those cells show deterministic facts a notebook teaches (the cleaning counts, a loss worked out by hand, the majority-class baseline), so a change
in ftlab that alters them fails CI. After editing such a cell, refresh its stored output:

    .venv/bin/python tools/store_checked_outputs.py notebooks/03_losses_optimizers_hparams.ipynb

It executes the notebook (default parameters, i.e. profile "ci") only up to its last checked cell, then writes
the outputs of the checked cells into the notebook and leaves every other cell without outputs.
"""
from __future__ import annotations

import copy
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbval.plugin import find_comment_markers


def is_checked(source: str) -> bool:
    """nbval's own reading: the marker must be a whole comment line, ``# NBVAL_CHECK_OUTPUT``."""
    return dict(find_comment_markers(source)).get("check", False)


def store(path: Path) -> list[int]:
    nb = nbformat.read(path, as_version=4)
    checked = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and is_checked(c.source)]
    if not checked:
        return []
    head = copy.deepcopy(nb)
    head.cells = head.cells[: checked[-1] + 1]  # the cells after the last checked one cannot change its output
    NotebookClient(head, kernel_name="python3", timeout=600, resources={"metadata": {"path": str(path.parent)}}).execute()
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":  # nbval compares only cells stored as run (execution_count set)
            cell.outputs = head.cells[i].outputs if i in checked else []
            cell.execution_count = head.cells[i].execution_count if i in checked else None
    nbformat.write(nb, path)
    return checked


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        print(arg, "checked cells:", store(Path(arg)))
