"""Probe suite: bad input and faults against the public model/training/evaluation surface. Every probe either
gets a clear error (type + a message naming what was wrong) or the right behaviour; nothing is lost.
One line per probe: new modules (sft, rag, sweep) add their rows here (data probes: test_probes_data.py)."""
import os
import re

import datasets
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ftlab
from ftlab import Callback, TrainConfig, Trainer

NAMES = ["neg", "pos"]


def new():
    return ftlab.load_model("tiny-bert", labels=NAMES)


def toy(labels=(1, 0), names=NAMES, n=12):
    ds = datasets.Dataset.from_dict({"text": ["good", "bad"] * n, "label": list(labels) * n})
    return ds.cast_column("label", datasets.ClassLabel(names=list(names))) if names else ds


LM_EMPTY_TEXT = datasets.Dataset.from_dict({"text": [""] * 4})
PROBES = [  # (what, call, exception, message regex)
    ("fit on 0 rows", lambda: Trainer(TrainConfig(max_steps=2)).fit(new(), toy().select([])), ValueError, "empty"),
    ("causal-lm fit on 0 rows", lambda: Trainer(TrainConfig(max_steps=2)).fit(
        ftlab.load_model("tiny-llama", task="causal-lm"), datasets.Dataset.from_dict({"text": []})), ValueError, "empty"),
    ("causal-lm fit on empty texts", lambda: Trainer(TrainConfig(max_steps=2)).fit(
        ftlab.load_model("tiny-llama", task="causal-lm"), LM_EMPTY_TEXT), ValueError, "two tokens"),
    ("fit_head on 0 rows", lambda: ftlab.fit_head(new(), toy().select([])), ValueError, "empty"),
    ("lr_find on 0 rows", lambda: ftlab.lr_find(new(), toy().select([])), ValueError, "empty"),
    ("evaluate on 0 rows", lambda: ftlab.evaluate(new(), toy().select([])), ValueError, "empty"),
    ("evaluate a list", lambda: ftlab.evaluate(new(), [1, 2]), ValueError, "Dataset or a pandas DataFrame"),
    ("evaluate ids beyond the labels", lambda: ftlab.evaluate(new(), toy(labels=(0, 4), names=None)), ValueError,
     r"outside 0\.\.1"),
    ("evaluate label -1", lambda: ftlab.evaluate(new(), toy(labels=(-1, 1), names=None)), ValueError, "missing label"),
    ("evaluate other label names", lambda: ftlab.evaluate(new(), toy(names=["cat", "dog"])), ValueError,
     r"\['cat', 'dog'\] unknown"),
    ("fit other label names", lambda: Trainer(TrainConfig(max_steps=1)).fit(new(), toy(names=["cat", "dog"])),
     ValueError, "do not match the model's labels"),
    ("max_len beyond positions", lambda: Trainer(TrainConfig(max_steps=1, max_len=1000)).fit(new(), toy()),
     ValueError, "exceeds this model's 512 positions"),
    ("missing text column", lambda: Trainer(TrainConfig(max_steps=1)).fit(new(), toy().rename_column("text", "t")),
     ValueError, "needs a 'text' column"),
    ("class_weights of the wrong length", lambda: Trainer(TrainConfig(max_steps=1, class_weights=[1.0, 2.0, 3.0])).fit(
        new(), toy()), ValueError, r"has 3 values; the model has labels \['neg', 'pos'\]"),
    ("fit_head class_weights of the wrong length", lambda: ftlab.fit_head(new(), toy(), config=TrainConfig(
        class_weights=[1.0])), ValueError, r"has 1 values; the model has labels"),
    ("class_weights on a regressor", lambda: Trainer(TrainConfig(max_steps=1, class_weights=[1.0])).fit(
        ftlab.load_model("tiny-bert", task="regression"), datasets.Dataset.from_dict(
            {"text": ["a", "b"], "label": [0.1, 0.2]})), ValueError, "a regression model has none"),
    ("labels as one string", lambda: ftlab.load_model("tiny-bert", labels="pos"), ValueError, "not one string"),
    ("unknown task", lambda: ftlab.load_model("tiny-bert", task="translation"), ValueError, "Unknown task"),
    ("predict on a causal-lm", lambda: ftlab.load_model("tiny-llama", task="causal-lm").predict("hi"), ValueError,
     "use model.generate"),
    ("generate on a classifier", lambda: new().generate("hi"), ValueError, "needs a causal-lm"),
    ("epochs=0", lambda: TrainConfig(epochs=0), ValueError, r"TrainConfig.epochs must be a number > 0; got 0"),
    ("lr assigned after construction", lambda: setattr(TrainConfig(), "lr", -0.5), ValueError,
     r"TrainConfig.lr must be a float in \(0, 1\]; got -0.5"),
    ("a misspelt field assigned", lambda: setattr(TrainConfig(), "learning_rate", 1e-3), AttributeError,
     "no field 'learning_rate'"),
]


@pytest.mark.parametrize("what,call,error,message", PROBES, ids=[p[0] for p in PROBES])
def test_probe(what, call, error, message):
    with pytest.raises(error, match=message):
        call()


