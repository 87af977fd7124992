"""Logits only at supervised positions (ftlab.batches.supervised_positions) give the full loss and gradients."""
import dataclasses

import datasets
import pytest
import torch

import ftlab
from ftlab.batches import collate, keeps_logits, make_batches, supervised_positions
from ftlab.batches.tokens import TokenizedData
from ftlab.eval import validate
from ftlab.tasks import get_task

IGNORE = ftlab.IGNORE_INDEX


def answer_only_data() -> TokenizedData:
    """Rows of different lengths whose first tokens (a 'prompt' of 2-5 tokens) are not learned."""
    g = torch.Generator().manual_seed(0)
    ids, labels = [], []
    for n, prompt in [(9, 3), (4, 2), (12, 5), (7, 4)]:
        seq = torch.randint(5, 1000, (n,), generator=g).tolist()
        ids.append(seq)
        labels.append([IGNORE] * prompt + seq[prompt:])
    return TokenizedData(ids, labels, get_task("causal-lm"))


def loss_and_grads(module, batch):
    module.zero_grad()
    torch.manual_seed(0)  # LoRA dropout: the same masks in both passes (they have the same shapes)
    out = module(**batch, use_cache=False)
    out.loss.backward()
    grads = {n: p.grad.clone() for n, p in module.named_parameters() if p.grad is not None}
    return out, grads


@pytest.mark.parametrize("lora", [False, True])
def test_kept_logits_give_the_full_loss_and_gradients(lora):
    lm = ftlab.load_model("tiny-llama", task="causal-lm", seed=0)
    if lora:
        lm.freeze("lora")
    assert keeps_logits(lm.module)
    data, rows, pad = answer_only_data(), [0, 1, 2, 3], lm.tokenizer.pad_token_id
    full_out, full_grads = loss_and_grads(lm.module, collate(data, rows, pad))
    kept_out, kept_grads = loss_and_grads(lm.module, collate(data, rows, pad, supervised_logits_only=True))
    supervised = sum(sum(x != IGNORE for x in lab[1:]) for lab in data.targets)
    assert kept_out.logits.shape[0] == supervised < full_out.logits.shape[:2].numel()  # fewer logits computed
    torch.testing.assert_close(kept_out.loss, full_out.loss, atol=1e-6, rtol=1e-5)
    assert full_grads.keys() == kept_grads.keys() and full_grads
    for name, g in full_grads.items():
        torch.testing.assert_close(kept_grads[name], g, atol=1e-6, rtol=1e-4, msg=name)


def test_positions_are_those_whose_next_token_is_learned():
    labels = torch.tensor([[IGNORE, IGNORE, 7, 8], [IGNORE, 5, IGNORE, IGNORE]])
    out = supervised_positions(labels)
    assert out["logits_to_keep"].tolist() == [[False, True, True, False], [True, False, False, False]]
    assert out["shift_labels"].tolist() == [7, 8, 5]


def test_make_batches_turns_it_on_and_validation_and_training_agree():
    lm = ftlab.load_model("tiny-llama", task="causal-lm", seed=0)
    data = answer_only_data()
    ds = datasets.Dataset.from_dict({"input_ids": data.input_ids, "labels": data.targets})
    batches = make_batches(lm, ds, ftlab.TrainConfig(batch_size=2, max_steps=1, progress="off"))
    assert batches.supervised_logits_only and "logits_to_keep" in batches.collate([0, 1])
    cpu = torch.device("cpu")
    kept = validate(lm.module, batches, None, cpu, "fp32", 2)["val_loss"]
    full = validate(lm.module, dataclasses.replace(batches, supervised_logits_only=False), None, cpu, "fp32", 2)
    assert kept == pytest.approx(full["val_loss"], abs=1e-5)
    history = ftlab.Trainer(ftlab.TrainConfig(batch_size=2, max_steps=2, progress="off")).fit(lm, batches)
    assert history.stopped_reason == "completed" and all(r["loss"] > 0 for r in history.steps)
