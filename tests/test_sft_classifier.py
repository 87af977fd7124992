"""A decoder trunk + a linear head on its last real token (tiny-llama, fast; the real SmolLM2 is slow)."""
import datasets
import pytest
import torch

import ftlab
from ftlab.batches import make_batches

TEXTS = ["good", "a much longer text about nothing in particular at all", "bad bad", "fine, thanks"]


@pytest.fixture
def gpt_cls():
    return ftlab.load_model("tiny-llama", task="classification", labels=["negative", "positive"])


def pooled(model, texts, side="right"):
    model.tokenizer.padding_side = side
    enc = model.tokenize(texts)
    with torch.no_grad():
        return model.module.pool(enc["input_ids"], enc["attention_mask"]), enc


def cross_entropy(model, data):
    """Mean cross-entropy of the model's predictions (eval mode) against the data's labels."""
    logits = torch.tensor(model.predict_outputs(data["text"]))
    return torch.nn.functional.cross_entropy(logits, torch.tensor(data["label"])).item()


def test_decoder_classifier_is_a_sequence_model_with_last_token_pooling(gpt_cls):
    assert gpt_cls.module.pooling == "last"
    assert gpt_cls.groups == ["embeddings", "layer.0", "layer.1", "head"]
    assert not any("lm_head" in n for n, _ in gpt_cls.module.named_parameters())  # no LM head in a classifier
    assert gpt_cls.predict(["good"]).shape[0] == 1


@pytest.mark.parametrize("side", ["right", "left"])
def test_last_token_pooling_equals_each_row_alone(gpt_cls, side):
    gpt_cls.module.eval()
    batch, enc = pooled(gpt_cls, TEXTS, side)
    assert (enc["attention_mask"] == 0).any()  # the batch really is padded
    alone = torch.cat([pooled(gpt_cls, [t], side)[0] for t in TEXTS])
    torch.testing.assert_close(batch, alone, atol=1e-5, rtol=1e-5)
    # a wrong pooling (the last column, padding included) would differ for the padded rows
    with torch.no_grad():
        hidden = gpt_cls.module.trunk(**enc).last_hidden_state
    assert not torch.allclose(hidden[:, -1 if side == "right" else 0], alone, atol=1e-3)


