"""One loop for every task: fit_head and lr_find drive Trainer.fit; what History logs is what the optimizer did;
the batch layer tokenizes once; task objects replace string checks."""
import ast
import re
import signal
import os
import warnings
from pathlib import Path

import datasets
import numpy as np
import pytest
import torch

import ftlab
import ftlab.train.trainer
from ftlab import Callback, StopTraining, TrainConfig, Trainer
from ftlab.batches import cache_stats, epoch_plan

ROOT = Path(__file__).resolve().parent.parent


def fresh():
    return ftlab.load_model("tiny-bert", task="classification", labels=["negative", "positive"], seed=0)


class StopAt(Callback):
    def __init__(self, step):
        self.step = step

    def on_step_end(self, trainer, row):
        if row["step"] == self.step:
            raise StopTraining("stop requested")


class Record(Callback):
    def __init__(self):
        self.rows, self.events = [], []

    def on_fit_start(self, trainer, model):
        self.events.append("start")

    def on_step_end(self, trainer, row):
        self.rows.append(row)

    def on_fit_end(self, trainer, history):
        self.events.append("end")


def group_lrs(trainer):
    return sorted({g["base_lr"] for g in trainer.optimizer.param_groups})


# ---- a changed config or trainable set reaches the optimizer --------------------------------------
def test_changed_lr_between_fits_reaches_the_optimizer_and_history(toy_sentiment):
    model, trainer = fresh(), Trainer(TrainConfig(lr=1e-3, max_steps=8, batch_size=8, scheduler="constant"))
    trainer.callbacks.append(StopAt(3))
    trainer.fit(model, toy_sentiment)
    trainer.callbacks.clear()
    trainer.config = trainer.config.replace(lr=2e-2)
    with pytest.warns(UserWarning, match=r"lr 0.001 -> 0.02.*new optimizer"):
        h = trainer.fit(model, toy_sentiment)
    assert group_lrs(trainer) == [2e-2]
    assert [r["lr"] for r in h.steps[3:]] == [2e-2] * 5  # what History logs ...
    assert {g["lr"] for g in trainer.optimizer.param_groups} == {2e-2}  # ... is what the optimizer used


def test_changed_weight_decay_reaches_the_optimizer(toy_sentiment):
    model, trainer = fresh(), Trainer(TrainConfig(lr=1e-3, max_steps=2, batch_size=8, weight_decay=0.0))
    trainer.fit(model, toy_sentiment)
    trainer.config = trainer.config.replace(weight_decay=0.3)
    with pytest.warns(UserWarning, match="weight_decay"):
        trainer.fit(model, toy_sentiment)
    assert max(g["weight_decay"] for g in trainer.optimizer.param_groups) == 0.3


def test_unfreezing_between_fits_trains_the_new_layers(toy_sentiment):
    model, trainer = fresh(), Trainer(TrainConfig(lr=1e-2, max_steps=3, batch_size=8))
    model.freeze("head")
    trainer.fit(model, toy_sentiment)
    layer0 = {n: p.detach().clone() for n, p in model.module.named_parameters() if ".layer.0." in n}
    model.freeze("all")
    with pytest.warns(UserWarning, match="trainable parameters changed"):
        trainer.fit(model, toy_sentiment)
    moved = [n for n, p in model.module.named_parameters() if n in layer0 and not torch.equal(p, layer0[n])]
    assert moved, "layer.0 was unfrozen but the optimizer never updated it"


def test_a_completed_run_is_not_continued_the_next_fit_is_a_new_run(toy_sentiment):
    model, trainer = fresh(), Trainer(TrainConfig(lr=1e-3, max_steps=4, batch_size=8))
    trainer.fit(model, toy_sentiment)
    before = {n: p.detach().clone() for n, p in model.module.named_parameters()}
    h = trainer.fit(model, toy_sentiment)
    assert [r["step"] for r in h.steps] == [1, 2, 3, 4] and h.stopped_reason == "completed"
    assert any(not torch.equal(p, before[n]) for n, p in model.module.named_parameters())  # it really trained


def test_resume_with_a_new_lr_uses_the_new_lr_and_says_so(toy_sentiment, tmp_path):
    cfg = TrainConfig(lr=1e-3, max_steps=6, batch_size=8, save_every=2, output_dir=str(tmp_path / "run"),
                      scheduler="constant")
    Trainer(cfg, callbacks=[StopAt(4)]).fit(fresh(), toy_sentiment)
    trainer = Trainer(cfg.replace(lr=5e-3))
    with pytest.warns(UserWarning, match="checkpoint trained with lr 0.001"):
        h = trainer.fit(fresh(), toy_sentiment, resume_from=str(tmp_path / "run"))
    assert group_lrs(trainer) == [5e-3] and [r["lr"] for r in h.steps if r["step"] > 4] == [5e-3, 5e-3]


