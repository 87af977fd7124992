"""The panels in a real front end: JupyterLab driven by headless Chromium (python playwright).

Proves that the widgets render in JupyterLab 4, that a FreezePanel toggle click reaches the kernel and
changes the model (the readout redraws), and that TrainDashboard trains in a background thread while
the kernel still handles the Stop click, with a live plotly FigureWidget; and that HyperparamPanel shows
the core's validation message for a typed invalid lr. The Playground test moves the lr slider,
toggles a layer, starts, stops, starts again with another lr and sees two rows and two overlaid curves.
Screenshots go to artifacts/browser/. Needs Debian's chromium (``apt-get install -y chromium``); never skipped.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "browser"

CELLS = [
    """import time, datasets, ftlab
from ftlab.widgets.freeze_panel import FreezePanel
from ftlab.widgets.hyperparam_panel import HyperparamPanel
from ftlab.widgets.train_dashboard import TrainDashboard
model = ftlab.load_model("tiny-bert", task="classification", labels=["neg", "pos"])
model.freeze("head")
rows = [{"text": f"review {i} was {'great' if i % 2 else 'awful'}", "label": i % 2} for i in range(64)]
ds = datasets.Dataset.from_list(rows)
splits = {"train": ds.select(range(48)), "validation": ds.select(range(48, 64))}""",
    """freeze = FreezePanel(model, batch_size=8, seq_len=32)
freeze""",
    """hyper = HyperparamPanel()
hyper""",
    """class Slow(ftlab.Callback):  # a test-only pause so the browser sees a run in progress
    def on_step_end(self, trainer, row):
        time.sleep(0.2)
