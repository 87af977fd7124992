"""Model presets, layer groups, freezing, memory estimates, predict and save/load round trips."""
import json

import pytest
import torch

import ftlab
from ftlab.models.presets import presets_table


def test_unknown_preset_lists_presets():
    with pytest.raises(ValueError) as err:
        ftlab.load_model("no-such-model-xyz", task="classification", labels=["a", "b"])
    for name in ftlab.PRESETS:
        assert name in str(err.value)


def test_labels_that_do_not_match_the_task_name_both():
    with pytest.raises(ValueError, match=r"labels=\['a', 'b'\] do not match task='regression'"):
        ftlab.load_model("tiny-bert", task="regression", labels=["a", "b"])
    with pytest.raises(ValueError, match="needs labels"):
        ftlab.load_model("tiny-bert", task="classification")
    with pytest.raises(ValueError, match="supports tasks"):
        ftlab.load_model("tiny-bert", task="causal-lm")


def test_groups_bottom_to_top(tiny_model):
    assert tiny_model.groups == ["embeddings", "layer.0", "layer.1", "head"]


def test_freeze_presets_and_lists(tiny_model):
    tiny_model.freeze("head")
    assert tiny_model.trainable_groups() == ["head"]
    head_only = tiny_model.num_parameters(trainable_only=True)
    assert head_only == 32 * 2 + 2
    tiny_model.freeze("top-1")
    assert tiny_model.trainable_groups() == ["layer.1", "head"]
    tiny_model.freeze(["embeddings", "head"])
    assert tiny_model.trainable_groups() == ["embeddings", "head"]
    tiny_model.freeze("all")
    assert tiny_model.trainable_fraction == 1.0


@pytest.mark.parametrize("spec,match", [("top-9", "has 2"), ("bottom", "Unknown freeze preset"), (["layer.7"], "Unknown layer group")])
def test_bad_freeze_specs(tiny_model, spec, match):
    with pytest.raises(ValueError, match=match):
        tiny_model.freeze(spec)


def test_lora_trains_adapters_and_head_only(tiny_model):
    tiny_model.freeze("lora", r=4)
    trainable = [n for n, p in tiny_model.module.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n or n.startswith("head.") for n in trainable)
    assert tiny_model.trainable_fraction < 0.05


def test_memory_estimate_shrinks_when_freezing(tiny_model):
    full = tiny_model.estimate_memory(batch_size=32, seq_len=128)
    tiny_model.freeze("head")
    head = tiny_model.estimate_memory(batch_size=32, seq_len=128)
    assert head.gradients_mb < full.gradients_mb and head.optimizer_mb < full.optimizer_mb
    assert head.activations_mb < full.activations_mb  # frozen layers keep no activations for backward
    assert tiny_model.estimate_memory(batch_size=64, seq_len=128).activations_mb > head.activations_mb


def test_predict_returns_label_names_and_probabilities(tiny_model):
    frame = tiny_model.predict(["a fine day", "a bad day"])
    assert list(frame["label"].unique()) <= ["negative", "positive"]
    probs = frame[["p(negative)", "p(positive)"]].sum(axis=1)
    assert ((probs - 1).abs() < 1e-5).all()


def test_save_load_round_trip(tiny_model, tmp_path):
    tiny_model.freeze("all")
    before = tiny_model.predict_outputs(["round trip please"])
    tiny_model.save(tmp_path / "m")
    again = ftlab.load_model(str(tmp_path / "m"))
    assert again.labels == tiny_model.labels and again.task == "classification"
    assert (again.predict_outputs(["round trip please"]) == before).all()


def test_save_load_round_trip_with_lora(tiny_model, tmp_path):
    tiny_model.freeze("lora", r=2)
    with torch.no_grad():  # give the adapters a non-zero update so the merge matters
        for n, p in tiny_model.module.named_parameters():
            if "lora_B" in n:
                p.fill_(0.05)
    before = tiny_model.predict_outputs(["lora merge"])
    tiny_model.save(tmp_path / "lora")
    again = ftlab.load_model(str(tmp_path / "lora"))
    assert abs(again.predict_outputs(["lora merge"]) - before).max() < 1e-5


