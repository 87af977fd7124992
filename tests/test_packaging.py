"""Packaging and set-up stay consistent: the built wheel ships and imports every package, the package's
imports have no cycle, the widget mapping, the CLI, the Binder requirements, the README."""
import ast
import graphlib
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# what the build reads; copied to a clean folder so a stale build/ in the checkout cannot leak into the wheel
BUILD_INPUTS = ("pyproject.toml", "setup.py", "README.md", "LICENSE", "ftlab", "widgets")


def _requirement_names(lines):
    names = set()
    for line in lines:
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            names.add(re.split(r"[<>=!~\[ ]", line)[0].lower())
    return names


def test_widgets_install_as_ftlab_widgets():
    import ftlab.widgets

    assert Path(ftlab.widgets.__file__).parent.name == "widgets"


def test_cli_lists_presets_and_their_offline_status():
    out = subprocess.run([sys.executable, "-m", "ftlab.cli", "models"], capture_output=True, text=True, check=True).stdout
    assert "minilm" in out and "smollm2-135m" in out and "offline" in out


def test_binder_installs_a_cpu_torch_and_every_core_dependency():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    needed = _requirement_names(project["dependencies"]) | _requirement_names(project["optional-dependencies"]["notebooks"])
    binder = (ROOT / "binder" / "requirements.txt").read_text().splitlines()
    assert any(re.match(r"torch==[\d.]+\+cpu", line) for line in binder), "binder must pin a +cpu torch"
    missing = needed - _requirement_names(binder)
    assert not missing, f"binder/requirements.txt lacks {sorted(missing)}"


def test_readme_starts_with_the_two_setup_commands():
    readme = (ROOT / "README.md").read_text()
    first_block = readme.split("```bash", 1)[1].split("```", 1)[0]
    assert "make lab" in first_block and "make test" in first_block
    makefile = (ROOT / "Makefile").read_text()
    for target in ("lab:", "test:", "demo:", "bench:"):
        assert target in makefile
    assert (ROOT / ".ci" / "run").read_text().strip().endswith("make test")


# ---- the wheel: built from the sources, installed elsewhere, imported from there ----

def _source_files() -> dict[str, Path]:
    """Every module of the package as it will be installed: wheel path -> source file."""
    files = {p.relative_to(ROOT).as_posix(): p for p in (ROOT / "ftlab").rglob("*.py") if "__pycache__" not in p.parts}
    files |= {f"ftlab/widgets/{p.name}": p for p in (ROOT / "widgets").glob("*.py")}
    return files


def _subpackages() -> list[str]:
    """Dotted names of every directory under ftlab/ with an __init__.py, plus ftlab.widgets."""
    inits = sorted((ROOT / "ftlab").rglob("__init__.py"))
    return [".".join(p.parent.relative_to(ROOT).parts) for p in inits] + ["ftlab.widgets"]


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, f"{' '.join(cmd)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """(wheel file, folder it was installed into with pip --target)."""
    tmp = tmp_path_factory.mktemp("wheel")
    (tmp / "src").mkdir()
    for name in BUILD_INPUTS:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, tmp / "src" / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, tmp / "src" / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    _run(pip + ["wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp / "dist"), str(tmp / "src")])
    (built,) = (tmp / "dist").glob("ftlab-*.whl")
    _run(pip + ["install", "--no-deps", "--no-index", "--target", str(tmp / "site"), str(built)])
    return built, tmp / "site"


def test_wheel_ships_every_module_widget_and_sample(wheel):
    names = set(zipfile.ZipFile(wheel[0]).namelist())
    missing = sorted(set(_source_files()) - names)
    assert not missing, f"the wheel lacks {missing}: is package discovery in setup.py missing them?"
    samples = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "ftlab/data/samples").glob("*.*"))
    assert samples and not set(samples) - names
    assert {f"{pkg.replace('.', '/')}/__init__.py" for pkg in _subpackages()} <= names
    strays = sorted(n for n in names if not n.startswith(("ftlab/", "ftlab-")))
    assert not strays, f"the wheel ships files outside ftlab/: {strays}"  # tools/, tests/ are not shipped


def test_installed_wheel_imports_every_subpackage_from_its_own_files(wheel):
    site = wheel[1]
    script = ("import importlib, json, sys; from ftlab.data.loading import SAMPLES_DIR; "
              "files = {n: importlib.import_module(n).__file__ for n in sys.argv[1:]}; "
              "print(json.dumps({'files': files, 'samples': sorted(p.name for p in SAMPLES_DIR.iterdir())}))")
    env = {**os.environ, "PYTHONPATH": str(site)}  # before the venv's site-packages, where ftlab is editable
    done = _run([sys.executable, "-c", script, *_subpackages()], env=env, cwd=site.parent)  # cwd: not the checkout
    found = json.loads(done.stdout.strip().splitlines()[-1])
    outside = {name: f for name, f in found["files"].items() if not Path(f).resolve().is_relative_to(site.resolve())}
    assert not outside, f"imported from outside the installed wheel: {outside}"
    assert set(found["files"]) == set(_subpackages())
    assert {"reviews.jsonl", "reviews-raw.jsonl", "news.jsonl", "reviews.md"} <= set(found["samples"])


# ---- the package's own imports form no cycle ----

def _module_names() -> dict[str, Path]:
    """Dotted module name -> file, for ftlab/ and widgets/ (installed as ftlab.widgets)."""
    names = {}
    for wheel_path, path in _source_files().items():
        parts = wheel_path[: -len(".py")].split("/")
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


def _import_time_nodes(body: list) -> list:
    """Import statements that run when the module is imported: not inside functions or `if TYPE_CHECKING:`."""
    found = []
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        elif isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            found += _import_time_nodes(node.orelse)
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            for field in ("body", "orelse", "finalbody", "handlers"):
                found += _import_time_nodes([n for n in getattr(node, field, []) if isinstance(n, ast.AST)])
    return found


def _imported_modules(name: str, path: Path, modules: dict) -> set[str]:
    """The package modules that importing ``name`` executes (its own and its ancestors' packages excluded)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = set()
    for node in _import_time_nodes(ast.parse(path.read_text(encoding="utf-8")).body):
        if isinstance(node, ast.Import):
            bases, names = [a.name for a in node.names], []
        else:
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            bases, names = [base], [f"{base}.{a.name}" for a in node.names]
        for target in [n for n in names if n in modules] or bases:
            while target and target not in modules:  # `import ftlab.x.y` names a module or a package above it
                target = target.rpartition(".")[0]
            # importing ftlab.a.b also runs ftlab.a's __init__, unless that package is already being imported
            chain = [target] + [target.rsplit(".", k)[0] for k in range(1, target.count(".") + 1)]
            targets |= {t for t in chain if t in modules and t != name and not name.startswith(t + ".")}
    return targets


def test_package_imports_have_no_cycles():
    modules = _module_names()
    graph = {name: _imported_modules(name, path, modules) for name, path in modules.items()}
    assert graph["ftlab"], "the import graph is empty: the parser found no imports in ftlab/__init__.py"
    cycles = []
    while True:
        try:
            graphlib.TopologicalSorter(graph).prepare()
            break
        except graphlib.CycleError as err:
            cycle = err.args[1][::-1]  # graphlib lists importers first; reversed, each module imports the next
            cycles.append(" -> ".join(cycle))
            graph[cycle[0]].discard(cycle[1])  # break this one to find the next
    assert not cycles, "import cycles inside ftlab (each arrow: imports at module level):\n" + "\n".join(cycles)
