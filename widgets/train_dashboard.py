"""TrainDashboard: Start / Stop a fit from the notebook and watch loss, metrics, lr and speed live.

Start runs ``trainer.fit`` in a background thread, so the kernel keeps handling messages (the Stop
click among them). Stop calls ``trainer.request_stop()``; the fit ends after the current step and
keeps the model and history, and Start again continues from there (that is how ``Trainer.fit`` works).
A small :class:`ftlab.Callback` feeds the plots, at most ~4 redraws per second.

Example:
    >>> trainer = ftlab.Trainer(ftlab.TrainConfig(epochs=2))           # doctest: +SKIP
    >>> ftlab.widgets.TrainDashboard(trainer, model, splits)           # doctest: +SKIP
"""
from __future__ import annotations

import threading
import time
from typing import Optional

import ipywidgets as widgets

from ftlab import Callback

from ._common import Panel, panel_handler, show_error, status_html, widget_frontend
from .static import figure_html, history_figure, summary_html, update_figure


def _split_data(data) -> tuple:
    """(train, validation or None) from a DatasetDict or a dict with "train" and optional "validation"."""
    try:
        if not hasattr(data, "keys"):  # a Dataset has no splits; data["train"] would look for a column
            raise TypeError
        train = data["train"]
    except (KeyError, TypeError, IndexError):
        keys = list(data.keys()) if hasattr(data, "keys") else type(data).__name__
        raise ValueError(f"TrainDashboard needs data with a 'train' split (a DatasetDict or dict); got {keys}. "
                         "Use ftlab.split(ds) or pass {'train': ds, 'validation': val_ds}") from None
    val = data.get("validation") if hasattr(data, "get") else None
    return train, val


def _fmt_seconds(s: float) -> str:
    s = int(round(s))
    return f"{s // 3600}h{s % 3600 // 60:02d}m" if s >= 3600 else f"{s // 60}m{s % 60:02d}s" if s >= 60 else f"{s}s"


class _DashboardCallback(Callback):
    """Forwards the trainer's events to the dashboard (runs in the training thread)."""

    def __init__(self, dashboard: "TrainDashboard"):
        self.dashboard = dashboard

    def on_fit_start(self, trainer, model) -> None:
        self.dashboard._fit_started()

    def on_step_end(self, trainer, row) -> None:
        self.dashboard._refresh()

    def on_eval_end(self, trainer, row) -> None:
        self.dashboard._refresh()

    def on_fit_end(self, trainer, history) -> None:
        self.dashboard._refresh(force=True)