# ---- stop reasons: documented = produced --------------------------------------------------------------
def test_every_stop_reason_the_trainer_sets_is_documented():
    source = (ROOT / "ftlab" / "train" / "trainer.py").read_text()
    set_here = set(re.findall(r'reason = [^\n]*"([^"]+)"\n', source))  # reason = "x" / running, reason = True, "x"
    set_here |= set(re.findall(r'StopTraining\("([^"]+)"\)', source)) | set(re.findall(r'or "([^"]+)"', source))
    set_here |= {ftlab.train.trainer.Trainer._stop_reason, "interrupted"}  # the SIGINT handler's reason
    assert set_here == set(ftlab.STOP_REASONS), set_here ^ set(ftlab.STOP_REASONS)
    assert "max_steps" not in ftlab.STOP_REASONS


def test_stop_training_in_on_fit_start_ends_the_fit_cleanly(toy_sentiment):
    class Refuse(Callback):
        def on_fit_start(self, trainer, model):
            raise StopTraining("not today")

    trainer = Trainer(TrainConfig(max_steps=3, batch_size=8), callbacks=[Refuse()])
    h = trainer.fit(fresh(), toy_sentiment)
    assert h.stopped_reason == "not today" and h.last_step == 0 and not trainer.running


# ---- fit_head and lr_find are the same loop ------------------------------------------------------------
def test_fit_head_runs_through_the_trainer_with_callbacks_and_stop(toy_sentiment):
    model, record = fresh().freeze("head"), Record()
    cfg = TrainConfig(lr=1e-2, max_steps=20, batch_size=8, eval_every=2)
    h = ftlab.fit_head(model, toy_sentiment, toy_sentiment, cfg, callbacks=[record, StopAt(5)])
    assert h.stopped_reason == "stop requested" and h.last_step == 5 and record.events == ["start", "end"]
    assert [r["step"] for r in record.rows] == [1, 2, 3, 4, 5] and [e["step"] for e in h.evals] == [2, 4]


def test_ctrl_c_in_fit_head_stops_like_the_trainer_and_keeps_history(toy_sentiment):
    class Interrupt(Callback):
        def on_step_end(self, trainer, row):
            if row["step"] == 3:
                os.kill(os.getpid(), signal.SIGINT)

    h = ftlab.fit_head(fresh().freeze("head"), toy_sentiment, config=TrainConfig(lr=1e-2, max_steps=50, batch_size=8),
                       callbacks=[Interrupt()])
    assert h.stopped_reason == "interrupted" and h.last_step == 3 and len(h.steps) == 3


def test_lr_find_drives_trainer_fit(toy_sentiment, monkeypatch):
    calls = []
    real_fit = Trainer.fit

    def spy(self, *args, **kwargs):
        calls.append(self.config)
        return real_fit(self, *args, **kwargs)

    monkeypatch.setattr(Trainer, "fit", spy)
    result = ftlab.lr_find(fresh(), toy_sentiment, TrainConfig(batch_size=8), start_lr=1e-4, end_lr=1e-1, num_steps=8)
    assert len(calls) == 1 and calls[0].max_steps == 8 and len(result.lrs) == 8


def test_loops_are_not_reimplemented_outside_the_trainer():
    # only trainer.py may call opt.step() / backward(): the one loop
    for path in (ROOT / "ftlab").rglob("*.py"):
        if path.name == "trainer.py":
            continue
        text = path.read_text()
        assert ".backward(" not in text and "optimizer.step()" not in text and "opt.step()" not in text, path


# ---- the batch layer -----------------------------------------------------------------------------------
def test_fitting_twice_on_the_same_data_tokenizes_once(toy_sentiment):
    model = fresh()
    Trainer(TrainConfig(max_steps=1, batch_size=8)).fit(model, toy_sentiment)
    misses = cache_stats["misses"]
    Trainer(TrainConfig(max_steps=1, batch_size=8)).fit(model, toy_sentiment)
    assert cache_stats["misses"] == misses
    changed = toy_sentiment.map(lambda r: {"text": r["text"] + "!"})
    Trainer(TrainConfig(max_steps=1, batch_size=8)).fit(model, changed)
    assert cache_stats["misses"] == misses + 1  # changed data is tokenized again (the fingerprint changed)


