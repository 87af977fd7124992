"""The trainer: a scikit-learn surface (``Trainer(config).fit(model, train, val)``) around one training loop.

The loop in :meth:`Trainer.fit` is written by hand on purpose, top to bottom, so a learner can read
every step of fine-tuning: batches → forward under autocast → loss / grad_accum_steps → backward →
clip → schedule (a pure function of the step) → optimizer step → log → evaluate → checkpoint.
It runs on ``accelerate.Accelerator``, so the same code runs under ``accelerate launch`` on several GPUs.

Example:
    >>> trainer = Trainer(TrainConfig(lr=5e-5, epochs=2, batch_size=32))  # doctest: +SKIP
    >>> history = trainer.fit(model, splits["train"], splits["validation"])  # doctest: +SKIP
"""
from __future__ import annotations

import math
import signal
import threading
import time
import uuid
import warnings
from contextlib import nullcontext
from typing import Callable, Optional

import torch

from ..batches import make_batches, to_device
from ..config import TrainConfig
from ..device import (accelerate_precision, autocast, is_out_of_memory, oom_advice, peak_memory_mb, pick_device,
                      release_cached_memory, release_host_memory, resolve_precision)
from ..eval import lower_is_better, validate
from .callbacks import StopTraining, fire
from .checkpoint import check_writable, load_checkpoint, save_checkpoint
from .history import History
from .optim import build_optimizer
from .progress import make_progress
from .schedules import lr_factor
from .state import RunState, describe_change, optimizer_signature


class NonFiniteLoss(Exception):
    """The loss or gradient became NaN/inf; the trainer restores the last good weights."""


