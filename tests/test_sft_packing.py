"""Decoder packing computes what the padded batch computes: same loss, same gradients (tiny-llama)."""
from types import SimpleNamespace

import datasets
import pytest
import torch

import ftlab
import ftlab.sft
from ftlab.batches import make_batches
from ftlab.sft import block_causal_mask, collate_packed_causal

IGNORE = ftlab.IGNORE_INDEX


def examples():
    g = torch.Generator().manual_seed(0)
    lengths = [7, 3, 11, 5, 9]
    ids = [torch.randint(5, 1000, (n,), generator=g).tolist() for n in lengths]
    # a prompt of 2 tokens is not learned, the rest is (like an answer-only mask)
    labels = [[IGNORE, IGNORE] + seq[2:] for seq in ids]
    return SimpleNamespace(input_ids=ids, targets=labels)


def padded_batch(data, pad_id):
    T = max(len(s) for s in data.input_ids)
    ids = torch.full((len(data.input_ids), T), pad_id)
    labels = torch.full_like(ids, IGNORE)
    mask = torch.zeros_like(ids)
    for r, (seq, lab) in enumerate(zip(data.input_ids, data.targets)):
        ids[r, :len(seq)], labels[r, :len(seq)], mask[r, :len(seq)] = torch.tensor(seq), torch.tensor(lab), 1
    return {"input_ids": ids, "attention_mask": mask, "labels": labels}


def loss_and_grads(module, batch):
    module.zero_grad()
    loss = module(**({"use_cache": False} | batch)).loss  # the padded batch too: no cache in training
    loss.backward()
    return loss.detach(), {n: p.grad.clone() for n, p in module.named_parameters()}


def assert_same_loss_and_grads(module, packed, padded):
    """The packed batch trains exactly like the padded one: same loss, same gradient for every parameter."""
    loss_pad, grads_pad = loss_and_grads(module, padded)
    loss_pack, grads_pack = loss_and_grads(module, packed)
    torch.testing.assert_close(loss_pack, loss_pad, atol=1e-6, rtol=1e-5)
    for name, g in grads_pad.items():
        torch.testing.assert_close(grads_pack[name], g, atol=1e-6, rtol=1e-4, msg=name)


@pytest.mark.parametrize("attn", ["sdpa", "eager"])
def test_packed_loss_and_gradients_equal_padded(attn):
    lm = ftlab.load_model("tiny-llama", task="causal-lm")
    lm.module.config._attn_implementation = attn
    data, pad = examples(), lm.tokenizer.pad_token_id
    packed = collate_packed_causal(data, list(range(5)), pad, row_len=16, attn_implementation=attn)
    assert packed["input_ids"].shape[0] < 5  # several examples really share rows
    assert_same_loss_and_grads(lm.module, packed, padded_batch(data, pad))


def test_the_equality_check_catches_contamination():
    # the same packed rows with an all-ones 2D mask let examples attend to each other: the loss changes
    lm = ftlab.load_model("tiny-llama", task="causal-lm")
    data, pad = examples(), lm.tokenizer.pad_token_id
    packed = collate_packed_causal(data, list(range(5)), pad, row_len=16)
    loss_pad, _ = loss_and_grads(lm.module, padded_batch(data, pad))
    leaky = dict(packed, attention_mask=torch.ones_like(packed["input_ids"]))
    loss_leak, _ = loss_and_grads(lm.module, leaky)
    assert abs(float(loss_leak) - float(loss_pad)) > 1e-4


def test_layout_positions_and_targets():
    data = SimpleNamespace(input_ids=[[1, 2, 3], [4, 5]], targets=[[IGNORE, 2, 3], [4, 5]])
    b = collate_packed_causal(data, [0, 1], pad_id=0, row_len=8)
    assert b["input_ids"].tolist() == [[1, 2, 3, 4, 5]]
    assert b["position_ids"].tolist() == [[0, 1, 2, 0, 1]]
    assert b["labels"].tolist() == [[IGNORE, 2, 3, IGNORE, 5]]  # each example's first token is no target
    assert block_causal_mask(torch.tensor([[0, 0, -1]]))[0, 0].tolist() == [[True, False, False], [True, True, False],
                                                                             [False, False, True]]