@pytest.mark.parametrize("n,world", [(9, 2), (17, 4), (5, 3), (33, 2)])
def test_every_rank_gets_the_same_number_of_steps_and_disjoint_rows(n, world):
    plans = [epoch_plan(list(range(1, n + 1)), 4, 1, 0, 0, True, rank, world) for rank in range(world)]
    assert len({len(p) for p in plans}) == 1  # a rank with one step fewer would wait forever in all-reduce
    for step in range(len(plans[0])):
        rows = [set(r for mb in plans[rank][step] for r in mb) for rank in range(world)]
        assert all(rows) and sum(map(len, rows)) == len(set().union(*rows))


# ---- task objects and the memory estimate --------------------------------------------------------------
def test_task_objects_replace_string_checks():
    model = fresh()
    assert isinstance(model.task, ftlab.Task) and model.task == "classification" and str(model.task) == "classification"
    reg = ftlab.load_model("tiny-bert", task="regression")
    loss = reg.task.loss(torch.tensor([[1.0], [3.0]]), torch.tensor([2.0, 2.0]))
    assert float(loss) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="Unknown task 'translation'"):
        ftlab.get_task("translation")
    sources = [p.read_text() for p in (ROOT / "ftlab").rglob("*.py") if p.name != "tasks.py"]
    assert sum('== "causal-lm"' in s or '!= "causal-lm"' in s for s in sources) == 0


def test_memory_estimate_counts_the_nan_guard_copy():
    model = fresh().freeze("head")
    est = model.estimate_memory(batch_size=8, seq_len=16)
    assert est.nan_guard_mb == pytest.approx(model.num_parameters(True) * 4 / 2**20)
    assert est.total_mb == pytest.approx(est.weights_mb + est.gradients_mb + est.optimizer_mb + est.activations_mb
                                         + est.nan_guard_mb)


# ---- checkpoints: prune only this run's own, keep latest valid --------------------------------------------
def test_reusing_an_output_dir_keeps_latest_valid_and_resumable(toy_sentiment, tmp_path):
    from ftlab.train.checkpoint import resolve_checkpoint

    out = str(tmp_path / "run")
    Trainer(TrainConfig(lr=1e-3, max_steps=6, batch_size=8, save_every=3, output_dir=out)).fit(fresh(), toy_sentiment)
    Trainer(TrainConfig(lr=1e-3, max_steps=2, batch_size=8, save_every=1, output_dir=out)).fit(fresh(), toy_sentiment)
    latest = resolve_checkpoint(out)
    assert latest.name == "checkpoint-000002" and latest.exists()
    names = sorted(p.name for p in (tmp_path / "run").glob("checkpoint-*"))
    assert names == ["checkpoint-000001", "checkpoint-000002", "checkpoint-000003", "checkpoint-000006"]
    h = Trainer(TrainConfig(lr=1e-3, max_steps=4, batch_size=8)).fit(fresh(), toy_sentiment, resume_from=out)
    assert h.last_step == 4 and h.stopped_reason == "completed"


def test_another_tools_checkpoints_are_never_touched(toy_sentiment, tmp_path):
    out = tmp_path / "run"
    for name in ("checkpoint-500", "checkpoint-1000"):
        (out / name).mkdir(parents=True)
        (out / name / "trainer_state.json").write_text("{}")
    Trainer(TrainConfig(lr=1e-3, max_steps=4, batch_size=8, save_every=1, output_dir=str(out))).fit(fresh(), toy_sentiment)
    names = sorted(p.name for p in out.glob("checkpoint-*"))
    assert names == ["checkpoint-000003", "checkpoint-000004", "checkpoint-1000", "checkpoint-500"]
    assert (out / "checkpoint-1000" / "trainer_state.json").exists()


def test_latest_names_a_complete_checkpoint_after_every_write(toy_sentiment, tmp_path):
    from ftlab.train.checkpoint import load_checkpoint

    out = str(tmp_path / "run")

    class CheckLatest(Callback):
        def __init__(self):
            self.seen = []

        def on_step_end(self, trainer, row):
            if row["step"] > 1:  # the checkpoint of the previous step is complete and loadable
                meta, _ = load_checkpoint(out, fresh().module, None)
                self.seen.append(meta["step"])

    check = CheckLatest()
    Trainer(TrainConfig(lr=1e-3, max_steps=5, batch_size=8, save_every=1, output_dir=out), callbacks=[check]).fit(
        fresh(), toy_sentiment)
    assert check.seen == [1, 2, 3, 4]
