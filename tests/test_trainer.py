"""The training loop: learning, freezing, accumulation, resume, determinism, interruption, bad input."""
import os
import signal
import threading

import pytest
import torch

import ftlab
import ftlab.batches
import ftlab.eval
from ftlab import Callback, StopTraining, TrainConfig, Trainer


def fresh():
    return ftlab.load_model("tiny-bert", task="classification", labels=["negative", "positive"], seed=0)


def weights(model):
    return {k: v.detach().clone() for k, v in model.module.state_dict().items()}


def test_loss_decreases_on_a_learnable_task(toy_sentiment):
    model = fresh()
    history = Trainer(TrainConfig(lr=2e-3, epochs=4, batch_size=8, seed=0)).fit(model, toy_sentiment, toy_sentiment)
    losses = history.steps_frame()["loss"]
    assert losses.tail(4).mean() < 0.5 * losses.head(4).mean()
    assert history.evals[-1]["accuracy"] >= 0.9
    assert history.stopped_reason == "completed"


def test_frozen_parameters_stay_bit_identical(toy_sentiment):
    model = fresh().freeze(["layer.1", "head"])
    before = weights(model)
    Trainer(TrainConfig(lr=1e-2, epochs=1, batch_size=8)).fit(model, toy_sentiment)
    after = weights(model)
    for name in before:
        if ".layer.1." in name or name.startswith("head."):
            continue
        assert torch.equal(before[name], after[name]), name
    assert not torch.equal(before["head.weight"], after["head.weight"])


def test_grad_accumulation_matches_one_big_batch(toy_sentiment):
    results = []
    for bs, acc in [(32, 1), (8, 4)]:
        model = fresh()
        model.module.dropout.p = 0.0  # dropout draws differ per micro-batch; compare the arithmetic only
        for m in model.module.modules():
            if isinstance(m, torch.nn.Dropout):
                m.p = 0.0
        Trainer(TrainConfig(lr=1e-3, max_steps=4, batch_size=bs, grad_accum_steps=acc, seed=3)).fit(model, toy_sentiment)
        results.append(weights(model))
    for name in results[0]:
        assert torch.allclose(results[0][name], results[1][name], atol=2e-5), name


def test_same_seed_same_history(toy_sentiment):
    runs = []
    for _ in range(2):
        h = Trainer(TrainConfig(lr=1e-3, max_steps=6, batch_size=8, seed=7)).fit(fresh(), toy_sentiment)
        runs.append(h.steps_frame()["loss"].tolist())
    assert runs[0] == runs[1]


class StopAt(Callback):
    def __init__(self, step):
        self.step = step

    def on_step_end(self, trainer, row):
        if row["step"] == self.step:
            raise StopTraining("test stop")


def test_interrupt_then_resume_from_checkpoint_matches_uninterrupted(toy_sentiment, tmp_path):
    cfg = TrainConfig(lr=1e-3, epochs=2, batch_size=8, seed=1, save_every=3, output_dir=str(tmp_path / "a"))
    reference = fresh()
    h_ref = Trainer(cfg).fit(reference, toy_sentiment)
    interrupted = fresh()
    h1 = Trainer(cfg.replace(output_dir=str(tmp_path / "b")), callbacks=[StopAt(6)]).fit(interrupted, toy_sentiment)
    assert h1.stopped_reason == "test stop" and h1.last_step == 6
    resumed = fresh()  # a new process would start from a freshly loaded model
    h2 = Trainer(cfg.replace(output_dir=str(tmp_path / "b"))).fit(resumed, toy_sentiment, resume_from=str(tmp_path / "b"))
    assert len(h2.steps) == len(h_ref.steps) and h2.last_step == h_ref.last_step
    for name, value in weights(reference).items():
        assert torch.allclose(value, weights(resumed)[name], atol=1e-6), name


def test_stop_then_fit_again_continues_in_memory(toy_sentiment):
    model, trainer = fresh(), Trainer(TrainConfig(lr=1e-3, max_steps=8, batch_size=8))
    trainer.callbacks.append(StopAt(3))
    assert trainer.fit(model, toy_sentiment).last_step == 3
    trainer.callbacks.clear()
    h = trainer.fit(model, toy_sentiment)
    assert h.last_step == 8 and len(h.steps) == 8 and h.stopped_reason == "completed"


def test_keyboard_interrupt_stops_between_steps_and_keeps_history(toy_sentiment):
    class Interrupt(Callback):
        def on_step_end(self, trainer, row):
            if row["step"] == 2:
                os.kill(os.getpid(), signal.SIGINT)  # what Jupyter's "interrupt kernel" sends

    model = fresh()
    # under a terminal this is default_int_handler; in a background job (CI) SIGINT arrives ignored (SIG_IGN):
    # either way the trainer must hand back exactly the handler it found
    before = signal.getsignal(signal.SIGINT)
    h = Trainer(TrainConfig(lr=1e-3, max_steps=10, batch_size=8), callbacks=[Interrupt()]).fit(model, toy_sentiment)
    assert h.stopped_reason == "interrupted" and h.last_step == 2  # stops at the next step boundary
    assert all(p.grad is None for p in model.module.parameters())
    assert signal.getsignal(signal.SIGINT) is before


def test_request_stop_from_another_thread(toy_sentiment):
    trainer, model = Trainer(TrainConfig(lr=1e-3, max_steps=500, batch_size=8)), fresh()

    class StopFromThread(Callback):
        def on_step_end(self, tr, row):
            if row["step"] == 2:
                threading.Thread(target=tr.request_stop).start()

    trainer.callbacks.append(StopFromThread())
    h = trainer.fit(model, toy_sentiment)
    assert h.stopped_reason == "stop requested" and h.last_step < 10