def test_foreign_or_corrupt_model_folder(tiny_model, tmp_path):
    tiny_model.save(tmp_path / "m")
    meta = json.loads((tmp_path / "m" / "ftlab.json").read_text())
    (tmp_path / "m" / "ftlab.json").write_text(json.dumps(meta | {"format": "something-else"}))
    with pytest.raises(ValueError, match="format='something-else'"):
        ftlab.load_model(str(tmp_path / "m"))
    (tmp_path / "m" / "ftlab.json").write_text(json.dumps(meta))
    (tmp_path / "m" / "model.safetensors").write_bytes(b"not safetensors")
    with pytest.raises(ValueError, match="corrupted"):
        ftlab.load_model(str(tmp_path / "m"))


def test_regression_head_predicts_one_number():
    model = ftlab.load_model("tiny-bert", task="regression", target="rating")
    out = model.predict(["three stars"])
    assert list(out.columns) == ["text", "prediction"] and model.target_column == "rating"


def test_presets_table_reports_offline_availability():
    table = presets_table().set_index("preset")
    assert bool(table.loc["minilm", "offline"]) and bool(table.loc["smollm2-135m", "offline"])


def test_core_import_stays_headless():
    import subprocess
    import sys

    code = "import sys, ftlab, ftlab.data, ftlab.train, ftlab.metrics, ftlab.models; print('ipywidgets' in sys.modules, 'plotly' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]


@pytest.mark.slow
def test_minilm_preset_loads_offline_and_embeds_meaningfully(capfd):
    model = ftlab.load_model("minilm", task="classification", labels=["negative", "positive"])
    # the checkpoint's unused pooler must not produce transformers' alarming "UNEXPECTED keys" report
    assert "LOAD REPORT" not in capfd.readouterr().err
    assert model.groups[:2] == ["embeddings", "layer.0"] and model.groups[-1] == "head" and len(model.groups) == 8
    assert 22e6 < model.num_parameters() < 23.5e6
    v = model.encode(["The hotel room was clean.", "Our room at the hotel was spotless.", "Stock markets fell sharply."])
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2  # the pretrained trunk already knows paraphrases


@pytest.mark.slow
def test_smollm2_preset_follows_a_chat_instruction(tmp_path, monkeypatch):
    monkeypatch.setenv("FTLAB_CACHE", str(tmp_path))  # exercise the GGUF -> safetensors conversion
    model = ftlab.load_model("smollm2-135m", task="causal-lm")
    assert (tmp_path / "smollm2-135m" / "model.safetensors").exists()
    tok = model.tokenizer
    enc = tok.apply_chat_template([{"role": "user", "content": "What is the capital of France?"}],
                                  add_generation_prompt=True, return_tensors="pt", return_dict=True)
    out = model.module.generate(**enc, max_new_tokens=12, do_sample=False)
    assert "Paris" in tok.decode(out[0][enc["input_ids"].shape[1]:])
    again = ftlab.load_model("smollm2-135m", task="causal-lm")  # second load reads the safetensors cache
    assert torch.equal(again.module.model.norm.weight, model.module.model.norm.weight)


def test_frozen_bottom_with_gradient_checkpointing_still_trains(tiny_model, toy_sentiment):
    tiny_model.freeze("top-1")  # embeddings and layer.0 frozen: layer inputs carry no grad by themselves
    tiny_model.set_gradient_checkpointing(True)
    assert tiny_model.gradient_checkpointing
    before = tiny_model.module.trunk.encoder.layer[1].attention.self.query.weight.detach().clone()
    ftlab.Trainer(ftlab.TrainConfig(lr=1e-2, max_steps=2, batch_size=8)).fit(tiny_model, toy_sentiment)
    assert not torch.equal(before, tiny_model.module.trunk.encoder.layer[1].attention.self.query.weight)
    tiny_model.set_gradient_checkpointing(False)
    assert not tiny_model.gradient_checkpointing
