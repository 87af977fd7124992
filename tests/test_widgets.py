"""Widget panels without a browser: set .value, .click(), and check the core objects they drive."""
from __future__ import annotations

import html
import logging
import re
import time

import datasets
import plotly.graph_objects as go
import pytest

import ftlab
from conftest import product_reviews
from ftlab.widgets._common import output_text, widget_frontend
from ftlab.widgets.freeze_panel import FreezePanel
from ftlab.widgets.hyperparam_panel import HyperparamPanel
from ftlab.widgets.static import plot_history
from ftlab.widgets.train_dashboard import TrainDashboard

LABELS = ["neg", "pos"]


@pytest.fixture
def model():
    return ftlab.load_model("tiny-bert", task="classification", labels=LABELS)


@pytest.fixture(scope="module")
def splits():
    ds = product_reviews(64)
    return {"train": ds.select(range(48)), "validation": ds.select(range(48, 64))}


@pytest.fixture
def static_mode(monkeypatch):
    monkeypatch.setenv("FTLAB_WIDGETS", "static")


@pytest.fixture(autouse=True)
def no_swallowed_callback_errors(caplog):
    """ipywidgets logs (and swallows) exceptions escaping a callback; the panels must catch their own."""
    with caplog.at_level(logging.ERROR):
        yield
    assert "Exception in callback" not in caplog.text


def _trains(model, group: str) -> bool:
    names = model.layer_groups()[group]
    params = dict(model.module.named_parameters())
    return all(params[n].requires_grad for n in names)


def _checkpointing(model) -> bool:
    return any(getattr(m, "gradient_checkpointing", False) is True for m in model.module.modules())


def _count_in(readout_html: str) -> int:
    return int(re.search(r"Trainable parameters: ([\d,]+)", readout_html).group(1).replace(",", ""))


# ---- FreezePanel ------------------------------------------------------------------------------------
def test_freeze_toggle_calls_model_freeze(model):
    panel = FreezePanel(model, batch_size=8, seq_len=32)
    assert set(panel.toggles) == set(model.groups)
    panel.preset_buttons["head"].click()
    assert model.trainable_groups() == ["head"]
    head_only = _count_in(panel.readout.value)
    assert head_only == model.num_parameters(trainable_only=True)
    panel.toggles["layer.1"].value = True
    assert _trains(model, "layer.1") and not _trains(model, "layer.0") and not _trains(model, "embeddings")
    assert model.trainable_groups() == ["layer.1", "head"]
    assert _count_in(panel.readout.value) == model.num_parameters(trainable_only=True) > head_only
    panel.toggles["head"].value = False
    assert model.trainable_groups() == ["layer.1"]
    assert panel.output.outputs == ()


def test_presets_sync_toggles(model):
    panel = FreezePanel(model)
    panel.preset_buttons["top-2"].click()
    assert {g: t.value for g, t in panel.toggles.items()} == {"embeddings": False, "layer.0": True, "layer.1": True,
                                                              "head": True}
    panel.preset_buttons["all"].click()
    assert all(t.value for t in panel.toggles.values())
    assert f"{model.num_parameters():,} of {model.num_parameters():,} (100.00%)" in panel.readout.value
    assert not panel.preset_buttons["all"].disabled  # re-enabled after the handler


def test_memory_estimate_follows_batch_size_and_precision(model):
    panel = FreezePanel(model, batch_size=8, seq_len=64)
    before, text_before = panel.estimate, panel.readout.value
    panel.batch_size.value = 32
    after = panel.estimate
    assert after.activations_mb == pytest.approx(4 * before.activations_mb, rel=0.05)
    assert panel.readout.value != text_before and "batch 32 × 64 tokens" in panel.readout.value
    assert f"{after.total_mb:,.1f} MiB" in panel.readout.value
    panel.precision.value = "bf16"
    assert panel.estimate.activations_mb < after.activations_mb
    panel.preset_buttons["head"].click()  # frozen trunk: no gradients/optimizer state for it
    assert panel.estimate.optimizer_mb < after.optimizer_mb


def test_gradient_checkpointing_checkbox(model):
    panel = FreezePanel(model, batch_size=16, seq_len=128)
    full = panel.estimate.activations_mb
    panel.checkpointing.value = True
    assert _checkpointing(model)
    assert panel.estimate.activations_mb < full and "gradient checkpointing" in panel.readout.value
    panel.checkpointing.value = False
    assert not _checkpointing(model)
    assert panel.output.outputs == ()


