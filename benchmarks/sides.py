"""One timed training run per function: ftlab's Trainer, transformers.Trainer, and head-only variants.

Every run starts from a freshly loaded model (``ftlab.load_model(preset, seed=seed)``: the same pretrained
trunk and the same new head for both sides), is timed with a wall clock around the training call only
(model loading and HF's pre-tokenization are outside; ftlab's own tokenization is inside its ``fit``),
and is scored afterwards with the same ``ftlab.evaluate`` on the test split.
"""
from __future__ import annotations

import tempfile
import threading
import time
import warnings
from dataclasses import dataclass

import psutil
import torch

import ftlab
from ftlab.batches import batch_layout, epoch_plan, tokenize_dataset
from ftlab import fit_head

from flops import CountingCollator, TokenCount, count_plan


@dataclass
class Setup:
    """What both sides share."""

    preset: str
    splits: object  # DatasetDict train / validation / test
    labels: list
    lr: float
    batch_size: int
    max_len: int
    max_steps: int | None  # None: one epoch
    precision: str  # ftlab TrainConfig.precision ("auto", "fp32", "bf16", "fp16")
    compile: bool
    device: torch.device


class RssSampler:
    """Peak resident memory of this process while a run is going (sampled every 20 ms in a thread)."""

    def __enter__(self):
        self.start = psutil.Process().memory_info().rss / 2**20  # what the process held before the run
        self.peak, self._done = self.start, threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()
        return self

    def _poll(self):
        proc = psutil.Process()
        while not self._done.is_set():
            self.peak = max(self.peak, proc.memory_info().rss / 2**20)
            self._done.wait(0.02)

    def __exit__(self, *exc):
        self._done.set()
        self._thread.join()
        return False


def new_model(setup: Setup, seed: int):
    return ftlab.load_model(setup.preset, task="classification", labels=setup.labels, seed=seed)


def ftlab_config(setup: Setup, seed: int, **changes) -> ftlab.TrainConfig:
    fields = dict(lr=setup.lr, epochs=1, max_steps=setup.max_steps, batch_size=setup.batch_size, max_len=setup.max_len,
                  seed=seed, precision=setup.precision, compile=setup.compile, progress="off")
    return ftlab.TrainConfig(**(fields | changes))


def run_ftlab(setup: Setup, seed: int, side: str = "ftlab", **changes) -> dict:
    """ftlab's Trainer with its defaults; ``changes`` (TrainConfig fields) make an extra column named ``side``."""
    model = new_model(setup, seed)
    cfg = ftlab_config(setup, seed, **changes)
    with RssSampler() as rss:
        t0 = time.perf_counter()
        history = ftlab.Trainer(cfg).fit(model, setup.splits["train"])
        seconds = time.perf_counter() - t0
    data = tokenize_dataset(model, setup.splits["train"], setup.max_len)  # the same plan the Trainer followed
    packed, bucket = batch_layout(model.module, cfg)  # the Trainer's own rule
    plan = epoch_plan(data.lengths, cfg.batch_size, cfg.grad_accum_steps, seed, 0, bucket)
    tokens = count_plan(data.lengths, plan, history.last_step, pack_len=cfg.max_len if packed else None)
    return _result(side, model, setup, seconds, tokens, rss.peak, seed)


def hf_dataset(setup: Setup, tokenizer, split: str):
    """Pre-tokenized with the same truncation as ftlab; only input_ids, attention_mask and label remain."""
    ds = setup.splits[split]
    keep = {"label"}
    out = ds.map(lambda b: tokenizer(b["text"], truncation=True, max_length=setup.max_len), batched=True,
                 remove_columns=[c for c in ds.column_names if c not in keep])
    return out.remove_columns([c for c in out.column_names if c not in ("input_ids", "attention_mask", "label")])


def run_hf(setup: Setup, seed: int, strategy: str = "random") -> dict:
    """transformers.Trainer with its defaults plus the options the issue names (strategy: HF's sampler)."""
    from transformers import Trainer, TrainingArguments

    model = new_model(setup, seed)
    model.module.accepts_loss_kwargs = False  # its loss is already a mean: HF's documented switch for such models
    train = hf_dataset(setup, model.tokenizer, "train")
    collator = CountingCollator(model.tokenizer)
    cuda = setup.device.type == "cuda"
    precision = ftlab.device.resolve_precision(setup.precision, setup.device)
    with tempfile.TemporaryDirectory() as out:
        args = TrainingArguments(
            output_dir=out, per_device_train_batch_size=setup.batch_size, num_train_epochs=1,
            max_steps=setup.max_steps or -1, learning_rate=setup.lr, weight_decay=0.01, warmup_steps=0,
            lr_scheduler_type="linear", max_grad_norm=1.0, seed=seed, use_cpu=not cuda, report_to=[],
            save_strategy="no", logging_strategy="no", disable_tqdm=True, dataloader_num_workers=0,
            bf16=precision == "bf16", fp16=precision == "fp16", torch_compile=setup.compile,
            train_sampling_strategy=strategy)
        trainer = Trainer(model=model.module, args=args, train_dataset=train, data_collator=collator)
        with RssSampler() as rss:
            t0 = time.perf_counter()
            trainer.train()
            seconds = time.perf_counter() - t0
    model.module.to(setup.device)
    name = "hf" if strategy == "random" else f"hf_{strategy}"
    return _result(name, model, setup, seconds, collator.trained(trainer.state.global_step), rss.peak, seed)


def run_head_trainer(setup: Setup, seed: int, epochs: int, lr: float) -> dict:
    """Head-only with ftlab's Trainer: the trunk runs forward at every step (train mode, dropout on)."""
    model = new_model(setup, seed).freeze("head")
    cfg = ftlab_config(setup, seed, lr=lr, epochs=epochs, max_steps=None)
    t0 = time.perf_counter()
    history = ftlab.Trainer(cfg).fit(model, setup.splits["train"])
    seconds = time.perf_counter() - t0
    return {"side": "trainer_head_only", "seconds": seconds, "epochs": epochs, "steps": history.last_step,
            "seconds_per_epoch": seconds / epochs, "test_accuracy": _accuracy(model, setup)}


def run_fit_head(setup: Setup, seed: int, epochs: int, lr: float) -> dict:
    """fit_head: the trunk runs once (eval mode) to cache features, then only the head trains."""
    model = new_model(setup, seed)
    cfg = ftlab_config(setup, seed, lr=lr, epochs=epochs, max_steps=None)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "fit_head froze the model to its head": expected here
        history = fit_head(model, setup.splits["train"], config=cfg)
    seconds = time.perf_counter() - t0
    return {"side": "fit_head", "seconds": seconds, "epochs": epochs, "steps": history.last_step,
            "head_loop_seconds": history.train_seconds, "cache_seconds": seconds - history.train_seconds,
            "seconds_per_epoch": history.train_seconds / epochs, "test_accuracy": _accuracy(model, setup)}


def _accuracy(model, setup: Setup) -> float:
    return ftlab.evaluate(model, setup.splits["test"])["accuracy"]  # identical scoring for every side


def _result(side: str, model, setup: Setup, seconds: float, tokens: TokenCount, rss_mb: float, seed: int) -> dict:
    return {"side": side, "seed": seed, "seconds": seconds, "samples": tokens.sequences,
            "samples_per_s": tokens.sequences / seconds, "tokens_real": tokens.real, "tokens_padded": tokens.padded,
            "tokens": tokens, "peak_rss_mb": rss_mb, "test_accuracy": _accuracy(model, setup)}
