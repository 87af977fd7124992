"""Packaging and set-up stay consistent: the widget mapping, the CLI, the Binder requirements, the README."""
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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