class TrainDashboard(Panel):
    """Start / Stop buttons, progress with ETA, live plots and a summary for ``trainer.fit``.

    Args:
        trainer: an :class:`ftlab.Trainer`.
        model: the FTModel to train.
        data: a DatasetDict or dict with "train" and optional "validation".
        update_interval: seconds between redraws while training (≥ 0.25 keeps it at ≤ 4 per second).

    Attributes:
        start_button, stop_button, status (HTML), progress (IntProgress), progress_label (HTML),
        figure (plotly FigureWidget, or None without a widget front end), summary (HTML),
        output (errors), thread (the running fit's thread), widget.
    """

    def __init__(self, trainer, model, data, update_interval: float = 0.25):
        self.trainer, self.model = trainer, model
        self.train_data, self.val_data = _split_data(data)
        self.update_interval = update_interval
        self.live = widget_frontend()
        self.thread: Optional[threading.Thread] = None
        self._busy = False
        self._callback = _DashboardCallback(self)
        self._stop_requested = False
        self._last_draw = 0.0
        self._t0, self._step0 = time.perf_counter(), 0
        self.start_button = widgets.Button(description="Start", icon="play", button_style="success",
                                           tooltip="trainer.fit(...) in the background; continues after a stop")
        self.stop_button = widgets.Button(description="Stop", icon="stop", button_style="danger",
                                          tooltip="trainer.request_stop(): ends after the current step")
        self.start_button.add_class("ftlab-start")
        self.stop_button.add_class("ftlab-stop")
        self.progress = widgets.IntProgress(value=0, min=0, max=1, layout=widgets.Layout(width="320px"))
        self.progress_label = widgets.HTML()
        self.progress_label.add_class("ftlab-progress-label")
        self.status = widgets.HTML()
        self.status.add_class("ftlab-status")
        self.summary = widgets.HTML()
        self.summary.add_class("ftlab-summary")
        self.output = widgets.Output()
        h = trainer.history
        self.figure = history_figure(h.steps, h.evals, full=True, widget=True) if self.live else None
        self.start_button.on_click(self._on_start)
        self.stop_button.on_click(self._on_stop)
        self.widget = widgets.VBox([
            widgets.HBox([self.start_button, self.stop_button, self.progress, self.progress_label]),
            self.status, *([self.figure] if self.figure is not None else []), self.summary, self.output])
        self.widget.add_class("ftlab-train-dashboard")
        self._show_progress()
        self.status.value = status_html(self._idle_text())
        if h.steps:
            self.summary.value = summary_html(h)
        self._refresh_enabled()

    # ---- public helpers ----------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """True from Start until the background fit has ended (and its results are shown)."""
        return self._busy

    def start(self) -> None:
        """Same as clicking Start (usable from code, e.g. under papermill with ``.wait()``)."""
        self._on_start(self.start_button)

    def stop(self) -> None:
        """Same as clicking Stop."""
        self._on_stop(self.stop_button)

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Block until the background fit ends; True if it ended within ``timeout`` seconds."""
        if self.thread is not None:
            self.thread.join(timeout)
        return not (self.thread is not None and self.thread.is_alive())

    # ---- handlers (main thread) -------------------------------------------------------------------
    @panel_handler
    def _on_start(self, _button) -> None:
        if self.busy or self.trainer.running:
            raise RuntimeError("Training is already running; press Stop first (or wait for it to finish)")
        self._stop_requested, self._busy = False, True
        self.status.value = status_html("Starting: tokenizing the data and preparing the optimizer…")
        self.thread = threading.Thread(target=self._run, name="ftlab-train-dashboard", daemon=True)
        self.thread.start()

    @panel_handler
    def _on_stop(self, _button) -> None:
        if not self.busy:
            self.status.value = status_html("Not running. " + self._idle_text(), "warn")
            return
        self._stop_requested = True
        self.trainer.request_stop()
        self.status.value = status_html("Stopping after the current step…", "warn")

    def _refresh_enabled(self) -> None:
        busy = self.busy
        self.start_button.disabled = busy
        self.stop_button.disabled = not busy

    # ---- the background fit -----------------------------------------------------------------------
    def _run(self) -> None:
        trainer, config = self.trainer, self.trainer.config
        if self.live and config.progress == "auto":  # this panel is the progress display
            trainer.config = config.replace(progress="off")
        quiet_config = trainer.config
        trainer.callbacks.append(self._callback)
        try:
            history = trainer.fit(self.model, self.train_data, self.val_data)
            self._finished(history)
        except Exception as exc:  # shown in the panel; a thread's exception would otherwise only reach the log
            self.last_error = exc
            show_error(self.output, exc)
            self.status.value = status_html(f"Training failed: {type(exc).__name__}: {exc}", "error")
        finally:
            if self._callback in trainer.callbacks:
                trainer.callbacks.remove(self._callback)
            if trainer.config is quiet_config:
                trainer.config = config
            self._busy = False
            self._show_progress()  # drop the rate/ETA of the finished run
            self._refresh_enabled()

    def _finished(self, history) -> None:
        self._refresh(force=True)
        state = self.trainer.state
        where = f"step {state.step}/{state.total_steps}"
        reason = history.stopped_reason
        if reason == "completed":
            self.status.value = status_html(f"Completed at {where} in {_fmt_seconds(history.train_seconds)}.", "ok")
        else:
            self.status.value = status_html(f"Stopped ({reason}) at {where}. Press Start to continue.", "warn")
        self.summary.value = summary_html(history)

    # ---- callback side (training thread) ----------------------------------------------------------
    def _fit_started(self) -> None:
        state = self.trainer.state
        self._t0, self._step0 = time.perf_counter(), state.step
        self.progress.max = max(1, state.total_steps)
        if self._stop_requested:  # Stop pressed before the thread entered fit (fit clears older requests on entry)
            self.trainer.request_stop()
        self.status.value = status_html("Training… (Stop ends after the current step)")
        self._refresh(force=True)

    def _refresh(self, force: bool = False) -> None:
        now = time.perf_counter()
        if not force and now - self._last_draw < self.update_interval:
            return
        self._last_draw = now
        self._show_progress()
        if self.figure is not None:
            h = self.trainer.history
            update_figure(self.figure, h.steps, h.evals, full=True)

    def _show_progress(self) -> None:
        state = self.trainer.state
        step, total = state.step, state.total_steps
        self.progress.max = max(1, total)
        self.progress.value = min(step, self.progress.max)
        text = f"step {step}/{total or '?'}"
        done = step - self._step0
        elapsed = time.perf_counter() - self._t0
        if self.busy and done > 0 and elapsed > 0:
            rate = done / elapsed
            text += f" · {rate:.1f} steps/s · ETA {_fmt_seconds((total - step) / rate)}"
        self.progress_label.value = text

    def _idle_text(self) -> str:
        step, total = self.trainer.state.step, self.trainer.state.total_steps
        return f"Ready: press Start to continue from step {step}/{total}." if step else "Ready: press Start to train."

    # ---- static view ------------------------------------------------------------------------------
    def to_html(self) -> str:
        """Static view: status, summary table and the run's plots (plotly.js from the CDN)."""
        h = self.trainer.history
        parts = [f"<div class='ftlab-train-dashboard'><p>{self.status.value}</p>"]
        if h.steps or h.evals:
            parts += [summary_html(h), figure_html(history_figure(h.steps, h.evals, full=True))]
        else:
            parts.append("<p>No training steps yet.</p>")
        return "".join(parts) + "</div>"

    def __repr__(self) -> str:
        return f"TrainDashboard(step {self.trainer.state.step}/{self.trainer.state.total_steps})"
