"""The Playground and its headless run store, without a browser: set .value, .click(), and check the
real tiny-bert model, its optimizer and the weights the runs leave behind."""
from __future__ import annotations

import html
import logging
import subprocess
import sys
import time
from pathlib import Path

import datasets
import plotly.graph_objects as go
import pytest
import torch

import ftlab
from conftest import product_reviews
from ftlab.run_samples import prompts_from_data
from ftlab.runs import Runs, _base_key, describe_freeze, load_weights, snapshot_weights
from ftlab.widgets import Playground
from ftlab.widgets._common import output_text
from ftlab.widgets.run_views import run_papermill

NOTEBOOK_00 = Path(__file__).resolve().parents[1] / "notebooks" / "00_quickstart.ipynb"


@pytest.fixture(scope="module")
def splits():
    ds = product_reviews(72)
    return {"train": ds.select(range(48)), "validation": ds.select(range(48, 60)), "test": ds.select(range(60, 72))}


@pytest.fixture(autouse=True)
def no_swallowed_callback_errors(caplog):
    """ipywidgets logs (and swallows) exceptions escaping a callback; the panels must catch their own."""
    with caplog.at_level(logging.ERROR):
        yield
    assert "Exception in callback" not in caplog.text


def _playground(splits, **kwargs) -> Playground:
    config = ftlab.TrainConfig(**{"max_steps": 4, "batch_size": 8, "progress": "off", **kwargs.pop("config", {})})
    return Playground("tiny-bert", splits, config, labels=["neg", "pos"], **kwargs)


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


# ---- the run store, without any widget -------------------------------------------------------------
def test_run_store_is_headless():
    code = "import sys, ftlab, ftlab.runs; print('ipywidgets' in sys.modules, 'plotly' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_runs_table_diff_best_and_restore(tiny_model, splits):
    runs = Runs(metric="val_loss", keep_weights="all")
    finals = {}
    for lr, train in ((1e-5, "head"), (3e-3, ["embeddings", "head"])):
        tiny_model.freeze(train)
        config = ftlab.TrainConfig(lr=lr, max_steps=3, batch_size=8, progress="off")
        run = runs.add(tiny_model, config, ftlab.Trainer(config).fit(tiny_model, splits["train"], splits["validation"]))
        finals[run.id] = snapshot_weights(tiny_model.module)
    frame = runs.to_frame()
    assert frame["run"].tolist() == [1, 2]
    assert frame["changes"].tolist() == ["(first run)", "lr 1e-05 → 0.003"]
    assert frame["train"].tolist() == ["head", "embeddings, head"]
    assert frame["trainable_params"].iloc[1] > frame["trainable_params"].iloc[0]
    assert frame["steps"].tolist() == [3, 3] and {"best_val_val_loss", "val_val_loss"} <= set(frame.columns)
    best = runs.best()
    losses = frame.set_index("run")["val_val_loss"]
    assert best.id == losses.idxmin()
    runs.restore(tiny_model, 3 - best.id)  # the other run's weights first, so restoring must change something
    assert not _same(snapshot_weights(tiny_model.module), finals[best.id])
    assert runs.restore_best(tiny_model) is best
    assert _same(snapshot_weights(tiny_model.module), finals[best.id])
    cells = runs.python_cells(2, "ftlab.load_model('tiny-bert', task='classification', labels=['neg', 'pos'])")
    assert cells[1:] == ["# run 2\nmodel.freeze(['embeddings', 'head'])",
                         "config = ftlab.TrainConfig(lr=0.003, max_steps=3, batch_size=8, progress='off')",
                         'history = ftlab.Trainer(config).fit(model, splits["train"], splits["validation"])']