trainer = ftlab.Trainer(ftlab.TrainConfig(max_steps=400, batch_size=8, eval_every=5), callbacks=[Slow()])
dash = TrainDashboard(trainer, model, splits)
dash""",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_lab_dir(root: Path, cells: list[str]) -> dict:
    """Notebook plus JupyterLab settings/workspaces kept inside the temp dir (no news prompt)."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nbformat.write(nb, root / "nb.ipynb")
    settings = root / ".lab" / "settings"
    (settings / "@jupyterlab" / "apputils-extension").mkdir(parents=True)
    (settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    env = {k: v for k, v in os.environ.items() if k not in ("FTLAB_WIDGETS", "JPY_SESSION_NAME")}
    env |= {"JUPYTERLAB_SETTINGS_DIR": str(settings), "JUPYTERLAB_WORKSPACES_DIR": str(root / ".lab" / "workspaces"),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
            "JUPYTER_RUNTIME_DIR": str(root / ".lab" / "runtime"), "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    return env


@contextlib.contextmanager
def _jupyterlab(tmp_path: Path, cells: list[str] = CELLS):
    """A JupyterLab server on a free port serving tmp_path with nb.ipynb made of ``cells``; yields its base URL."""
    env = _write_lab_dir(tmp_path, cells)
    port = _free_port()
    log = open(tmp_path / "lab.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--IdentityProvider.token=", "--ServerApp.password=",
         "--ServerApp.ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
         f"--ServerApp.root_dir={tmp_path}", "--LabApp.expose_app_in_browser=True",
         "--LabApp.extension_manager=readonly", *(["--allow-root"] if os.geteuid() == 0 else [])],
        cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError(f"JupyterLab did not start; log:\n{(tmp_path / 'lab.log').read_text()[-3000:]}")
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()  # the server shuts its kernels down on SIGTERM
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)  # the process group this fixture started (server + its kernel)
            proc.wait(10)
        log.close()
        if ARTIFACTS.is_dir():
            shutil.copy(tmp_path / "lab.log", ARTIFACTS / "lab.log")  # server + kernel messages, for failures


def _kernel_idle(page) -> None:
    page.wait_for_function(
        """() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
                   const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
                   return !!k && k.status === 'idle'; }""", timeout=120_000)


def _dismiss_prompts(page) -> None:
    dialog = page.locator(".jp-Dialog .jp-mod-accept")
    if dialog.count():  # "Select Kernel"
        dialog.first.click()
    news = page.get_by_role("button", name="No")
    if news.count():
        news.first.click()


def _wait_rendered(page, locator, timeout: float) -> None:
    """Wait for a widget from the executed cells; on timeout fail with what the cells printed instead."""
    deadline = time.time() + timeout
    while not locator.count():
        if time.time() > deadline:
            outputs = "\n".join(page.locator(".jp-OutputArea-output").all_inner_texts())
            pytest.fail(f"the notebook's widgets did not render within {timeout:.0f}s; cell outputs:\n{outputs[-4000:]}")
        page.wait_for_timeout(500)


def _step(page) -> int:
    m = re.search(r"step (\d+)/", page.locator(".ftlab-progress-label").inner_text())
    return int(m.group(1)) if m else 0


def _in_browser(tmp_path: Path, cells: list[str], drive, final_shot: str) -> None:
    """Serve a notebook of ``cells`` in JupyterLab, open it in headless Chromium, run all cells, ``drive`` it."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: the browser test needs Debian's chromium. Install it with "
                    "`apt-get update && apt-get install -y chromium` (as root); do not use `playwright install`.")
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with _jupyterlab(tmp_path, cells) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1800})
        try:
            page.goto(f"{url}/lab/tree/nb.ipynb", wait_until="domcontentloaded")
            page.wait_for_selector(".jp-Notebook", timeout=90_000)
            page.wait_for_timeout(1500)
            _dismiss_prompts(page)
            _kernel_idle(page)
            page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
            drive(page, expect)
        finally:
            with contextlib.suppress(Exception):  # keep the real failure, not a screenshot error
                page.screenshot(path=str(ARTIFACTS / final_shot), full_page=True)
            browser.close()


def test_panels_in_jupyterlab(tmp_path):
    for old in ARTIFACTS.glob("0*.png"):  # this test's screenshots only; the Playground test keeps its own
        old.unlink()
    _in_browser(tmp_path, CELLS, _drive, "09_final.png")


def _drive(page, expect) -> None:

    # FreezePanel: click the layer.1 toggle; the kernel freezes/unfreezes and the readout redraws.
    readout = page.locator(".ftlab-freeze-readout")
    _wait_rendered(page, readout, timeout=180)
    before = readout.inner_text()
    assert "groups training: head" in before
    page.screenshot(path=str(ARTIFACTS / "01_freeze_panel.png"), full_page=True)
    toggle = page.locator(".ftlab-freeze-panel .widget-toggle-button", has_text="layer.1")
    toggle.click()
    expect(readout).to_contain_text("groups training: layer.1, head", timeout=30_000)
    after = readout.inner_text()
    count = lambda text: int(re.search(r"Trainable parameters: ([\d,]+)", text).group(1).replace(",", ""))
    assert count(after) > count(before)
    page.locator(".ftlab-freeze-panel").screenshot(path=str(ARTIFACTS / "02_freeze_toggled.png"))

    # HyperparamPanel: typing an invalid lr shows the core's validation message inline.
    lr_box = page.locator(".ftlab-hyperparam-panel .widget-text", has_text="lr").locator("input").first
    lr_box.fill("-3")
    lr_box.press("Enter")
    expect(page.locator(".ftlab-config-error")).to_contain_text("TrainConfig.lr must be a float in (0, 1]; got -3.0",
                                                                timeout=30_000)
    lr_box.fill("0.0001")
    lr_box.press("Enter")
    expect(page.locator(".ftlab-hyperparam-panel")).to_contain_text("-p lr 0.0001", timeout=30_000)
    expect(page.locator(".ftlab-config-error")).to_have_text("")
    page.locator(".ftlab-hyperparam-panel").screenshot(path=str(ARTIFACTS / "03_hyperparams.png"))

    # TrainDashboard: Start trains in a background thread; the live figure fills; Stop is still handled.
    start, stop, status = page.locator(".ftlab-start"), page.locator(".ftlab-stop"), page.locator(".ftlab-status")
    expect(start).to_be_enabled(timeout=60_000)
    expect(page.locator(".ftlab-train-dashboard .js-plotly-plot")).to_have_count(1, timeout=60_000)
    start.click()
    page.wait_for_function(
        "() => /step ([1-9]\\d*)\\//.test(document.querySelector('.ftlab-progress-label').innerText)", timeout=120_000)
    expect(stop).to_be_enabled()
    page.wait_for_function("() => document.querySelector('.ftlab-progress-label').innerText.includes('ETA')",
                           timeout=30_000)
    page.wait_for_timeout(1500)  # a few throttled redraws of the live figure
    page.locator(".ftlab-train-dashboard").screenshot(path=str(ARTIFACTS / "04_training.png"))
    stop.click()
    expect(status).to_contain_text("Stopped (stop requested)", timeout=60_000)
    first = _step(page)
    assert 0 < first < 400
    expect(start).to_be_enabled()
    expect(page.locator(".ftlab-train-dashboard .js-plotly-plot .scatterlayer .trace").first).to_be_attached()
    page.locator(".ftlab-train-dashboard").screenshot(path=str(ARTIFACTS / "05_stopped.png"))

    # Start again continues from the stop (same trainer, same history), then stop once more.
    start.click()
    page.wait_for_function(f"() => {{ const m = /step (\\d+)\\//.exec(document.querySelector('.ftlab-progress-label')"
                           f".innerText); return m && +m[1] > {first}; }}", timeout=120_000)
    stop.click()
    expect(status).to_contain_text("Stopped (stop requested)", timeout=60_000)
    assert _step(page) > first
    expect(page.locator(".ftlab-train-dashboard .ftlab-summary")).to_contain_text("stopped_reason")
    page.locator(".ftlab-train-dashboard").screenshot(path=str(ARTIFACTS / "06_continued.png"))
    assert page.locator(".ftlab-train-dashboard .jp-OutputArea-output").count() == 0  # no errors in its output


# ---- the Playground: one panel, two runs compared ----------------------------------------------------
PLAYGROUND_CELLS = [
    """import time, datasets, ftlab, ftlab.widgets
rows = [{"text": f"review {i} was {'great' if i % 2 else 'awful'}", "label": i % 2} for i in range(64)]
ds = datasets.Dataset.from_list(rows)
splits = {"train": ds.select(range(48)), "validation": ds.select(range(48, 64))}
class Slow(ftlab.Callback):  # a test-only pause so the browser sees a run in progress
    def on_step_end(self, trainer, row):
        time.sleep(0.1)""",
    """config = ftlab.TrainConfig(lr=1e-4, max_steps=30, batch_size=8, eval_every=5)
pg = ftlab.widgets.Playground("tiny-bert", splits, config, labels=["neg", "pos"], callbacks=[Slow()])
pg""",
]


def test_playground_in_jupyterlab(tmp_path):
    for old in ARTIFACTS.glob("1*.png"):
        old.unlink()
    _in_browser(tmp_path, PLAYGROUND_CELLS, _drive_playground, "19_playground_final.png")


def _drag_lr_slider(page, dx: float) -> float:
    """Drag the log-scale lr slider's handle by ``dx`` pixels; returns the lr box's new value."""
    panel = page.locator(".ftlab-playground .ftlab-hyperparam-panel")
    lr_box = panel.locator(".widget-text", has_text="lr").locator("input").first
    before = lr_box.input_value()
    box = panel.locator(".widget-hslider .noUi-handle").first.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx, y, steps=8)
    page.mouse.up()
    deadline = time.time() + 30
    while True:  # the box updates during the slide: wait until it moved and the generated code agrees with it
        value = lr_box.input_value()
        if value != before and float(value) == _code_lr(page):
            return float(value)
        assert time.time() < deadline, f"lr box {value!r} (was {before!r}) and the code's lr {_code_lr(page)} disagree"
        page.wait_for_timeout(300)


def _code_lr(page) -> float:
    """The lr in the HyperparamPanel's generated papermill command."""
    text = page.locator(".ftlab-playground .ftlab-hyperparam-panel").inner_text()
    return float(re.search(r"-p lr (\S+)", text).group(1))


def _drive_playground(page, expect) -> None:
    pg = page.locator(".ftlab-playground")
    readout = pg.locator(".ftlab-freeze-readout")
    _wait_rendered(page, readout, timeout=180)
    page.screenshot(path=str(ARTIFACTS / "10_playground.png"), full_page=True)

    # choose what trains: the "head only" preset, then press the layer.0 toggle
    pg.locator(".ftlab-freeze-panel .jupyter-button", has_text="head only").click()
    expect(readout).to_contain_text("groups training: head", timeout=30_000)
    pg.locator(".ftlab-freeze-panel .widget-toggle-button", has_text="layer.0").click()
    expect(readout).to_contain_text("groups training: layer.0, head", timeout=30_000)

    # move the lr slider: the typed box and the generated code follow
    lr1 = _drag_lr_slider(page, 30)
    assert lr1 > 1e-4
    pg.locator(".ftlab-hyperparam-panel").screenshot(path=str(ARTIFACTS / "11_slider_moved.png"))

    # Start, then Stop mid-run: the stopped run is kept as row 1; the freeze toggles were locked meanwhile
    start, stop = pg.locator(".ftlab-playground-start"), pg.locator(".ftlab-stop")
    start.click()
    page.wait_for_function(
        "() => /step ([1-9]\\d*)\\//.test(document.querySelector('.ftlab-progress-label').innerText)", timeout=120_000)
    expect(pg.locator(".ftlab-freeze-panel .widget-toggle-button", has_text="layer.0")).to_be_disabled()
    stop.click()
    table = pg.locator(".ftlab-runs-table")
    expect(table).to_contain_text("stop requested", timeout=60_000)
    expect(start).to_be_enabled(timeout=30_000)
    page.locator(".ftlab-playground").screenshot(path=str(ARTIFACTS / "12_run1_stopped.png"))

    # another lr, Start again: a second row and a second pair of curves
    lr2 = _drag_lr_slider(page, 30)
    assert lr2 > lr1
    start.click()
    expect(pg.locator(".ftlab-playground-status")).to_contain_text("Run 2 recorded (completed)", timeout=180_000)
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table).to_contain_text("→")  # run 2's lr against run 1's
    assert table.locator("tbody tr").nth(1).inner_text().split("\t")[3] == "layer.0, head"
    legend = pg.locator(".ftlab-runs-figure .legendtext")
    expect(legend).to_have_count(2, timeout=30_000)
    assert legend.all_text_contents() == ["run 1", "run 2"]  # SVG text: no innerText
    assert pg.locator(".ftlab-runs-figure .scatterlayer .trace").count() >= 3  # loss per run + run 2's metric
    code = pg.locator(".ftlab-run-code")
    expect(code).to_contain_text("The Python behind run 2")
    expect(code).to_contain_text("model.freeze(['layer.0', 'head'])")
    page.locator(".ftlab-playground").screenshot(path=str(ARTIFACTS / "13_two_runs.png"))
    assert pg.locator(".jp-OutputArea-output").count() == 0  # no errors in the panels' output areas