def test_lora_disables_toggles_and_says_why(model):
    panel = FreezePanel(model)
    panel.preset_buttons["lora"].click()
    assert model.lora_wrapped == "trunk"
    assert all(t.disabled for t in panel.toggles.values())
    assert all(b.disabled for b in panel.preset_buttons.values())
    assert "LoRA is attached" in panel.readout.value
    assert _count_in(panel.readout.value) == model.num_parameters(trainable_only=True) < 0.05 * model.num_parameters()
    again = FreezePanel(model)  # a panel on a model that already has LoRA starts disabled too
    assert all(t.disabled for t in again.toggles.values())


def test_handler_errors_show_in_output_and_button_reenabled(model, monkeypatch):
    panel = FreezePanel(model)

    def broken(train="head", **kw):
        raise ValueError("freeze() exploded for the test")

    monkeypatch.setattr(model, "freeze", broken)
    panel.preset_buttons["head"].click()
    assert "ValueError: freeze() exploded for the test" in output_text(panel.output)
    assert isinstance(panel.last_error, ValueError)
    assert not panel.preset_buttons["head"].disabled


# ---- HyperparamPanel ------------------------------------------------------------------------------
def test_hyperparams_build_a_valid_config():
    panel = HyperparamPanel(ftlab.TrainConfig(eval_every=5))
    panel.controls["lr"].value = 1e-4
    panel.controls["epochs"].value = 2
    panel.controls["optimizer"].value = "sgd"
    panel.controls["max_steps"].value = 0
    cfg = panel.config
    assert isinstance(cfg, ftlab.TrainConfig)
    assert (cfg.lr, cfg.epochs, cfg.optimizer, cfg.max_steps, cfg.eval_every) == (1e-4, 2, "sgd", None, 5)
    assert panel.python_code == "ftlab.TrainConfig(lr=0.0001, epochs=2, optimizer='sgd', eval_every=5)"
    assert panel.error.value == ""


def test_invalid_lr_shows_core_message_and_keeps_last_valid():
    panel = HyperparamPanel()
    panel.controls["lr"].value = 3e-4
    panel.controls["lr"].value = -3
    assert panel.error_message == "TrainConfig.lr must be a float in (0, 1]; got -3.0"
    assert html.escape(panel.error_message) in panel.error.value
    assert panel.config.lr == 3e-4
    panel.controls["batch_size"].value = 0  # still invalid lr: the first bad field is reported
    assert panel.config.batch_size == 32
    panel.controls["lr"].value = 1e-3
    assert panel.error_message == "TrainConfig.batch_size must be an int >= 1; got 0"
    panel.controls["batch_size"].value = 16
    assert panel.error.value == panel.error_message == "" and (panel.config.lr, panel.config.batch_size) == (1e-3, 16)


def test_papermill_command_and_log_slider():
    panel = HyperparamPanel(notebook="notebooks/01_freezing.ipynb", output_notebook="runs/out.ipynb")
    assert panel.papermill_command == "papermill notebooks/01_freezing.ipynb runs/out.ipynb"
    panel.lr_slider.value = 1e-4
    panel.controls["epochs"].value = 2
    panel.controls["max_steps"].value = 50
    panel.controls["scheduler"].value = "cosine"
    assert panel.controls["lr"].value == 1e-4
    assert panel.papermill_command == ("papermill notebooks/01_freezing.ipynb runs/out.ipynb "
                                       "-p lr 0.0001 -p epochs 2 -p max_steps 50 -p scheduler cosine")
    assert "-p lr 0.0001" in panel.code.value and "ftlab.TrainConfig(lr=0.0001" in panel.code.value
    panel.controls["lr"].value = 2e-5
    assert panel.lr_slider.value == pytest.approx(2e-5)


# ---- TrainDashboard -------------------------------------------------------------------------------
class _Slow(ftlab.Callback):
    """Makes each step take a little while so a Stop lands mid-run on any machine."""

    def on_step_end(self, trainer, row):
        time.sleep(0.03)


def _wait_for(predicate, timeout=120.0):
    t0 = time.time()
    while not predicate():
        assert time.time() - t0 < timeout, "timed out"
        time.sleep(0.005)


