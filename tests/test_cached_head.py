"""fit_head: head-only training on cached trunk features equals the Trainer with a deterministic frozen trunk."""
import datasets
import pytest
import torch

import ftlab
from ftlab import TrainConfig, Trainer
from ftlab.batches import tokenize_dataset
from ftlab.train.cached_head import extract_features, fit_head

pytestmark = pytest.mark.filterwarnings("ignore:fit_head froze the model")  # asserted once, below


def fresh(task="classification"):
    labels = ["negative", "positive"] if task == "classification" else None
    return ftlab.load_model("tiny-bert", task=task, labels=labels, seed=0)


def deterministic_trunk(model):
    """Trunk dropout off: then the trunk is the same fixed function of the text in train and eval mode."""
    for m in model.module.trunk.modules():
        if isinstance(m, torch.nn.Dropout):
            m.p = 0.0
    return model


def weights(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def test_fit_head_gives_the_trainers_head_weights_and_leaves_the_trunk_alone(toy_sentiment):
    # the head's own dropout (p=0.1) stays on in both runs: same seed, same batches -> same dropout masks
    cfg = TrainConfig(lr=5e-3, epochs=3, batch_size=8, seed=4, warmup_steps=2)
    reference = deterministic_trunk(fresh()).freeze("head")
    h_ref = Trainer(cfg).fit(reference, toy_sentiment, toy_sentiment)
    cached = deterministic_trunk(fresh())
    trunk_before = weights(cached.module.trunk)
    h = fit_head(cached, toy_sentiment, toy_sentiment, cfg)
    assert h.stopped_reason == "completed" and len(h.steps) == len(h_ref.steps) == 24
    for name, value in weights(reference.module.head).items():
        assert torch.allclose(value, weights(cached.module.head)[name], atol=1e-5), name
    assert not torch.equal(weights(cached.module.head)["weight"], weights(fresh().module.head)["weight"])
    for name, value in weights(cached.module.trunk).items():
        assert torch.equal(value, trunk_before[name]), name  # bit-identical: the trunk never trained
    ref_loss = h_ref.steps_frame()["loss"].tolist()
    assert h.steps_frame()["loss"].tolist() == pytest.approx(ref_loss, abs=1e-5)
    assert len(h.evals) == len(h_ref.evals) == 3
    for mine, theirs in zip(h.evals, h_ref.evals):
        assert mine["val_loss"] == pytest.approx(theirs["val_loss"], abs=1e-5)
        assert mine["accuracy"] == theirs["accuracy"] and mine["macro_f1"] == pytest.approx(theirs["macro_f1"])


def test_cached_features_equal_running_the_trunk_on_each_text(toy_sentiment):
    model = fresh()  # default dropout: extract_features must switch the trunk to eval mode itself
    model.module.train()
    data = tokenize_dataset(model, toy_sentiment, 128)
    cached = extract_features(model, data, torch.device("cpu"))
    assert model.module.training  # mode restored
    model.module.eval()
    with torch.no_grad():
        for i in (0, 5, 63):
            ids = torch.tensor([data.input_ids[i]])
            one = model.module.pool(ids, torch.ones_like(ids))  # (1, H), no padding at all
            assert torch.allclose(cached[i], one[0], atol=1e-5)


def test_fit_head_freezes_to_the_head_and_says_so(toy_sentiment):
    model = fresh().freeze("all")
    with pytest.warns(UserWarning, match="froze the model to its head"):
        fit_head(model, toy_sentiment, config=TrainConfig(lr=1e-3, max_steps=2, batch_size=8))
    assert model.trainable_groups() == ["head"]


def test_fit_head_regression_reports_regression_metrics():
    rows = [{"text": " ".join(["good"] * (1 + i % 5) + ["bad"] * (i % 3)), "rating": float(1 + i % 5)} for i in range(40)]
    data = datasets.Dataset.from_list(rows)
    model = ftlab.load_model("tiny-bert", task="regression", target="rating")
    h = fit_head(model, data, data, TrainConfig(lr=1e-2, epochs=5, batch_size=8))
    assert {"val_loss", "mse", "r2"} <= set(h.evals[-1])
    assert h.steps[-1]["loss"] < h.steps[0]["loss"]


def test_fit_head_early_stopping_keeps_the_best_head(toy_sentiment):
    val = toy_sentiment.map(lambda r: {"label": 1 - r["label"]})  # gets worse as training improves
    model = fresh()
    cfg = TrainConfig(lr=3e-2, epochs=20, batch_size=16, eval_every=2, early_stopping_patience=2)
    h = fit_head(model, toy_sentiment, val, cfg)
    assert h.stopped_reason == "early stopping"
    best = min(e["val_loss"] for e in h.evals)
    assert h.best_metric == pytest.approx(best)


def test_fit_head_refuses_what_it_cannot_do(toy_sentiment, tmp_path):
    with pytest.raises(ValueError, match="writes no checkpoints"):
        fit_head(fresh(), toy_sentiment, config=TrainConfig(save_every=2, output_dir=str(tmp_path)))
    with pytest.raises(ValueError, match="causal-lm"):
        fit_head(ftlab.load_model("tiny-llama", task="causal-lm"), toy_sentiment)
    with pytest.raises(ValueError, match="needs a 'text' column"):
        fit_head(fresh(), toy_sentiment.rename_column("text", "review"))