def test_keep_best_drops_other_weights_and_says_so(tiny_model, splits):
    runs = Runs(metric="val_loss")
    for lr in (1e-5, 3e-3):
        config = ftlab.TrainConfig(lr=lr, max_steps=3, batch_size=8, progress="off")
        runs.add(tiny_model, config, ftlab.Trainer(config).fit(tiny_model, splits["train"], splits["validation"]))
    kept = [r.id for r in runs if r.weights is not None]
    assert kept == [runs.best().id]
    with pytest.raises(ValueError, match="weights were not kept: keep_weights='best'"):
        runs.restore(tiny_model, 3 - kept[0])
    with pytest.raises(ValueError, match="keep_weights"):
        Runs(keep_weights="some")
    with pytest.raises(ValueError, match="No run has a validation"):
        Runs().restore_best(tiny_model)


# ---- the Playground ----------------------------------------------------------------------------------
def test_lr_slider_reaches_the_optimizer(splits):
    pg = _playground(splits, config={"scheduler": "constant"})
    pg.hyperparams.lr_slider.value = 3e-4
    pg.sliders["batch_size"].value = 4
    pg.start_button.click()
    assert pg.wait(120)
    assert pg.hyperparams.controls["lr"].value == 3e-4 and pg.freeze_panel.batch_size.value == 4
    groups = pg.trainer.optimizer.param_groups
    assert groups and all(g["base_lr"] == 3e-4 and g["lr"] == 3e-4 for g in groups)
    assert [row["lr"] for row in pg.trainer.history.steps] == [3e-4] * 4
    run = list(pg.store)[0]
    assert (run.config.lr, run.config.batch_size) == (3e-4, 4)
    assert output_text(pg.output) == "" and pg.dashboard.last_error is None


def test_two_runs_two_rows_with_the_freeze_shown(splits):
    pg = _playground(splits)
    pg.freeze_panel.preset_buttons["head"].click()
    pg.start_button.click()
    assert pg.wait(120)
    pg.freeze_panel.toggles["embeddings"].value = True  # the learner presses a toggle
    pg.hyperparams.lr_slider.value = 1e-3
    pg.start_button.click()
    assert pg.wait(120)
    frame = pg.store.to_frame()
    assert frame["run"].tolist() == [1, 2]
    assert frame["train"].tolist() == ["head", "embeddings, head"]
    assert frame["changes"].tolist() == ["(first run)", "lr 5e-05 → 0.001"]
    assert frame["stopped"].tolist() == ["completed", "completed"]
    assert pg.overlay.value == (1, 2) and pg.code_run.value == 2
    assert "<table" in pg.table.value and pg.table.value.count("<tr>") == 2  # two body rows
    assert "model.freeze([&#x27;embeddings&#x27;, &#x27;head&#x27;])" in pg.code.value
    assert "Run 2 recorded (completed)" in pg.status.value and not pg.start_button.disabled
    assert not any(t.disabled for t in pg.freeze_panel.toggles.values())  # unlocked after the run


def test_fresh_start_repeats_and_continue_keeps_weights(splits):
    pg = _playground(splits, keep_weights="all")
    start = snapshot_weights(pg.model.module)
    first = pg.run(lr=1e-3)
    assert not _same(first.weights, start)
    second = pg.run(lr=1e-3)  # same settings from the same starting weights: the same weights, bit for bit
    assert second.parent is None and _same(second.weights, first.weights)
    third = pg.run(lr=1e-3, continue_from_current=True)
    assert third.parent == second.id and not _same(third.weights, second.weights)
    frame = pg.store.to_frame()
    assert frame["start"].tolist() == ["starting weights", "starting weights", "run 2"]
    cells = pg.store.python_cells(third.id, pg.load_code)
    assert cells[1].startswith("# run 2\n") and cells[4].startswith("# run 3 (continues from the weights above)")