def test_dashboard_start_stop_start_continues(model, splits):
    trainer = ftlab.Trainer(ftlab.TrainConfig(max_steps=12, batch_size=8, eval_every=6, progress="off"),
                            callbacks=[_Slow()])
    dash = TrainDashboard(trainer, model, splits)
    assert dash.figure is None  # no widget front end in pytest: no live figure
    dash.start_button.click()
    assert dash.start_button.disabled and not dash.stop_button.disabled
    _wait_for(lambda: trainer.state.step >= 2)
    dash.stop_button.click()
    assert dash.wait(120)
    first = trainer.state.step
    assert 2 <= first < 12 and trainer.history.stopped_reason == "stop requested"
    assert "Stopped" in dash.status.value and f"step {first}/12" in dash.status.value
    assert len(trainer.history.steps) == first and dash.progress.value == first
    assert not dash.start_button.disabled and dash.stop_button.disabled
    dash.start_button.click()
    assert dash.wait(120)
    assert trainer.state.step == 12 > first
    assert [r["step"] for r in trainer.history.steps] == list(range(1, 13))  # history kept and extended
    assert "Completed" in dash.status.value and "stopped_reason" in dash.summary.value
    assert dash.last_error is None and output_text(dash.output) == ""
    assert len(trainer.callbacks) == 1  # the dashboard removed its own callback


def test_dashboard_shows_thread_errors(model):
    no_label = datasets.Dataset.from_list([{"text": f"row {i}"} for i in range(16)])
    trainer = ftlab.Trainer(ftlab.TrainConfig(max_steps=2, batch_size=4, progress="off"))
    dash = TrainDashboard(trainer, model, {"train": no_label})
    dash.start()
    assert dash.wait(60)
    assert "target column 'label'" in output_text(dash.output)
    assert "Training failed" in dash.status.value
    assert not dash.start_button.disabled and dash.stop_button.disabled


def test_dashboard_rejects_data_without_train_split(model):
    with pytest.raises(ValueError, match="'train' split"):
        TrainDashboard(ftlab.Trainer(), model, {"validation": []})


def test_live_dashboard_draws_figure(model, splits, monkeypatch):
    monkeypatch.setenv("FTLAB_WIDGETS", "live")
    trainer = ftlab.Trainer(ftlab.TrainConfig(max_steps=4, batch_size=8, eval_every=2, progress="auto"))
    dash = TrainDashboard(trainer, model, splits)
    assert isinstance(dash.figure, go.FigureWidget) and dash.figure in dash.widget.children
    dash.start()
    assert dash.wait(120) and dash.last_error is None
    traces = {t.name: t for t in dash.figure.data}
    assert list(traces["train loss"].x) == [1, 2, 3, 4]
    assert list(traces["val loss"].x) == [2, 4] and "accuracy" in traces
    assert trainer.config.progress == "auto"  # silenced only while the dashboard ran
    assert "application/vnd.jupyter.widget-view+json" in dash._repr_mimebundle_()


# ---- static fallback ------------------------------------------------------------------------------
def test_frontend_detection(monkeypatch):
    monkeypatch.delenv("FTLAB_WIDGETS", raising=False)
    assert widget_frontend() is False  # plain pytest: no kernel
    monkeypatch.setenv("FTLAB_WIDGETS", "live")
    assert widget_frontend() is True


def test_static_fallback_renders_html(model, splits, static_mode, capsys):
    freeze = FreezePanel(model)
    bundle = freeze._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" not in bundle
    assert "<table" in bundle["text/html"] and "Trainable parameters" in bundle["text/html"]
    hyper = HyperparamPanel(ftlab.TrainConfig(lr=1e-4))
    assert "ftlab.TrainConfig(lr=0.0001)" in hyper._repr_mimebundle_()["text/html"]
    trainer = ftlab.Trainer(ftlab.TrainConfig(max_steps=3, batch_size=8, progress="off"))
    dash = TrainDashboard(trainer, model, splits)
    assert "No training steps yet" in dash._repr_mimebundle_()["text/html"]
    dash.start()
    assert dash.wait(120)
    page = dash._repr_mimebundle_()["text/html"]
    assert "cdn.plot.ly" in page and "stopped_reason" in page and "Completed" in page
    dash.show()  # plain python: prints the static HTML
    assert "ftlab-train-dashboard" in capsys.readouterr().out


def test_plot_history_is_static(model, splits):
    trainer = ftlab.Trainer(ftlab.TrainConfig(max_steps=4, batch_size=8, eval_every=2, progress="off"))
    history = trainer.fit(model, splits["train"], splits["validation"])
    fig = plot_history(history)
    assert type(fig) is go.Figure
    names = [t.name for t in fig.data]
    assert {"train loss", "val loss", "lr", "accuracy"} <= set(names)
    assert len(plot_history(history, full=True).data) == len(names) + 3
    assert plot_history(ftlab.History()).data  # an empty history still draws (empty) axes
