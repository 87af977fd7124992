"""Sequence packing: a packed batch must compute what the padded batch computes, only without the padding."""
import datasets
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import ftlab
from ftlab.batches import collate, make_batches, tokenize_dataset
from ftlab.batches import collate_packed, pack_rows


@given(st.lists(st.integers(1, 64), min_size=1, max_size=40), st.integers(64, 200))
@settings(max_examples=200, deadline=None)
def test_pack_rows_places_every_example_once_within_capacity(lengths, row_len):
    rows = pack_rows(lengths, row_len)
    assert sorted(i for row in rows for i in row) == list(range(len(lengths)))
    assert all(sum(lengths[i] for i in row) <= row_len for row in rows)


def _padded_and_packed(model, dataset, rows, row_len=48):
    data = tokenize_dataset(model, dataset, 64)
    pad = model.tokenizer.pad_token_id
    return collate(data, rows, pad), collate_packed(data, rows, pad, row_len)


@pytest.mark.parametrize("pooling", ["mean", "cls"])
def test_packed_forward_and_gradients_equal_the_padded_ones(toy_sentiment, pooling):
    model = ftlab.load_model("tiny-bert", task="classification", labels=["negative", "positive"], seed=0)
    model.module.pooling = pooling
    assert model.module.supports_packing
    rows = [5, 0, 17, 3, 42, 8, 9, 30]  # sampler order, lengths 2..8 words
    padded, packed = _padded_and_packed(model, toy_sentiment, rows)
    assert packed["input_ids"].shape[0] < len(rows), "several examples must share a row"
    assert (packed["input_ids"] != 0).sum() == padded["attention_mask"].sum(), "packed rows hold no extra tokens"
    model.module.eval()
    grads = []
    for batch in (padded, packed):
        model.module.zero_grad()
        out = model.module(**batch)
        out["loss"].backward()
        grads.append((out["logits"].detach(), out["loss"].detach(),
                      [p.grad.clone() for p in model.module.parameters() if p.grad is not None]))
    (logits_a, loss_a, grad_a), (logits_b, loss_b, grad_b) = grads
    torch.testing.assert_close(logits_b, logits_a, atol=1e-5, rtol=1e-4)  # same example order as `rows`
    torch.testing.assert_close(loss_b, loss_a, atol=1e-6, rtol=1e-5)
    assert len(grad_a) == len(grad_b)
    for a, b in zip(grad_a, grad_b):
        torch.testing.assert_close(b, a, atol=1e-5, rtol=1e-4)


@pytest.mark.slow
def test_packed_minilm_matches_padded_on_real_reviews():
    model = ftlab.load_model("minilm", task="regression", target="rating", seed=0)
    reviews = ftlab.load_dataset("reviews").select(range(24))
    padded, packed = _padded_and_packed(model, reviews, list(range(24)), row_len=128)
    model.module.eval()
    with torch.no_grad():
        a, b = model.module(**padded)["logits"], model.module(**packed)["logits"]
    torch.testing.assert_close(b, a, atol=1e-4, rtol=1e-4)


def test_trainer_with_packing_learns_and_keeps_the_random_batches(toy_sentiment):
    config = ftlab.TrainConfig(lr=1e-3, epochs=4, batch_size=8, pack_sequences=True, seed=0)
    model = ftlab.load_model("tiny-bert", task="classification", labels=["negative", "positive"], seed=0)
    history = ftlab.Trainer(config).fit(model, toy_sentiment)
    loss = history.steps_frame()["loss"]
    assert history.stopped_reason == "completed" and len(loss) == 32
    assert loss.tail(4).mean() < loss.head(4).mean() - 0.05


def test_packing_falls_back_to_padding_with_a_warning_where_a_model_cannot_pack():
    model = ftlab.load_model("tiny-llama", task="causal-lm")
    model.module.config._attn_implementation = "flash_attention_2"  # takes no 4D mask: padded batches instead
    texts = datasets.Dataset.from_dict({"text": ["a short line", "another slightly longer line here"] * 4})
    with pytest.warns(UserWarning, match="pack_sequences=True needs a classification/regression model"):
        batches = make_batches(model, texts, ftlab.TrainConfig(max_steps=2, batch_size=4, pack_sequences=True))
    assert not batches.packed