def test_restore_best_is_bit_equal(splits):
    pg = _playground(splits, metric="val_loss")
    finals = {}
    for lr in (1e-6, 2e-3, 1e-5):
        run = pg.run(lr=lr, train="all")
        finals[run.id] = snapshot_weights(pg.model.module)
    best = pg.store.best()
    assert best.id == pg.runs.set_index("run")["val_val_loss"].idxmin()
    load_weights(pg.model.module, pg.start_weights)  # whichever run was best, the model holds other weights now
    assert not _same(snapshot_weights(pg.model.module), finals[best.id])
    pg.restore_button.click()
    assert _same(snapshot_weights(pg.model.module), finals[best.id])  # torch.equal on every tensor: bit-equal
    assert f"run {best.id}'s weights" in html.unescape(pg.status.value)
    after = pg.run(continue_from_current=True, max_steps=1)
    assert after.parent == best.id


def test_stop_keeps_the_run_as_a_row(splits):
    pg = _playground(splits, config={"max_steps": 5000})
    pg.start()
    deadline = time.time() + 120
    while pg.trainer.state.step < 2:
        assert time.time() < deadline
        time.sleep(0.002)
    assert pg.start_button.disabled and pg.freeze_panel.preset_buttons["all"].disabled
    pg.dashboard.stop_button.click()
    assert pg.wait(120)
    row = pg.store.to_frame().iloc[0]
    assert row["stopped"] == "stop requested" and 2 <= row["steps"] < 5000
    assert not pg.start_button.disabled


def test_lora_rank_slider_and_fresh_lora_runs(splits):
    pg = _playground(splits, keep_weights="all")
    pg.run(lr=1e-3)
    pg.sliders.lora_rank.value = 4
    pg.freeze_panel.preset_buttons["lora"].click()
    assert describe_freeze(pg.model) == ("lora", {"r": 4, "alpha": 16})
    assert pg.sliders.lora_rank.disabled
    a = pg.run(lr=1e-3)
    b = pg.run(lr=1e-3)  # fresh: pretrained weights and the adapters as first attached
    assert _same(a.weights, b.weights)
    assert pg.store.to_frame()["train"].tolist()[1:] == ["lora r=4", "lora r=4"]
    assert "model.freeze(&#x27;lora&#x27;, r=4, alpha=16)" in pg.code.value


def test_bad_input_is_refused_with_the_reason(splits):
    pg = _playground(splits)
    pg.hyperparams.controls["lr"].value = -3
    pg.start_button.click()
    assert "Fix the hyperparameters first: TrainConfig.lr must be a float in (0, 1]; got -3.0" in output_text(pg.output)
    assert len(pg.runs) == 0 and not pg.start_button.disabled
    with pytest.raises(ValueError, match="'momentum' has no control"):
        pg.run(momentum=0.5)
    with pytest.raises(ValueError, match="Unknown layer group"):
        pg.run(lr=1e-4, train=["layer.9"])
    with pytest.raises(ValueError, match="asks for 5 layers but the model has 2"):
        pg.run(lr=1e-4, train="top-5")
    with pytest.raises(ValueError, match="needs a 'test' split"):
        Playground(pg.model, {"train": splits["train"]}, test=True)


def test_papermill_command_passes_the_notebooks_parameters(splits):
    pg = _playground(splits, notebook=str(NOTEBOOK_00))
    run = pg.run(lr=2e-4, epochs=3, train="top-1")
    command, left = run_papermill(run, str(NOTEBOOK_00), "out.ipynb")
    assert command.endswith("out.ipynb -p lr 0.0002 -p epochs 3 -p batch_size 8 -p train_layers top-1 -p seed 0")
    assert left == ["max_steps=4"]  # the notebook has no such parameter: said, not silently dropped
    assert "This command does not repeat" in pg.code.value and "max_steps=4" in pg.code.value


