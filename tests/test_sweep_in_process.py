"""ftlab.sweep.run_in_process: a function per grid point and seed in this process, one table back."""
import doctest

import pandas as pd
import pytest

import ftlab
import ftlab.sweep as sweep
from ftlab.sweep import in_process


def test_every_point_and_seed_called_once_in_plan_order_with_its_result_as_columns():
    calls = []

    def fit(lr, layers, seed):
        calls.append((lr, layers, seed))
        return {"val_loss": lr * 10 + seed, "lr": -1.0}  # a returned "lr" must not hide the swept one

    table = sweep.run_in_process(fit, {"lr": [0.1, 0.2], "layers": ["head", "all"]}, seeds=[0, 1])
    assert len(calls) == 8 == len(set(calls)) and len(table) == 8
    assert list(table.columns) == ["layers", "lr", "seed", "val_loss", "seconds"]
    assert list(zip(table.lr, table.layers, table.seed)) == calls
    assert table.val_loss.tolist() == [lr * 10 + s for lr, _, s in calls]
    assert (table.seconds >= 0).all()


def test_a_non_dict_result_is_kept_as_one_column_and_random_search_is_reproducible():
    from scipy.stats import loguniform

    space = {"lr": loguniform(1e-5, 1e-2)}
    first = sweep.run_in_process(lambda lr: [lr], space=space, n_samples=3, sample_seed=4)
    again = sweep.run_in_process(lambda lr: [lr], space=space, n_samples=3, sample_seed=4)
    assert first["result"].map(lambda r: r[0]).tolist() == first["lr"].tolist() == again["lr"].tolist()
    assert first["lr"].between(1e-5, 1e-2).all() and first["lr"].nunique() == 3


@pytest.mark.parametrize("grid, seeds, match", [
    ({}, None, "empty"),
    ({"lr": []}, None, "non-empty list"),
    ({"lr": [0.1, 0.1]}, None, "twice"),
    ({"learning_rate": [0.1]}, None, r"takes no argument \['learning_rate'\]; it takes \['lr', 'seed'\]"),
    ({"lr": [0.1], "seed": [0]}, [0, 1], "not also in the grid"),
    ({"lr": [0.1]}, [], "non-empty list of ints"),
])
def test_bad_plans_are_refused_before_any_call(grid, seeds, match):
    calls = []
    with pytest.raises(ValueError, match=match):
        sweep.run_in_process(lambda lr, seed=0: calls.append(lr), grid, seeds=seeds)
    assert calls == []


def test_a_failing_call_says_which_point_failed():
    def fit(lr):
        if lr > 0.15:
            raise RuntimeError("diverged")
        return {"ok": True}

    with pytest.raises(RuntimeError, match="diverged") as info:
        sweep.run_in_process(fit, {"lr": [0.1, 0.2]})
    assert "the call with {'lr': 0.2} failed (after 1 of 2 calls finished)" in info.value.__notes__[0]


def test_a_real_head_fit_per_lr_gives_a_table_a_notebook_can_read():
    data = ftlab.load_dataset("reviews")
    data = ftlab.split(ftlab.subsample(data, 120, seed=0), val=0.25, test=0.1, seed=0)
    names = data["train"].features["label"].names
    model = ftlab.load_model("minilm", task="classification", labels=names, seed=0).freeze("head")
    state = {k: v.clone() for k, v in model.module.state_dict().items()}

    def fit(lr, seed):
        model.module.load_state_dict(state)  # every call starts from the same weights
        config = ftlab.TrainConfig(lr=lr, epochs=2, batch_size=32, seed=seed, progress="off")
        return ftlab.fit_head(model, data["train"], data["validation"], config).evals[-1]

    table = sweep.run_in_process(fit, {"lr": [1e-5, 1e-2]}, seeds=[0, 1])
    assert isinstance(table, pd.DataFrame) and {"val_loss", "accuracy"} <= set(table.columns)
    # the same steps from the same weights: a 1000x smaller lr barely leaves the untrained head's loss
    loss = table.groupby("lr").val_loss.mean()
    assert loss[1e-2] < loss[1e-5] - 0.02, loss


def test_the_module_examples_run():
    assert doctest.testmod(in_process).failed == 0