def test_stop_requested_while_the_data_is_tokenized_is_not_lost(toy_sentiment, monkeypatch):
    # the dashboard's Stop can arrive while fit is still tokenizing; fit must honour it at the first step
    trainer, model = Trainer(TrainConfig(lr=1e-3, max_steps=50, batch_size=8)), fresh()
    real_make = ftlab.train.trainer.make_batches

    def tokenize_then_press_stop(*args, **kwargs):
        tokenized = real_make(*args, **kwargs)
        trainer.request_stop()
        return tokenized

    monkeypatch.setattr(ftlab.train.trainer, "make_batches", tokenize_then_press_stop)
    history = trainer.fit(model, toy_sentiment)
    assert history.stopped_reason == "stop requested" and trainer.state.step == 0
    monkeypatch.setattr(ftlab.train.trainer, "make_batches", real_make)
    assert trainer.fit(model, toy_sentiment).stopped_reason == "completed"  # the next fit starts clean


def test_nan_loss_stops_and_restores_last_good_weights(toy_sentiment):
    model = fresh()

    class Poison(Callback):
        def on_step_end(self, trainer, row):
            if row["step"] == 2:
                self.after_step_2 = weights(model)
            if row["step"] == 3:
                with torch.no_grad():
                    model.module.head.weight.fill_(float("nan"))  # as if the update at step 3 blew up

    poison = Poison()
    with pytest.warns(UserWarning, match="last good weights were restored"):
        h = Trainer(TrainConfig(lr=1e-3, max_steps=8, batch_size=8), callbacks=[poison]).fit(model, toy_sentiment)
    assert h.stopped_reason == "non-finite loss" and h.last_step == 3
    restored = weights(model)  # the weights before the bad update: those after step 2
    for name, value in poison.after_step_2.items():
        assert torch.equal(restored[name], value), name


def test_early_stopping_restores_best_weights(toy_sentiment):
    model = fresh()
    val = toy_sentiment.map(lambda r: {"label": 1 - r["label"]})  # validation disagrees: it gets worse as training improves
    cfg = TrainConfig(lr=3e-3, epochs=20, batch_size=16, eval_every=2, early_stopping_patience=2)
    h = Trainer(cfg).fit(model, toy_sentiment, val)
    assert h.stopped_reason == "early stopping"
    evals = h.evals_frame()
    assert h.best_step == int(evals.loc[evals["val_loss"].idxmin(), "step"])
    batches = ftlab.batches.make_batches(model, val, cfg)
    restored = ftlab.eval.validate(model.module, batches, model.labels, torch.device("cpu"), "fp32", 32)
    assert restored["val_loss"] == pytest.approx(evals["val_loss"].min(), rel=1e-4)


def test_unwritable_output_dir_fails_before_training(toy_sentiment, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    target = locked / "run"
    if os.access(locked, os.W_OK):  # running as root ignores permissions: use a path under a file instead
        (tmp_path / "file").write_text("x")
        target = tmp_path / "file" / "run"
    model = fresh()
    before = weights(model)
    with pytest.raises(ValueError, match="not writable"):
        Trainer(TrainConfig(output_dir=str(target), max_steps=2, batch_size=8)).fit(model, toy_sentiment)
    assert all(torch.equal(before[k], v) for k, v in weights(model).items())


def test_corrupted_and_foreign_checkpoints_are_refused(toy_sentiment, tmp_path):
    cfg = TrainConfig(lr=1e-3, max_steps=2, batch_size=8, save_every=2, output_dir=str(tmp_path))
    Trainer(cfg).fit(fresh(), toy_sentiment)
    other = ftlab.load_model("tiny-bert", task="classification", labels=["a", "b", "c"])
    with pytest.raises(ValueError, match="different model"):
        Trainer(cfg).fit(other, toy_sentiment.map(lambda r: r), resume_from=str(tmp_path))
    ckpt = tmp_path / (tmp_path / "latest").read_text()
    (ckpt / "model.safetensors").write_bytes(b"\x00" * 20)
    with pytest.raises(ValueError, match="corrupted"):
        Trainer(cfg).fit(fresh(), toy_sentiment, resume_from=str(tmp_path))


def test_labels_outside_the_model_labels_are_reported(toy_sentiment):
    bad = toy_sentiment.map(lambda r, i: {"label": 5 if i in (3, 9) else r["label"]}, with_indices=True)
    with pytest.raises(ValueError, match=r"Rows \[3, 9\] have labels outside 0..1"):
        Trainer(TrainConfig(max_steps=1)).fit(fresh(), bad)


def test_missing_text_column_is_named(toy_sentiment):
    with pytest.raises(ValueError, match="needs a 'text' column"):
        Trainer(TrainConfig(max_steps=1)).fit(fresh(), toy_sentiment.rename_column("text", "review"))


def test_history_reports_throughput_and_memory(toy_sentiment):
    h = Trainer(TrainConfig(max_steps=3, batch_size=8)).fit(fresh(), toy_sentiment)
    frame = h.steps_frame()
    assert {"loss", "lr", "grad_norm", "samples_per_s", "tokens_per_s", "memory_mb"} <= set(frame.columns)
    assert (frame["samples_per_s"] > 0).all() and h.peak_memory_mb > 0


def test_causal_lm_trains_on_text():
    import datasets

    model = ftlab.load_model("tiny-llama", task="causal-lm")
    data = datasets.Dataset.from_list([{"text": "the cat sat on the mat"}] * 16)
    h = Trainer(TrainConfig(lr=5e-3, max_steps=15, batch_size=8)).fit(model, data, data)
    assert h.steps[-1]["loss"] < h.steps[0]["loss"] and "perplexity" in h.evals[-1]