def test_overlay_figure_and_static_fallback(splits, monkeypatch):
    monkeypatch.setenv("FTLAB_WIDGETS", "live")
    pg = _playground(splits, test=True, config={"progress": "auto"})
    assert isinstance(pg.figure, go.FigureWidget) and pg.figure in pg.widget.children
    first = pg.run(lr=1e-4)
    assert first.config.progress == "auto"  # as set, not as the live dashboard silenced it during the run
    pg.run(lr=1e-3)
    assert [t.name for t in pg.figure.data] == ["run 1", "run 1", "run 2", "run 2"]
    assert list(pg.figure.data[0].x) == [1, 2, 3, 4] and pg.figure.layout.annotations[1].text == "validation accuracy"
    pg.overlay.value = (2,)
    assert [t.name for t in pg.figure.data] == ["run 2", "run 2"]
    assert "test_accuracy" in pg.store.to_frame().columns
    pg.sort_by.value, pg.descending.value = "run", True
    assert pg.table.value.index("<td>2</td>") < pg.table.value.index("<td>1</td>")
    monkeypatch.setenv("FTLAB_WIDGETS", "static")
    page = pg._repr_mimebundle_()["text/html"]
    assert "application/vnd.jupyter.widget-view+json" not in pg._repr_mimebundle_()
    assert "ftlab-runs" in page and "cdn.plot.ly" in page and "The Python behind run 2" in page


def test_regression_and_causal_lm_runs(splits):
    scored = {k: d.map(lambda row: {"score": float(row["label"])}) for k, d in splits.items()}
    reg = ftlab.load_model("tiny-bert", task="regression", target="score")
    pg = Playground(reg, scored, ftlab.TrainConfig(max_steps=3, batch_size=8, progress="off"))
    pg.run(lr=1e-3, train="head")
    assert pg.store.metric == "mse" and pg.store.to_frame()["val_mse"].iloc[0] > 0
    assert "task='regression', target='score')" in pg.load_code
    lm = Playground("tiny-llama", splits, ftlab.TrainConfig(max_steps=3, batch_size=8, progress="off"),
                    task="causal-lm")
    lm.run(lr=1e-3, train="top-1")
    lm.run(lr=1e-3, train="lora", lora_r=2)
    frame = lm.store.to_frame()
    assert lm.store.metric == "perplexity" and frame["train"].tolist() == ["top-1", "lora r=2"]
    assert frame["val_perplexity"].notna().all() and "task='causal-lm'" in lm.load_code


def test_runs_is_the_table_and_the_store_is_public():
    assert ftlab.Runs is Runs and "Runs" in ftlab.__all__
    pg = _playground({"train": datasets.Dataset.from_list([{"text": "a b", "label": 0}, {"text": "c", "label": 1}] * 8)})
    pg.run(lr=1e-4, max_steps=2)
    assert list(pg.runs["run"]) == [1] and pg.runs.equals(pg.store.to_frame())


# ---- causal LMs: generations before and after, freeze groups and LoRA on the decoder ---------------
def _lm_playground(splits, **kwargs) -> Playground:
    config = ftlab.TrainConfig(max_steps=6, batch_size=8, progress="off")
    return Playground("tiny-llama", splits, config, task="causal-lm", **kwargs)


def test_causal_lm_runs_keep_greedy_generations_before_and_after(splits):
    pg = _lm_playground(splits, max_new_tokens=6)
    start = snapshot_weights(pg.model.module)
    assert pg.prompts == prompts_from_data(splits) == [
        " ".join(t.split()[:6]) for t in splits["validation"]["text"][:3]]
    expected_before = pg.model.generate(pg.prompts, max_new_tokens=6)
    run = pg.run(lr=5e-2, train="all")
    expected_after = pg.model.generate(pg.prompts, max_new_tokens=6)  # the model holds run 1's weights
    assert [s["before"] for s in run.samples] == expected_before
    assert [s["after"] for s in run.samples] == expected_after
    assert expected_after != expected_before  # a large lr on a tiny model: the answers changed
    second = pg.run(lr=5e-2, train="all")  # a fresh start: the same weights, so the same answers before
    assert [s["before"] for s in second.samples] == expected_before and _same(start, pg.start_weights)
    frame = pg.store.samples_frame()
    assert frame.shape == (6, 4) and frame["after"].tolist()[:3] == expected_after
    assert pg.runs["sample_after"].tolist() == [expected_after[0], second.samples[0]["after"]]
    page = html.unescape(pg.samples.value)  # the panel shows the selected (latest) run side by side
    assert "after run 2" in page and all(s["prompt"] in page and s["after"] in page for s in second.samples)
    static = html.unescape(pg.to_html())
    assert "Generations of run 2" in static and second.samples[0]["before"] in static