class Trainer:
    """Fits an :class:`ftlab.FTModel`: the one training loop of ftlab (``fit_head`` and ``lr_find`` drive it too).

    Calling ``fit`` again after a stop continues where it stopped; after a run that completed, ``fit``
    starts a new run (step 0, fresh History) from the model's current weights; ``reset()`` forgets
    progress at any time. A TrainConfig or trainable-parameter change between two fits always reaches
    the optimizer: it is rebuilt (with a warning, since Adam's moments start over), so History logs what
    the optimizer really did. ``request_stop()`` (thread-safe, used by the Stop button) ends training
    after the current step, keeping the model and the history. A NaN/inf loss or gradient restores the
    last good weights; running out of memory (GPU or CPU) stops with advice on what to shrink — both
    warn, set ``history.stopped_reason`` and leave the kernel running.

    ``lr_schedule`` (optional) replaces the configured schedule: a function ``(step, total_steps) -> factor``
    on the peak lr (``lr_find`` uses an exponential one).
    """

    def __init__(self, config: Optional[TrainConfig] = None, callbacks: tuple = (),
                 lr_schedule: Optional[Callable[[int, int], float]] = None):
        self.config = config or TrainConfig()
        self.callbacks = list(callbacks)
        self.lr_schedule = lr_schedule
        self.reset()

    def reset(self) -> None:
        """Forget progress: the next fit starts at step 0 with a fresh optimizer."""
        self.reset_progress()
        self.optimizer: Optional[torch.optim.Optimizer] = None
        self._signature: Optional[tuple] = None
        self._stop = threading.Event()
        self.running = False

    def request_stop(self) -> None:
        """Ask a running fit to stop after the current step (safe to call from another thread)."""
        self._stop.set()

    def fit(self, model, train_data, val_data=None, resume_from: Optional[str] = None) -> History:
        """Train ``model`` on ``train_data``; evaluate on ``val_data`` every ``eval_every`` steps and each epoch.

        Args:
            model: an FTModel from :func:`ftlab.load_model`.
            train_data, val_data: ``datasets.Dataset`` with a text column and the model's target column
                (or pre-tokenized ``input_ids``/``labels`` for causal LM), or batches from ``ftlab.batches``.
            resume_from: a checkpoint folder (or an ``output_dir``) to continue from; the configured lr and
                weight decay apply from there on (the checkpoint's are replaced, with a warning if they differ).

        Returns:
            The :class:`History` (also at ``trainer.history``), kept when training is interrupted.
        """
        cfg = self.config
        if self.running:
            raise RuntimeError("This Trainer is already running a fit (e.g. from the dashboard); stop it first")
        self._stop.clear()  # here, not after tokenization: a Stop pressed while data is prepared still counts
        if cfg.output_dir:
            check_writable(cfg.output_dir)
        device = pick_device(cfg.device)
        precision = resolve_precision(cfg.precision, device)
        train = make_batches(model, train_data, cfg)  # tokenized once per dataset (cached): ftlab/batches
        val = make_batches(model, val_data, cfg) if val_data is not None else None
        if self.history.stopped_reason in ("completed", "early stopping"):
            self.reset_progress()  # a finished run is not continued: this fit is a new run from the current weights
        release_host_memory()  # what earlier cells freed goes back to the OS before this fit allocates (2 GB Binder)
        self._prepare(model, device, precision)
        if resume_from:
            self._resume(resume_from, model)
        acc, module, opt, state = self.accelerator, self.prepared_module, self.optimizer, self.state
        rank, world = acc.process_index, acc.num_processes
        steps_per_epoch = train.steps_per_epoch(cfg, world)
        if steps_per_epoch == 0:
            raise ValueError(f"The training data gives no optimizer step: {len(train)} rows for {world} processes")
        total = cfg.max_steps or max(1, math.ceil(cfg.epochs * steps_per_epoch))
        state.total_steps = total
        schedule = self.lr_schedule or (lambda step, n: lr_factor(step, n, cfg.warmup_steps, cfg.scheduler))
        trainable = [p for p in module.parameters() if p.requires_grad]
        last_good = [p.detach().clone() for p in trainable]  # weights before the latest update (NaN guard)
        best = None  # (metric, step, {name: tensor}) for early stopping
        evals_since_best = 0
        self.running, reason = True, "completed"
        progress = make_progress(total, cfg.progress, initial=state.step)
        t_start, restore_sigint = time.perf_counter(), self._install_sigint()
        try:
            fire(self.callbacks, "on_fit_start", self, model)  # inside try: a StopTraining here ends the fit cleanly
            module.train()
            while state.step < total:
                plan = train.plan(cfg, state.epoch, rank, world)  # packing: random batches; padded: length buckets
                for step_rows in plan[state.batch_in_epoch:]:
                    if self._stop.is_set():
                        raise StopTraining(self._stop_reason)
                    t0 = time.perf_counter()
                    # -- forward + backward over the micro-batches of one optimizer step
                    loss_sum = torch.zeros((), device=acc.device)  # summed on the device: no host sync per micro-batch
                    n_tokens, n_samples = 0, 0
                    for i, rows in enumerate(step_rows):
                        batch = to_device(train.collate(rows), acc.device)  # (B, T) + labels; packed (R, T); features (B, H)
                        sync = i == len(step_rows) - 1  # DDP all-reduces gradients only on the last micro-batch
                        with acc.no_sync(module) if not sync else nullcontext(), autocast(device, precision):
                            loss = module(**batch)["loss"]
                        acc.backward(loss / len(step_rows))
                        loss_sum += loss.detach() / len(step_rows)
                        n_tokens += sum(train.lengths[r] for r in rows)  # real tokens, counted on the host
                        n_samples += len(rows)
                    # -- clip, check, schedule, update
                    grad_norm = acc.clip_grad_norm_(trainable, cfg.max_grad_norm) if cfg.max_grad_norm else _grad_norm(trainable)
                    # the step's one host sync: a GPU runs ahead of Python until here
                    loss_value, grad_norm = torch.stack([loss_sum.float(), torch.as_tensor(grad_norm).to(loss_sum)]).tolist()
                    if not math.isfinite(loss_value):  # raised before opt.step: the NaN never reaches the weights
                        raise NonFiniteLoss(f"loss became {loss_value} at step {state.step + 1}")
                    if not math.isfinite(grad_norm) and precision != "fp16":  # fp16's scaler skips such steps itself
                        raise NonFiniteLoss(f"gradient norm became {grad_norm} at step {state.step + 1}")
                    factor = schedule(state.step, total)  # a pure function of the step: nothing to save or restore
                    for group in opt.param_groups:
                        group["lr"] = group["base_lr"] * factor
                    torch._foreach_copy_(last_good, [p.detach() for p in trainable])  # ~1% of a CPU step; see RESULTS.md
                    opt.step()
                    opt.zero_grad(set_to_none=True)
                    state.step += 1
                    state.batch_in_epoch += 1
                    # -- log, evaluate, checkpoint
                    dt = time.perf_counter() - t0
                    row = {"step": state.step, "epoch": state.epoch + state.batch_in_epoch / len(plan),
                           "loss": loss_value, "lr": cfg.lr * factor, "grad_norm": grad_norm,
                           "samples_per_s": n_samples * world / dt, "tokens_per_s": n_tokens * world / dt,
                           "memory_mb": peak_memory_mb(device)}
                    if state.step % cfg.log_every == 0 or state.step == total:
                        self.history.steps.append(row)
                    progress.update(1, {"loss": round(loss_value, 4)})
                    fire(self.callbacks, "on_step_end", self, row)
                    end_of_epoch = state.batch_in_epoch == len(plan)
                    if val is not None and (end_of_epoch or (cfg.eval_every and state.step % cfg.eval_every == 0)):
                        best, evals_since_best = self._evaluate(model, val, device, precision, best, evals_since_best)
                    if cfg.save_every and state.step % cfg.save_every == 0 and acc.is_main_process:
                        self._save(module)
                    if state.step >= total:
                        break
                if state.batch_in_epoch >= len(plan):
                    state.epoch += 1
                    state.batch_in_epoch = 0
            if val is not None and (not self.history.evals or self.history.evals[-1]["step"] != state.step):
                best, evals_since_best = self._evaluate(model, val, device, precision, best, evals_since_best)
        except KeyboardInterrupt:
            reason = "interrupted"
        except StopTraining as stop:
            reason = str(stop) or "stop requested"
        except RuntimeError as err:  # torch.OutOfMemoryError is a RuntimeError, as are CPU/MPS allocation failures
            if not is_out_of_memory(err):
                raise
            reason = "out of memory"
            batch = loss = None  # noqa: F841 -- a backward that failed half-way leaves its graph on `loss`: let it go
            warnings.warn(f"Training stopped: {oom_advice(err, cfg, state.step + 1)}")
        except NonFiniteLoss as err:
            with torch.no_grad():
                torch._foreach_copy_(trainable, last_good)
            if acc.scaler is not None and cfg.max_grad_norm:  # fp16: clipping unscaled this step; close it on the scaler
                acc.scaler.update()
            reason = "non-finite loss"
            warnings.warn(f"Training stopped: {err}. The last good weights were restored. Try a lower lr "
                          f"(now {cfg.lr}), warmup_steps, gradient clipping (max_grad_norm), or fp32 precision.")
        finally:
            opt.zero_grad(set_to_none=True)
            restore_sigint()
            progress.close()
            self.running = False
            self._stop.clear()
        if reason == "out of memory":
            release_cached_memory(device)  # after the except block, whose traceback held the activations
        if best is not None and cfg.early_stopping_patience:
            _load_trainable(module, best[2])  # early stopping: keep the best validation weights, not the last
        self.history.stopped_reason = reason
        self.history.train_seconds += time.perf_counter() - t_start
        self.history.peak_memory_mb = max(self.history.peak_memory_mb, peak_memory_mb(device))
        if cfg.output_dir and acc.is_main_process and reason in ("completed", "early stopping"):
            self._save(module)
        release_host_memory()  # the step's activations and copies are freed; give their pages back too
        fire(self.callbacks, "on_fit_end", self, self.history)
        return self.history

    # ---- pieces of the loop kept out of its way --------------------------------------------------
    _stop_reason = "stop requested"

    def reset_progress(self) -> None:
        """Start the next fit at step 0 with a fresh History, keeping the optimizer if nothing changed."""
        self.history, self.state = History(), RunState()
        self.run_id = uuid.uuid4().hex[:12]  # checkpoints record it: pruning touches only this run's own
        self._saved_at: Optional[tuple] = None

    def _save(self, module) -> None:
        """A checkpoint of this run, unless one was just written for the same step and the same evals."""
        mark = (self.state.step, len(self.history.evals))
        if mark != self._saved_at:
            save_checkpoint(self.config.output_dir, self.accelerator.unwrap_model(module), self.optimizer,
                            self.state.to_dict(), self.history, self.run_id)
            self._saved_at = mark

    def _prepare(self, model, device: torch.device, precision: str) -> None:
        """Accelerator, optimizer and device placement: built once, rebuilt when the model, its trainable
        parameters or an optimizer-relevant TrainConfig field changed since the last fit."""
        from accelerate import Accelerator

        cfg = self.config
        signature = optimizer_signature(model, cfg)
        if signature == self._signature and self.optimizer is not None:
            return
        if self._signature is not None:
            if self._signature[:2] != signature[:2]:
                self.reset_progress()  # another model: a new run
            else:  # same model, same run: continue it with an optimizer that matches what the user set
                warnings.warn(f"Trainer.fit: {describe_change(self._signature, signature)}; a new optimizer was "
                              f"built for it (its moment estimates start over)", stacklevel=3)
        torch.manual_seed(cfg.seed)
        self.accelerator = Accelerator(cpu=device.type == "cpu", mixed_precision=accelerate_precision(precision))
        if cfg.gradient_checkpointing:
            model.enable_gradient_checkpointing()
        model.task.check_class_weights(cfg.class_weights, model.labels)
        model.module.class_weights = None if cfg.class_weights is None else torch.tensor(cfg.class_weights, dtype=torch.float32)
        optimizer = build_optimizer(model.module, cfg, device)
        module, self.optimizer = self.accelerator.prepare(model.module, optimizer)
        self.prepared_module = torch.compile(module) if cfg.compile else module
        self._signature = signature

    def _resume(self, resume_from: str, model) -> None:
        """Load a checkpoint's weights, optimizer moments, RNG, state and history; keep the configured lrs."""
        configured = [{k: g[k] for k in ("lr", "base_lr", "weight_decay")} for g in self.optimizer.param_groups]
        meta, self.history = load_checkpoint(resume_from, model.module, self.optimizer)
        self.state = RunState.from_dict(meta)
        self.run_id = meta.get("run_id") or self.run_id  # the resumed run goes on pruning its own checkpoints
        saved_lrs = [g["base_lr"] for g in self.optimizer.param_groups]
        for group, values in zip(self.optimizer.param_groups, configured):
            group.update(values)  # what History logs (cfg.lr * factor) is what the optimizer uses
        if any(not math.isclose(a, b["base_lr"]) for a, b in zip(saved_lrs, configured)):
            warnings.warn(f"resume_from: the checkpoint trained with lr {saved_lrs[0]:g}; continuing with "
                          f"TrainConfig.lr={self.config.lr:g} as configured", stacklevel=3)

    def _evaluate(self, model, val, device, precision, best, evals_since_best):
        cfg = self.config
        row = {"step": self.state.step, "epoch": self.state.epoch}
        row |= validate(self.prepared_module, val, model.labels, device, precision, max(cfg.batch_size, 32))
        metric = cfg.early_stopping_metric
        if metric not in row:
            raise ValueError(f"TrainConfig.early_stopping_metric={metric!r} is not computed for this task; choose from {sorted(row)}")
        value = row[metric]
        better = best is None or (value < best[0] if lower_is_better(metric) else value > best[0])
        if better:
            trainable = {n: p.detach().cpu().clone() for n, p in self.prepared_module.named_parameters() if p.requires_grad}
            best, evals_since_best = (value, self.state.step, trainable), 0
            self.history.best_step, self.history.best_metric = self.state.step, value
        else:
            evals_since_best += 1
        self.history.evals.append(row)
        fire(self.callbacks, "on_eval_end", self, row)
        if cfg.early_stopping_patience and evals_since_best >= cfg.early_stopping_patience:
            raise StopTraining("early stopping")
        return best, evals_since_best

    def _install_sigint(self):
        """First Ctrl-C / kernel interrupt stops after the current step; a second one interrupts at once."""
        if threading.current_thread() is not threading.main_thread():
            return lambda: None
        previous = signal.getsignal(signal.SIGINT)

        def handler(signum, frame):
            if self._stop.is_set():
                raise KeyboardInterrupt
            self._stop_reason = "interrupted"
            self._stop.set()

        signal.signal(signal.SIGINT, handler)

        def restore():
            signal.signal(signal.SIGINT, previous)
            self._stop_reason = "stop requested"

        return restore


def _grad_norm(params: list) -> torch.Tensor:
    grads = [p.grad for p in params if p.grad is not None]
    return torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads])) if grads else torch.tensor(0.0)


def _load_trainable(module: torch.nn.Module, weights: dict) -> None:
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name in weights:
                p.copy_(weights[name].to(p.device))
