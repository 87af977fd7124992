"""Every curriculum notebook runs under papermill in profile "ci", writes its metrics JSON and passes its
own final assertions (the claims it teaches). nbval (--nbval-lax) executes them again cell by cell in
`make test` (see the Makefile); this file checks the papermill path practitioners use."""
import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_curriculum_is_present():
    names = [p.stem for p in NOTEBOOKS]
    assert names[0] == "00_quickstart", names


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_under_papermill(notebook, tmp_path):
    import papermill as pm

    metrics_path = tmp_path / f"{notebook.stem}.json"
    out = tmp_path / notebook.name
    pm.execute_notebook(str(notebook), str(out), parameters={"profile": "ci", "metrics_path": str(metrics_path)},
                        cwd=str(notebook.parent), kernel_name="python3", progress_bar=False)
    metrics = json.loads(metrics_path.read_text())
    assert metrics.get("profile") == "ci"
    assert 0 < metrics["peak_rss_mb"] < 2048, "every notebook must fit a 2 GB Binder"


def test_every_notebook_has_a_parameters_cell_with_profile_and_metrics_path():
    import nbformat

    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(params) == 1, f"{path.name}: needs exactly one cell tagged 'parameters'"
        assert "profile" in params[0].source and "metrics_path" in params[0].source, path.name
        # the parameters cell is a list of knobs, one per line, for papermill's --help-notebook: exempt
        too_long = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and len(c.source.splitlines()) > 10
                    and "parameters" not in c.metadata.get("tags", [])]
        assert not too_long, f"{path.name}: code cells {too_long} exceed 10 lines (one idea per cell)"


def test_notebooks_store_outputs_only_for_the_cells_nbval_compares():
    # --nbval-lax compares just the NBVAL_CHECK_OUTPUT cells, and only when they are stored as run with their
    # outputs; every other cell is committed empty (tools/store_checked_outputs.py writes both)
    import nbformat
    from nbval.plugin import find_comment_markers  # nbval's own marker reading, so the check cannot drift

    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        code = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
        checked = [i for i, c in code if dict(find_comment_markers(c.source)).get("check")]
        assert checked, f"{path.name}: mark at least one deterministic cell '# NBVAL_CHECK_OUTPUT'"
        for i, c in code:
            if i in checked:
                assert c.outputs and c.execution_count, f"{path.name} cell {i}: run tools/store_checked_outputs.py"
                streams = [o for o in c.outputs if o.output_type == "stream" and o.name == "stderr"]
                assert not streams, f"{path.name} cell {i}: stderr (progress bars, warnings) varies; move it out"
            else:
                assert not c.outputs, f"{path.name} cell {i}: commit notebooks without outputs (checked cells aside)"