def test_causal_lm_prompts_are_checked_and_encoders_have_none(splits):
    chats = [[{"role": "user", "content": "Say hi"}]]
    pg = _lm_playground(splits, prompts=["Once upon a time"], max_new_tokens=3)
    assert pg.run(lr=1e-3).samples[0]["prompt"] == "Once upon a time"
    assert _lm_playground(splits, prompts=[]).run(lr=1e-3).samples is None
    with pytest.raises(ValueError, match="takes a list of prompts"):
        _lm_playground(splits, prompts="Once upon a time")
    with pytest.raises(ValueError, match="needs a causal-lm model"):
        _playground(splits, prompts=chats)
    assert _playground(splits).prompts is None
    no_template = _lm_playground(splits, prompts=chats)  # tiny-llama's tokenizer has no chat template
    no_template.start_button.click()
    assert "chat template" in output_text(no_template.output) and len(no_template.store) == 0


def test_decoder_freeze_groups_and_lora_train_what_the_panel_shows(splits):
    pg = _lm_playground(splits, prompts=[])
    assert list(pg.freeze_panel.toggles) == ["embeddings", "layer.0", "layer.1", "head"]
    top = pg.run(lr=1e-2, train="top-1")
    changed = {k for k, v in snapshot_weights(pg.model.module).items() if not torch.equal(v, pg.start_weights[k])}
    assert top.train == "top-1" and changed and all(".layers.1." in k or "lm_head" in k or "norm" in k
                                                    for k in changed), changed
    pg.sliders.lora_rank.value = 2
    pg.freeze_panel.preset_buttons["lora"].click()
    lora = pg.run(lr=1e-2)  # a fresh start: the pretrained weights, the adapters as first attached
    trainable = [n for n, p in pg.model.module.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n for n in trainable)
    start = {_base_key(k): v for k, v in pg.start_weights.items()}
    moved = {k for k, v in snapshot_weights(pg.model.module).items() if not torch.equal(v, start[_base_key(k)])}
    assert moved and all("lora_" in k for k in moved), moved  # only the adapters trained
    assert lora.train == "lora" and lora.lora["r"] == 2 and pg.runs["train"].tolist() == ["top-1", "lora r=2"]


def test_prompts_come_from_chats_prompt_columns_or_text_and_bad_data_says_why():
    import doctest

    import ftlab.run_samples as run_samples

    chat = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Translate: hi"},
            {"role": "assistant", "content": "你好"}]
    chats = {"validation": datasets.Dataset.from_list([{"messages": chat}] * 4)}
    assert prompts_from_data(chats, n=2) == [chat[:2], chat[:2]]  # the answer left for the model to write
    assert run_samples.prompt_text(chat[:2]) == "Translate: hi"
    pairs = {"train": datasets.Dataset.from_list([{"prompt": "English: Thanks\nChinese:", "completion": " 谢谢"}])}
    assert prompts_from_data(pairs, n=3) == ["English: Thanks\nChinese:"]
    with pytest.raises(ValueError, match=r"columns \['label'\].*Pass prompts"):
        prompts_from_data({"train": datasets.Dataset.from_list([{"label": 1}])})
    with pytest.raises(ValueError, match="whole number >= 1; got 0"):
        prompts_from_data(pairs, n=0)
    with pytest.raises(ValueError, match=r"no 'validation' or 'train' split \(got \['test'\]\)"):
        prompts_from_data({"test": pairs["train"]})
    assert doctest.testmod(run_samples).failed == 0
