"""The curriculum notebooks: structure, public imports, stored outputs, and the papermill path.

`make test` executes every notebook once under nbval (--nbval-lax), where each notebook's last cells assert
the claims it teaches, then tools/check_notebook_metrics.py checks each wrote its metrics JSON (profile
"ci", peak RSS < 2 GB). Here papermill runs the quickstart with injected parameters — the path
practitioners use in batch — so each notebook is executed once in CI, not twice."""
import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_curriculum_is_present():
    names = [p.stem for p in NOTEBOOKS]
    assert names[0] == "00_quickstart", names


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS[:1], ids=[p.stem for p in NOTEBOOKS[:1]])
def test_notebook_runs_under_papermill(notebook, tmp_path):
    import papermill as pm

    metrics_path = tmp_path / f"{notebook.stem}.json"
    out = tmp_path / notebook.name
    pm.execute_notebook(str(notebook), str(out), parameters={"profile": "ci", "metrics_path": str(metrics_path)},
                        cwd=str(notebook.parent), kernel_name="python3", progress_bar=False)
    metrics = json.loads(metrics_path.read_text())
    assert metrics.get("profile") == "ci"
    assert 0 < metrics["peak_rss_mb"] < 2048, "every notebook must fit a 2 GB Binder"


def test_the_metrics_check_finds_a_missing_or_oversized_notebook(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("check", NOTEBOOKS[0].parent.parent / "tools" / "check_notebook_metrics.py")
    check = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(check)
    (tmp_path / "metrics").mkdir()
    for name in ("00_a", "01_b", "02_c"):
        (tmp_path / f"{name}.ipynb").write_text("{}")
    (tmp_path / "metrics" / "00_a.json").write_text(json.dumps({"profile": "ci", "peak_rss_mb": 900}))
    (tmp_path / "metrics" / "01_b.json").write_text(json.dumps({"profile": "full", "peak_rss_mb": 2100}))
    found = check.problems(tmp_path)
    assert len(found) == 3 and any("02_c" in f and "wrote no" in f for f in found)


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


MAX_LINE = 100  # characters per line of a notebook code cell: a cell must read without scrolling sideways


def test_notebook_code_lines_are_at_most_100_characters():
    import nbformat

    for path in NOTEBOOKS:
        for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
            if cell.cell_type != "code":
                continue
            long = [n for n, line in enumerate(cell.source.splitlines(), 1) if len(line) > MAX_LINE]
            assert not long, (f"{path.name} cell {i}: lines {long} exceed {MAX_LINE} characters; "
                              "break them (one idea per line) rather than packing code")


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


# the modules a notebook may import from: everything else is an internal path that may move
PUBLIC_MODULES = {"ftlab", "ftlab.metrics", "ftlab.widgets", "ftlab.sft", "ftlab.rag", "ftlab.sweep"}


def _ftlab_references(source):
    """(module, name) for every `from ftlab… import name`, `import ftlab…` and `ftlab.a(.b)` use in a cell."""
    import ast

    refs = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "ftlab":
            refs += [(node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            refs += [(alias.name, None) for alias in node.names if alias.name.split(".")[0] == "ftlab"]
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "ftlab":
            refs.append(("ftlab", node.attr))
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute):
            inner = node.value
            if isinstance(inner.value, ast.Name) and inner.value.id == "ftlab":
                refs.append((f"ftlab.{inner.attr}", node.attr))
    return refs


def _private_reference(module, name):
    """Why `module.name` is not public, or None when it is."""
    import importlib

    if module not in PUBLIC_MODULES:
        return f"{module} is not a public module"
    if name is None or f"{module}.{name}" in PUBLIC_MODULES:
        return None
    if name not in importlib.import_module(module).__all__:
        return f"{name} is not in {module}.__all__"
    return None


def test_notebooks_import_only_public_names():
    import nbformat
    from IPython.core.inputtransformer2 import TransformerManager

    to_python = TransformerManager().transform_cell  # `%magic` lines become plain Python that ast can read
    for path in NOTEBOOKS:
        for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
            if cell.cell_type != "code":
                continue
            for module, name in _ftlab_references(to_python(cell.source)):
                why = _private_reference(module, name)
                assert why is None, f"{path.name} cell {i}: {module}.{name}: {why}; use a name from {sorted(PUBLIC_MODULES)}"


def test_the_public_names_check_catches_a_private_path():
    assert _private_reference("ftlab.train.cached_head", "fit_head")
    assert _private_reference("ftlab", "train")
    assert _private_reference("ftlab.widgets", "hyperparam_panel")
    assert _private_reference("ftlab", "fit_head") is None
    refs = set(_ftlab_references("import ftlab\nftlab.train.lr_find(1)"))
    assert ("ftlab.train", "lr_find") in refs and ("ftlab", "train") in refs
