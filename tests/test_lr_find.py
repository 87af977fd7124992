"""lr_find: the sweep leaves the model untouched, stops on divergence, suggests an lr inside the sweep."""
import math

import numpy as np
import pytest
import torch

import ftlab
from ftlab import TrainConfig
import importlib

batches_module = importlib.import_module("ftlab.batches.batches")  # where the loop's batches are collated
from ftlab.train.lr_find import LRFinderResult, lr_find, running_average, suggest_lr

pytestmark = pytest.mark.filterwarnings("ignore:lr_find. the loss")  # short sweeps here; the warning is tested once


def fresh(seed=0):
    return ftlab.load_model("tiny-bert", task="classification", labels=["negative", "positive"], seed=seed)


def snapshot(model):
    module = model.module
    return ({k: v.detach().clone() for k, v in module.state_dict().items()},
            {n: p.requires_grad for n, p in module.named_parameters()}, module.training)


@pytest.fixture(scope="module")
def reviews64():
    """Real sentences with three classes: a random tiny model cannot fit them, so a big lr blows the loss up."""
    return ftlab.load_dataset("reviews").shuffle(seed=0).select(range(64))


def test_weights_flags_and_mode_are_bit_identical_after_lr_find(toy_sentiment):
    model = fresh().freeze(["layer.1", "head"])
    model.module.eval()
    weights, flags, training = snapshot(model)
    rng = torch.get_rng_state()
    result = lr_find(model, toy_sentiment, TrainConfig(batch_size=8), num_steps=12, end_lr=10)
    after, after_flags, after_training = snapshot(model)
    assert len(result.lrs) >= 5  # it really trained for several steps
    for name, value in weights.items():
        assert torch.equal(value, after[name]), name
    assert after_flags == flags and after_training is training
    assert all(p.grad is None for p in model.module.parameters())
    assert torch.equal(torch.get_rng_state(), rng)  # a later seeded run is not shifted by the sweep


def test_the_sweep_really_changes_weights_while_it_runs(toy_sentiment, monkeypatch):
    """Guards the test above: it would pass trivially if the optimizer never stepped."""
    model = fresh()
    head_before = model.module.head.weight.detach().clone()
    seen = []
    real_collate = batches_module.collate_packed  # tiny-bert packs its batches (the default)

    def spy(data, rows, pad_id, row_len):
        seen.append(model.module.head.weight.detach().clone())
        return real_collate(data, rows, pad_id, row_len)

    monkeypatch.setattr(batches_module, "collate_packed", spy)
    lr_find(model, toy_sentiment, TrainConfig(batch_size=8), start_lr=1e-3, end_lr=1e-1, num_steps=6)
    assert not torch.equal(seen[-1], head_before)
    assert torch.equal(model.module.head.weight, head_before)


def test_weights_are_restored_when_the_sweep_raises(toy_sentiment, monkeypatch):
    model = fresh()
    weights, flags, _ = snapshot(model)
    calls = []
    real_collate = batches_module.collate_packed

    def failing(data, rows, pad_id, row_len):
        calls.append(1)
        if len(calls) == 4:  # after three optimizer steps
            raise RuntimeError("boom in batch 4")
        return real_collate(data, rows, pad_id, row_len)

    monkeypatch.setattr(batches_module, "collate_packed", failing)
    with pytest.raises(RuntimeError, match="boom"):
        lr_find(model, toy_sentiment, TrainConfig(batch_size=8), start_lr=1e-2, end_lr=1.0, num_steps=10)
    after, after_flags, _ = snapshot(model)
    for name, value in weights.items():
        assert torch.equal(value, after[name]), name
    assert after_flags == flags


def test_sweep_on_tiny_bert_stops_early_when_the_loss_diverges(reviews64):
    model = ftlab.load_model("tiny-bert", task="classification", labels=reviews64.features["label"].names, seed=0)
    result = lr_find(model, reviews64, TrainConfig(batch_size=16, max_len=32), start_lr=1e-5, end_lr=10, num_steps=30)
    assert result.stopped_early
    assert len(result.lrs) < 30 and result.lrs[-1] < 10
    assert result.losses[-1] > 4 * min(result.losses)  # the stop rule: running average > diverge_factor x its best
    assert result.lrs[0] <= result.suggestion <= result.lrs[-1]