# ---- saving never deletes your files ------------------------------------------------------------------
def test_save_refuses_a_folder_with_your_files_and_keeps_them(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "notes.txt").write_text("precious")
    with pytest.raises(ValueError, match="not an ftlab model.*overwrite=True"):
        new().save("proj")
    assert (tmp_path / "proj" / "notes.txt").read_text() == "precious"
    new().save("proj", overwrite=True)  # adds its files, deletes nothing
    assert (tmp_path / "proj" / "notes.txt").read_text() == "precious" and ftlab.load_model("proj").labels == NAMES


@pytest.mark.parametrize("where", [".", "~", "/", ".."])
def test_save_refuses_the_working_directory_home_and_root(where, tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    (work / "notebook.ipynb").write_text("{}")
    monkeypatch.chdir(work)
    monkeypatch.setenv("HOME", str(work))
    with pytest.raises(ValueError, match="refusing to write a model"):
        new().save(where)
    assert (work / "notebook.ipynb").read_text() == "{}"


def test_resaving_a_model_folder_replaces_the_model_and_keeps_added_files(tmp_path):
    target = tmp_path / "m"
    first = new()
    first.save(str(target))
    (target / "README.md").write_text("my notes")
    second = ftlab.load_model("tiny-bert", labels=NAMES, seed=7)
    second.save(str(target))
    back = ftlab.load_model(str(target))
    assert torch.equal(back.module.head.weight, second.module.head.weight)
    assert not torch.equal(back.module.head.weight, first.module.head.weight)
    assert (target / "README.md").read_text() == "my notes"
    assert not [p for p in tmp_path.iterdir() if "ftlab-tmp" in p.name or "ftlab-old" in p.name]


def test_a_saved_model_keeps_its_task_and_labels(tmp_path):
    new().save(str(tmp_path / "m"))
    with pytest.raises(ValueError, match="saved classification model; got task='regression'"):
        ftlab.load_model(str(tmp_path / "m"), task="regression")
    with pytest.raises(ValueError, match="saved with labels"):
        ftlab.load_model(str(tmp_path / "m"), labels=["a", "b"])
    assert ftlab.load_model(str(tmp_path / "m"), task="classification", labels=NAMES).labels == NAMES


def test_a_folder_with_only_pickle_weights_is_refused_without_unpickling(tmp_path):
    (tmp_path / "config.json").write_text('{"model_type": "bert"}')
    (tmp_path / "pytorch_model.bin").write_bytes(b"\x80\x04not really a pickle")
    with pytest.raises(ValueError, match=r"no \*.safetensors weights \(only pickle files \['pytorch_model.bin'\]\)"):
        ftlab.load_model(str(tmp_path), labels=NAMES)


# ---- evaluation aligns labels by name -------------------------------------------------------------------
def test_reversed_label_names_are_scored_by_name_not_by_id():
    model = new()
    Trainer(TrainConfig(lr=1e-2, max_steps=30, batch_size=8, progress="off")).fit(model, toy())
    same = ftlab.evaluate(model, toy())
    reversed_names = toy(labels=(0, 1), names=["pos", "neg"])  # the same truths, ids swapped with the names
    assert same["accuracy"] > 0.9  # trained: a scoring by id would give 1 - accuracy
    assert ftlab.evaluate(model, reversed_names)["accuracy"] == same["accuracy"]
    h = Trainer(TrainConfig(lr=1e-3, max_steps=1, batch_size=8, progress="off")).fit(model, toy(), reversed_names)
    assert h.evals[-1]["accuracy"] > 0.9  # fit's validation aligns the same way


def test_evaluate_takes_a_dataframe_as_documented():
    model = new()
    assert ftlab.evaluate(model, toy().to_pandas())["n"] == 24


# ---- inference restores the mode it found ---------------------------------------------------------------
def test_predict_inside_a_callback_keeps_dropout_on_for_training():
    model, modes = new(), []

    class Peek(Callback):
        def on_step_end(self, trainer, row):
            model.predict(["good"])
            modes.append(model.module.training)

    Trainer(TrainConfig(max_steps=3, batch_size=8, progress="off"), callbacks=[Peek()]).fit(model, toy())
    assert modes == [True, True, True]


# ---- hypothesis: any small classification dataset trains or fails with a clear ValueError --------------
texts = st.one_of(st.text(max_size=40), st.sampled_from(["", " ", "<b>x</b>", "ünïcödé ✓", "a" * 300]))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.tuples(texts, st.integers(-1, 2)), min_size=0, max_size=12),
       batch_size=st.integers(1, 8), max_len=st.integers(2, 64))
def test_random_datasets_train_or_fail_clearly(rows, batch_size, max_len):
    data = datasets.Dataset.from_dict({"text": [t for t, _ in rows], "label": [y for _, y in rows]},
                                      features=datasets.Features({"text": datasets.Value("string"),
                                                                  "label": datasets.Value("int64")}))
    cfg = TrainConfig(max_steps=2, batch_size=batch_size, max_len=max_len, progress="off")
    try:
        h = Trainer(cfg).fit(new(), data)
    except ValueError as err:
        assert re.search(r"empty|outside 0\.\.1|not text", str(err)), err
        return
    assert h.stopped_reason == "completed" and 1 <= h.last_step <= 2
    assert all(0 <= y <= 1 for _, y in rows) and rows