# -- the same packing through the batch layer, as Trainer.fit uses it (TrainConfig.pack_sequences=True)

def pretokenized():
    data = examples()
    return datasets.Dataset.from_dict({"input_ids": data.input_ids, "labels": data.targets})


@pytest.mark.parametrize("attn", ["sdpa", "eager"])
def test_batch_layer_packs_a_causal_lm_with_the_same_loss_and_gradients(attn):
    lm = ftlab.load_model("tiny-llama", task="causal-lm")
    lm.module.config._attn_implementation = attn
    ds, rows = pretokenized(), [3, 0, 4, 1, 2]  # sampler order
    packed = make_batches(lm, ds, ftlab.TrainConfig(max_len=16, pack_sequences=True))
    padded = make_batches(lm, ds, ftlab.TrainConfig(max_len=16, pack_sequences=False))
    assert packed.packed and not padded.packed
    pack_batch, pad_batch = packed.collate(rows), padded.collate(rows)
    assert pack_batch["attention_mask"].dim() == 4 and pack_batch["use_cache"] is False  # never a 2D all-ones mask
    assert pack_batch["input_ids"].shape[0] < len(rows)  # several examples really share rows
    assert (pack_batch["labels"] != IGNORE).sum() == (pad_batch["labels"][:, 1:] != IGNORE).sum()
    assert_same_loss_and_grads(lm.module, pack_batch, pad_batch)


def test_auto_packing_stays_off_for_a_causal_lm_and_lora_packs_through_its_wrapper():
    lm = ftlab.load_model("tiny-llama", task="causal-lm")
    assert not make_batches(lm, pretokenized(), ftlab.TrainConfig(max_len=16)).packed  # auto: encoders only
    lm.freeze("lora")
    assert make_batches(lm, pretokenized(), ftlab.TrainConfig(max_len=16, pack_sequences=True)).packed


def test_trainer_fits_a_causal_lm_on_packed_rows():
    # a learnable chat-like task: the "answer" repeats the prompt, learned on answer tokens only
    g = torch.Generator().manual_seed(1)
    prompts = [torch.randint(5, 60, (int(n),), generator=g).tolist() for n in torch.randint(2, 6, (48,), generator=g)]
    ids = [p + [3] + p for p in prompts]
    labels = [[IGNORE] * (len(p) + 1) + p for p in prompts]
    ds = datasets.Dataset.from_dict({"input_ids": ids, "labels": labels})
    lm = ftlab.load_model("tiny-llama", task="causal-lm")
    config = ftlab.TrainConfig(lr=3e-3, epochs=6, batch_size=8, max_len=32, pack_sequences=True, seed=0)
    assert make_batches(lm, ds, config).packed
    history = ftlab.Trainer(config).fit(lm, ds)
    loss = history.steps_frame()["loss"]
    assert history.stopped_reason == "completed" and len(loss) == 36
    assert loss.tail(6).mean() < loss.head(6).mean() - 0.3


@pytest.mark.slow  # the real preset: GQA attention, RoPE, its chat template and the bundled instruction chats
def test_smollm2_packed_rows_give_the_padded_loss_on_bundled_chats():
    lm = ftlab.load_model("smollm2-135m", task="causal-lm")
    chats = ftlab.load_dataset("instructions").select([0, 60, 100, 200, 300, 380])  # one row per task
    ds = ftlab.sft.tokenize(chats.select_columns(["messages"]), lm, max_len=256)
    rows = list(range(len(ds)))
    packed = make_batches(lm, ds, ftlab.TrainConfig(max_len=256, pack_sequences=True))
    padded = make_batches(lm, ds, ftlab.TrainConfig(max_len=256, pack_sequences=False))
    pack_batch = packed.collate(rows)
    assert packed.packed and pack_batch["input_ids"].shape[0] < len(rows)
    lm.module.eval()
    with torch.no_grad():
        loss_pack = lm.module(**pack_batch)["loss"]
        loss_pad = lm.module(**({"use_cache": False} | padded.collate(rows)))["loss"]
    torch.testing.assert_close(loss_pack, loss_pad, atol=1e-4, rtol=1e-4)