def test_lrs_grow_exponentially_and_the_suggestion_lies_inside_the_sweep(toy_sentiment):
    result = lr_find(fresh(), toy_sentiment, TrainConfig(batch_size=8), start_lr=1e-4, end_lr=1e-1, num_steps=16)
    assert isinstance(result, LRFinderResult) and not result.stopped_early
    assert len(result.lrs) == len(result.losses) == len(result.raw_losses) == 16
    assert result.lrs[0] == pytest.approx(1e-4) and result.lrs[-1] == pytest.approx(1e-1)
    assert np.allclose(np.diff(np.log(result.lrs)), math.log(1e3) / 15)
    assert 1e-4 <= result.suggestion <= 1e-1
    assert result.suggestion == pytest.approx(max(1e-4, result.min_loss_lr / 10))
    assert all(math.isfinite(x) for x in result.losses + result.raw_losses)


def test_layer_lr_decay_grad_accum_and_regression_run(toy_sentiment):
    reg = toy_sentiment.map(lambda r: {"score": 1.0 + 4 * r["label"]})
    model = ftlab.load_model("tiny-bert", task="regression", target="score", seed=0)
    cfg = TrainConfig(batch_size=4, grad_accum_steps=2, layer_lr_decay=0.5, optimizer="sgd")
    result = lr_find(model, reg, cfg, start_lr=1e-5, end_lr=1e-2, num_steps=6)
    assert len(result.lrs) == 6 and result.raw_losses[0] > 1.0  # MSE on targets 1..5 from an untrained head


def test_to_frame_and_plot(toy_sentiment):
    pytest.importorskip("plotly")
    result = lr_find(fresh(), toy_sentiment, TrainConfig(batch_size=8), start_lr=1e-4, end_lr=1e-1, num_steps=8)
    frame = result.to_frame()
    assert list(frame.columns) == ["step", "lr", "loss", "raw_loss"] and len(frame) == 8
    fig = result.plot()
    assert fig.layout.xaxis.type == "log"
    marked = [t for t in fig.data if t.name.startswith("suggested lr")]
    assert len(marked) == 1 and marked[0].x[0] == pytest.approx(result.suggestion)
    assert "suggestion=" in repr(result)


@pytest.mark.parametrize("kwargs, field", [
    (dict(start_lr=1e-2, end_lr=1e-3), "start_lr"),
    (dict(start_lr=1e-2, end_lr=1e-2), "start_lr"),
    (dict(start_lr=0.0), "start_lr"),
    (dict(num_steps=4), "num_steps"),
    (dict(num_steps=10.0), "num_steps"),
    (dict(smooth=0.0), "smooth"),
    (dict(diverge_factor=1.0), "diverge_factor"),
    (dict(config={"lr": 1e-3}), "config"),
])
def test_bad_arguments_raise_value_error_naming_the_field(toy_sentiment, kwargs, field):
    model = fresh()
    weights, _, _ = snapshot(model)
    with pytest.raises(ValueError, match=field):
        lr_find(model, toy_sentiment, **kwargs)
    assert all(torch.equal(v, snapshot(model)[0][k]) for k, v in weights.items())


def test_empty_training_data_is_refused(toy_sentiment):
    with pytest.raises(ValueError, match="empty"):
        lr_find(fresh(), toy_sentiment.select([]))


def test_suggestion_is_a_tenth_of_the_lowest_smoothed_loss_and_stays_in_range():
    lrs = [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0]
    assert suggest_lr(lrs, [1.1, 1.0, 0.7, 0.5, 0.9, 4.0]) == pytest.approx(1e-3)
    assert suggest_lr(lrs, [0.3, 0.4, 0.6, 0.9, 2.0, 4.0]) == pytest.approx(1e-5)  # never below start_lr


def test_running_average_is_bias_corrected_and_smooth_1_means_raw():
    assert running_average([5.0, 5.0, 5.0], 0.05) == pytest.approx([5.0, 5.0, 5.0])  # no pull toward 0
    assert running_average([3.0, 1.0, 2.0], 1.0) == [3.0, 1.0, 2.0]
    noisy = [1.0 + (-1) ** k * 0.5 for k in range(200)]
    assert np.std(running_average(noisy, 0.05)[50:]) < 0.05 < np.std(noisy)


def test_warns_when_the_sweep_does_not_bracket_the_minimum(toy_sentiment):
    with pytest.warns(UserWarning, match="still falling"):
        lr_find(fresh(), toy_sentiment, TrainConfig(batch_size=8), start_lr=1e-4, end_lr=1e-1, num_steps=16)