def test_packed_batches_pool_each_segments_last_token(gpt_cls, toy_sentiment):
    gpt_cls.module.eval()
    cfg = ftlab.TrainConfig(batch_size=8, max_len=32)
    batches = make_batches(gpt_cls, toy_sentiment, cfg)
    assert batches.packed  # a decoder classifier packs like an encoder, with a block-causal mask
    rows = list(range(8))
    packed = batches.collate(rows)
    assert packed["input_ids"].shape[0] < len(rows)  # several reviews share one row
    padded = ftlab.batches.collate(batches.data, rows, batches.pad_id)
    with torch.no_grad():
        out_packed, out_padded = gpt_cls.module(**packed), gpt_cls.module(**padded)
    torch.testing.assert_close(out_packed["logits"], out_padded["logits"], atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(out_packed["loss"], out_padded["loss"], atol=1e-6, rtol=1e-5)


def test_loss_decreases_on_a_learnable_task(gpt_cls, toy_sentiment):
    before = cross_entropy(gpt_cls, toy_sentiment)
    history = ftlab.Trainer(ftlab.TrainConfig(lr=3e-3, max_steps=30, batch_size=16, seed=0)).fit(gpt_cls, toy_sentiment)
    assert history.steps[-1]["step"] == 30
    assert cross_entropy(gpt_cls, toy_sentiment) < 0.5 * before
    assert ftlab.evaluate(gpt_cls, toy_sentiment)["accuracy"] >= 0.9


def test_lora_trains_adapters_and_head_only(gpt_cls, toy_sentiment):
    gpt_cls.freeze("lora", r=4)
    trainable = [n for n, p in gpt_cls.module.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n or n.startswith("head.") for n in trainable)
    frozen = {n: p.detach().clone() for n, p in gpt_cls.module.named_parameters() if not p.requires_grad}
    ftlab.Trainer(ftlab.TrainConfig(lr=1e-2, max_steps=3, batch_size=16)).fit(gpt_cls, toy_sentiment)
    assert all(torch.equal(p, frozen[n]) for n, p in gpt_cls.module.named_parameters() if n in frozen)


def test_a_label_not_in_labels_is_a_clear_error(gpt_cls):
    data = datasets.Dataset.from_list([{"text": "meh", "label": "neutral"}, {"text": "good", "label": "positive"}])
    with pytest.raises(ValueError, match=r"\['neutral'\] unknown to the model"):
        ftlab.Trainer(ftlab.TrainConfig(max_steps=1)).fit(gpt_cls, data)


def test_fit_head_trains_the_head_on_cached_last_token_features(gpt_cls, toy_sentiment):
    trunk = {n: p.detach().clone() for n, p in gpt_cls.module.trunk.named_parameters()}
    head = gpt_cls.module.head.weight.detach().clone()
    before = cross_entropy(gpt_cls, toy_sentiment)
    with pytest.warns(UserWarning, match="froze the model to its head"):
        ftlab.fit_head(gpt_cls, toy_sentiment, config=ftlab.TrainConfig(lr=3e-2, max_steps=40, batch_size=16))
    assert cross_entropy(gpt_cls, toy_sentiment) < before
    assert not torch.equal(gpt_cls.module.head.weight, head)
    assert all(torch.equal(p, trunk[n]) for n, p in gpt_cls.module.trunk.named_parameters())


def test_save_and_reload_keeps_the_last_token_head(gpt_cls, tmp_path):
    path = gpt_cls.save(str(tmp_path / "gpt-cls"))
    again = ftlab.load_model(path)
    assert again.module.pooling == "last" and again.labels == gpt_cls.labels
    gpt_cls.module.eval()
    torch.testing.assert_close(torch.tensor(again.predict_outputs(TEXTS)),
                               torch.tensor(gpt_cls.predict_outputs(TEXTS)), atol=1e-5, rtol=1e-5)


def test_a_head_on_a_causal_lm_in_memory_shares_its_trunk():
    lm = ftlab.load_model("tiny-llama", task="causal-lm")
    gpt = ftlab.load_model(lm, task="classification", labels=["negative", "positive"])
    assert gpt.module.trunk is lm.module.base_model and gpt.module.pooling == "last"
    assert gpt.predict(["good"]).shape[0] == 1
    with pytest.raises(ValueError, match="task='classification'"):
        ftlab.load_model(lm, task="causal-lm")
    with pytest.raises(ValueError, match="causal-lm model without LoRA"):
        ftlab.load_model(gpt, task="classification", labels=["a", "b"])


def test_unknown_pooling_is_refused(gpt_cls):
    with pytest.raises(ValueError, match="pooling must be 'mean', 'cls' or 'last'"):
        ftlab.models.SequenceModel(gpt_cls.module.trunk, "classification", 2, pooling="max")


@pytest.mark.slow
def test_smollm2_classifier_pools_the_last_real_token():
    model = ftlab.load_model("smollm2-135m", task="classification", labels=["negative", "positive"])
    assert model.module.pooling == "last" and len([g for g in model.groups if g.startswith("layer.")]) == 30
    model.module.eval()
    batch, _ = pooled(model, TEXTS[:2])
    alone = torch.cat([pooled(model, [t])[0] for t in TEXTS[:2]])
    torch.testing.assert_close(batch, alone, atol=1e-4, rtol=1e-4)


def test_fit_head_on_a_decoder_trains_only_the_linear_head(gpt_cls, toy_sentiment):
    """The final norm is in the "head" group but inside the cached features: fit_head freezes it, truthfully."""
    norm = {n: p.detach().clone() for n, p in gpt_cls.module.named_parameters() if not n.startswith("head.")}
    assert any("norm" in n and gpt_cls.module.get_parameter(n).requires_grad for n in norm)  # trainable before
    head = gpt_cls.module.head.weight.detach().clone()
    with pytest.warns(UserWarning, match="froze the model to its head"):  # it was fully trainable
        ftlab.fit_head(gpt_cls, toy_sentiment, config=ftlab.TrainConfig(lr=1e-2, max_steps=3, batch_size=8))
    trainable = [n for n, p in gpt_cls.module.named_parameters() if p.requires_grad]
    assert trainable and all(n.startswith("head.") for n in trainable)
    assert not torch.equal(gpt_cls.module.head.weight, head)  # the head trained
    assert all(torch.equal(gpt_cls.module.get_parameter(n), v) for n, v in norm.items())  # nothing else moved
