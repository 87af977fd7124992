"""One timed decoder-SFT run per function: ftlab's Trainer and TRL's SFTTrainer, on the same chats.

Both sides get the same freshly loaded ``smollm2-135m`` with the same trainable parameters (LoRA adapters
or the top-2 layers, set by ``FTModel.freeze`` under the same seed, so LoRA's random init is identical too),
the same rendered chat text and the same supervised tokens: ftlab tokenizes the chats with
``ftlab.sft.tokenize`` (answer + end-of-turn learned); TRL gets each chat as a prompt string (rendered with
the generation prompt) and a completion string (the answer up to and including ``<|im_end|>``) with
``completion_only_loss=True``. The bench checks that both count the same supervised tokens. Timing wraps the
training call only (tokenizing is outside on both sides); scoring is the same ``ftlab.evaluate`` afterwards.
"""
from __future__ import annotations

import dataclasses
import tempfile
import time
from dataclasses import dataclass

import torch

import ftlab
import ftlab.sft
from ftlab.batches import make_batches

from sides import RssSampler

IGNORE = ftlab.IGNORE_INDEX


@dataclass
class SFTSetup:
    """What both sides share."""

    train_chats: object  # datasets.Dataset of "messages"
    train_ids: object  # ftlab.sft.tokenize(train_chats): input_ids + labels
    train_pc: object  # the same chats as prompt / completion strings (TRL)
    heldout_ids: object  # held-out chats, tokenized: scored on supervised tokens
    lr: float
    batch_size: int
    max_len: int
    steps: int


def load_lm(setting: str, seed: int):
    """smollm2-135m with ``setting`` ("lora" or "top-2") trainable; seeded so LoRA's init is the same per seed."""
    lm = ftlab.load_model("smollm2-135m", task="causal-lm", seed=seed)
    torch.manual_seed(seed)
    return lm.freeze(setting)


def prompt_completion(chats, tok) -> list[dict]:
    """Each chat as (prompt with generation prompt, completion up to and including the end-of-turn token)."""
    rows = []
    for messages in chats["messages"]:
        prompt = tok.apply_chat_template(messages[:-1], tokenize=False, add_generation_prompt=True)
        full = tok.apply_chat_template(messages, tokenize=False)
        end = full.index(tok.eos_token, len(prompt)) + len(tok.eos_token)
        rows.append({"prompt": prompt, "completion": full[len(prompt):end]})
    return rows


def heldout_loss(lm, setup: SFTSetup) -> float:
    return ftlab.evaluate(lm, setup.heldout_ids, batch_size=16, max_len=setup.max_len)["loss"]


def run_ftlab(setup: SFTSetup, setting: str, seed: int, full_logits: bool = False,
              checkpointing: bool = False) -> dict:
    """ftlab's Trainer with its defaults; ``full_logits`` turns off logits-at-supervised-positions (the 'before');
    ``checkpointing``: gradient checkpointing on (TRL's default), for a like-with-like memory comparison."""
    lm = load_lm(setting, seed)
    cfg = ftlab.TrainConfig(lr=setup.lr, max_steps=setup.steps, batch_size=setup.batch_size, max_len=setup.max_len,
                            seed=seed, weight_decay=0.0, progress="off", gradient_checkpointing=checkpointing)
    batches = make_batches(lm, setup.train_ids, cfg)
    if full_logits:
        batches = dataclasses.replace(batches, supervised_logits_only=False)
    with RssSampler() as rss:
        t0 = time.perf_counter()
        history = ftlab.Trainer(cfg).fit(lm, batches)
        seconds = time.perf_counter() - t0
    counts = Counts()
    for step_rows in batches.plan(cfg, 0)[:history.last_step]:
        for rows in step_rows:
            counts.add([batches.data.input_ids[r] for r in rows], [batches.data.targets[r] for r in rows],
                       logits=None if batches.supervised_logits_only else "all")
    name = "ftlab_full_logits" if full_logits else "ftlab_checkpointing" if checkpointing else "ftlab"
    return result(name, setting, seed, seconds, counts, rss, history.steps[-1]["loss"], heldout_loss(lm, setup),
                  history.last_step, lm)


class Counts:
    """Tokens a side trained on: real, padded (what the hardware multiplied), supervised, and where logits ran."""

    def __init__(self):
        self.real = self.padded = self.real_sq = self.supervised = self.logit_positions = 0

    def add(self, ids: list, labels: list, logits: "str | None" = None, padded_width: "int | None" = None) -> None:
        lengths = [len(x) for x in ids]
        self.real += sum(lengths)
        self.real_sq += sum(n * n for n in lengths)
        self.padded += padded_width if padded_width is not None else max(lengths) * len(lengths)
        sup = sum(sum(t != IGNORE for t in lab[1:]) for lab in labels)
        self.supervised += sup
        self.logit_positions += (padded_width or max(lengths) * len(lengths)) if logits == "all" else sup


class CountingTRLCollator:
    """TRL's own collator, unchanged; notes each batch it builds (the loader may build one batch ahead)."""

    def __init__(self, inner):
        self.inner, self.batches = inner, []

    def __call__(self, features):
        batch = self.inner(features)
        # a packed feature lists its examples' lengths; padding-free batches are one flat row (1, sum of lengths)
        lengths = [n for f in features for n in (f.get("seq_lengths") or [len(f["input_ids"])])]
        supervised = int((batch["labels"][:, 1:] != IGNORE).sum())  # TRL masks each packed example's first label
        self.batches.append((lengths, batch["input_ids"].numel(), supervised))
        return batch

    def trained(self, steps: int) -> Counts:
        counts = Counts()
        for lengths, width, supervised in self.batches[:steps]:
            counts.real += sum(lengths)
            counts.real_sq += sum(n * n for n in lengths)
            counts.padded += width
            counts.supervised += supervised
            counts.logit_positions += supervised  # TRL's fused LM head projects only positions with a label
        return counts


def run_trl(setup: SFTSetup, setting: str, seed: int, packing: bool = False, checkpointing: bool = False) -> dict:
    """trl.SFTTrainer with its defaults plus what makes the work equal: no gradient checkpointing (TRL's default
    is on; ftlab's off: recomputing activations is ~30 % more work), fp32 on CPU (TRL's default bf16 is for GPUs).
    ``packing=True``: its BFD packing, which turns on padding-free batches; ``checkpointing=True``: TRL's default."""
    from trl import SFTConfig, SFTTrainer

    lm = load_lm(setting, seed)
    cuda = torch.cuda.is_available()  # on a GPU both sides use bf16 autocast (ftlab: TrainConfig precision "auto")
    with tempfile.TemporaryDirectory() as out:
        args = SFTConfig(
            output_dir=out, per_device_train_batch_size=setup.batch_size, max_steps=setup.steps,
            learning_rate=setup.lr, weight_decay=0.0, warmup_steps=0, lr_scheduler_type="linear", max_grad_norm=1.0,
            seed=seed, use_cpu=not cuda, bf16=cuda, report_to=[], save_strategy="no", logging_steps=1, disable_tqdm=True,
            dataloader_num_workers=0, max_length=setup.max_len, completion_only_loss=True, packing=packing,
            gradient_checkpointing=checkpointing)
        trainer = SFTTrainer(model=lm.module, args=args, train_dataset=setup.train_pc, processing_class=lm.tokenizer)
        collator = CountingTRLCollator(trainer.data_collator)
        trainer.data_collator = collator
        with RssSampler() as rss:
            t0 = time.perf_counter()
            trainer.train()
            seconds = time.perf_counter() - t0
        losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
        steps = trainer.state.global_step
    lm.module = trainer.model  # the same module, trained in place
    name = "trl_packed" if packing else "trl_checkpointing" if checkpointing else "trl"
    return result(name, setting, seed, seconds, collator.trained(steps), rss, losses[-1],
                  heldout_loss(lm, setup), steps, lm)


def result(side, setting, seed, seconds, counts: Counts, rss: RssSampler, train_loss, heldout, steps, lm) -> dict:
    return {"side": side, "setting": setting, "seed": seed, "seconds": seconds, "steps": steps,
            "s_per_step": seconds / steps, "supervised_tokens": counts.supervised, "real_tokens": counts.real,
            "padded_tokens": counts.padded, "real_sq": counts.real_sq, "logit_positions": counts.logit_positions,
            "supervised_tokens_per_s": counts.supervised / seconds, "tokens_per_s": counts.real / seconds,
            "peak_rss_mb": rss.peak, "rss_before_mb": rss.start, "train_loss": train_loss, "heldout_loss": heldout,
            "module": lm.module}
