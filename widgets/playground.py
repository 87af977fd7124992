"""Playground: choose what trains, turn the hyperparameters, press Start, and compare the run with the last ones.

One panel composed of a :class:`FreezePanel`, a :class:`HyperparamPanel` and a :class:`TrainDashboard`.
Start builds the ``TrainConfig`` from the controls and trains the model with the layer groups shown,
from the same starting weights every run (unless "continue from the current weights" is ticked), with
a new ``Trainer`` each run (fresh optimizer and schedule). Each finished or stopped run becomes a row of
``playground.store`` (an :class:`ftlab.Runs`, headless; ``playground.runs`` is its table as a DataFrame);
the table, the overlaid curves and the cells that reproduce any run are shown below, and the best run's
weights come back with one click. For a causal LM each run also answers a few fixed prompts greedily
before and after training, shown side by side.

Example:
    >>> pg = ftlab.widgets.Playground("minilm", splits)  # doctest: +SKIP
    >>> pg                                               # JupyterLab: the panel  # doctest: +SKIP
    >>> pg.run(lr=1e-4, max_steps=20)                    # the same from code (papermill)  # doctest: +SKIP
    >>> pg.runs; pg.restore_best()                       # the table (a DataFrame), the best weights back  # doctest: +SKIP
"""
from __future__ import annotations

import threading
from typing import Any, Optional

import ipywidgets as widgets

import ftlab
from ftlab.run_samples import choose_prompts, pair_samples, samples_or_none
from ftlab.runs import Run, Runs, describe_freeze, extend_snapshot, load_weights, snapshot_weights

from ._common import Panel, panel_handler, status_html, widget_frontend
from .freeze_panel import FreezePanel
from .hyperparam_panel import HyperparamPanel
from .playground_controls import (LinkedSliders, choose_freeze, disable_all, load_for_playground, restore_enabled,
                                  set_config_values)
from .run_views import run_code_html, runs_figure, runs_table_html, samples_html, update_runs_figure
from .train_dashboard import TrainDashboard


class _Recorder(ftlab.Callback):
    """Adds the run to the table when its fit ends (completed or stopped), in the training thread."""

    def __init__(self, playground: "Playground", config: ftlab.TrainConfig, parent: Optional[int], train: tuple,
                 before: Optional[list]):
        # the config as the learner set it: the dashboard silences trainer.config.progress while it runs
        self.playground, self.config, self.parent, self.train = playground, config, parent, train
        self.before = before  # generations of the weights this run starts from (causal LMs)

    def on_fit_end(self, trainer, history) -> None:
        self.playground._record(self.config, history, self.parent, self.train, self.before)


class Playground(Panel):
    """Freeze toggles, hyperparameter sliders, Start/Stop with live curves, and the table of runs.

    Args:
        model_or_preset: an :class:`ftlab.FTModel`, or a preset/path for :func:`ftlab.load_model`.
        data: a DatasetDict or dict with "train", optional "validation" and (for ``test=True``) "test".
        config: the starting TrainConfig (default ``TrainConfig()``).
        task, labels, seed: passed to ``ftlab.load_model`` for a preset (labels default to the
            train split's ClassLabel names).
        metric: validation metric that ranks the runs (default: the task's first, e.g. accuracy).
        test: also score each run on ``data["test"]`` (a ``test_<metric>`` column).
        keep_weights: "best" (one copy, the best run's) or "all" (every run's; ~model size each).
        notebook, data_name: the notebook and splits variable used in the generated code.
        callbacks: extra :class:`ftlab.Callback` objects given to every run's Trainer.
        prompts: causal LMs only: prompts (strings or chats) answered greedily before and after every
            run (default: the first 3 validation rows, ``ftlab.run_samples.prompts_from_data``; ``[]``: none).
        max_new_tokens: tokens generated per sample answer.

    Attributes:
        store: the :class:`ftlab.Runs` run store (``runs`` is its table). freeze_panel, hyperparams,
            dashboard: the composed panels. prompts: the sample prompts (None for encoders).
        sliders: field -> slider (epochs, batch_size, warmup_steps, weight_decay); lora_rank.
        continue_box, start_button, restore_button, status, table, sort_by, descending, overlay,
        figure (FigureWidget or None), code_run, code, samples, output, widget.
    """

    def __init__(self, model_or_preset, data, config: Optional[ftlab.TrainConfig] = None, *, task: Optional[str] = None,
                 labels=None, seed: int = 0, metric: Optional[str] = None, test: bool = False,
                 keep_weights: str = "best", notebook: str = "00_quickstart.ipynb", data_name: str = "splits",
                 callbacks: tuple = (), prompts: Optional[list] = None, max_new_tokens: int = 24):
        config = config if config is not None else ftlab.TrainConfig()
        self.model, self.load_code = load_for_playground(model_or_preset, data, task, labels, seed)
        self.prompts, self.max_new_tokens = choose_prompts(self.model, data, prompts), max_new_tokens
        self.data, self.notebook, self.data_name = data, notebook, data_name
        if test and not (hasattr(data, "keys") and "test" in data.keys()):
            raise ValueError(f"Playground(test=True) needs a 'test' split in data; got {list(data.keys())}")
        self.test, self.callbacks = test, list(callbacks)
        self.store = Runs(metric=metric, keep_weights=keep_weights)
        self.start_weights = snapshot_weights(self.model.module)  # every fresh run starts from these
        self._current: Optional[int] = None  # run whose final weights the model holds now
        self._watcher: Optional[threading.Thread] = None
        self._locked: dict = {}
        self._runs_before = 0
        self.freeze_panel = FreezePanel(self.model, batch_size=config.batch_size, seq_len=config.max_len)
        self.hyperparams = HyperparamPanel(config, notebook=notebook)
        self.dashboard = TrainDashboard(ftlab.Trainer(config), self.model, data)
        self.dashboard.start_button.layout.display = "none"  # Start here means a new run: the Playground's button
        self.sliders = LinkedSliders(self.hyperparams, self.freeze_panel)
        self._build_widgets()
        self._show_runs()
        self._refresh_enabled()

    def _build_widgets(self) -> None:
        self.continue_box = widgets.Checkbox(value=False, indent=False, description="continue from the current weights")
        self.start_button = widgets.Button(description="Start run", icon="play", button_style="success",
                                           tooltip="a new Trainer with these settings; fresh starting weights unless ticked")
        self.start_button.add_class("ftlab-playground-start")
        self.status = widgets.HTML(status_html("Ready: choose what trains and the hyperparameters, then Start."))
        self.status.add_class("ftlab-playground-status")
        self.table = widgets.HTML()
        self.table.add_class("ftlab-runs-table")
        self.sort_by = widgets.Dropdown(options=["run"], value="run", description="sort by")
        self.descending = widgets.Checkbox(value=False, indent=False, description="descending")
        self.overlay = widgets.SelectMultiple(options=[], description="overlay", rows=3)
        self.figure = runs_figure(self.store, widget=True) if widget_frontend() else None
        if self.figure is not None:
            self.figure.add_class("ftlab-runs-figure")
        self.code_run = widgets.Dropdown(options=[], description="code of")
        self.code = widgets.HTML()
        self.samples = widgets.HTML()
        self.samples.add_class("ftlab-run-samples")
        self.restore_button = widgets.Button(description="Restore the best run's weights", icon="undo")
        self.restore_button.add_class("ftlab-restore-best")
        self.output = widgets.Output()
        self.start_button.on_click(self._on_start)
        self.restore_button.on_click(self._on_restore)
        for w in (self.sort_by, self.descending, self.overlay, self.code_run):
            w.observe(self._on_view, "value")
        self.widget = widgets.VBox([
            widgets.HTML("<h3>Playground</h3>"), self.freeze_panel.widget, self.hyperparams.widget,
            self.sliders.widget, widgets.HBox([self.start_button, self.continue_box, self.status]),
            self.dashboard.widget, widgets.HTML("<b>Runs</b> (each Start adds a row; stopped runs too)"),
            widgets.HBox([self.sort_by, self.descending, self.overlay]), self.table,
            *([self.figure] if self.figure is not None else []),
            widgets.HBox([self.code_run, self.restore_button]), self.samples, self.code, self.output])
        self.widget.add_class("ftlab-playground")

    # ---- public API ---------------------------------------------------------------------------------
    @property
    def runs(self):
        """The runs as a DataFrame, one row each (``store.to_frame()``); sort or filter it like any table."""
        return self.store.to_frame()

    @property
    def busy(self) -> bool:
        """True from Start until the run is recorded and the views are redrawn."""
        watcher = self._watcher  # the watcher itself re-enables the buttons as its last act
        return watcher is not None and watcher.is_alive() and watcher is not threading.current_thread()

    @property
    def trainer(self) -> ftlab.Trainer:
        """The Trainer of the latest (or running) run."""
        return self.dashboard.trainer

    def start(self) -> None:
        """Same as clicking Start run."""
        self._on_start(self.start_button)

    def stop(self) -> None:
        """Same as clicking Stop: the run ends after the current step and is kept as a row."""
        self.dashboard.stop()

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Block until the run is recorded; True if that happened within ``timeout`` seconds."""
        if self._watcher is not None:
            self._watcher.join(timeout)
        return not self.busy

    def run(self, continue_from_current: bool = False, train=None, **changes: Any) -> Run:
        """Set controls, Start, wait, and return the new row (for code and papermill).

        Args:
            continue_from_current: tick "continue from the current weights".
            train: what trains, as ``model.freeze`` takes it ("head", "top-2", "all", "lora" or groups).
            **changes: TrainConfig fields with a control (lr, epochs, max_steps, batch_size, …) and
                ``lora_r``.

        Example:
            >>> pg.run(lr=3e-4, max_steps=20, train="top-2").id  # doctest: +SKIP
            1
        """
        self.last_error = self.dashboard.last_error = None
        if "lora_r" in changes:
            self.sliders.lora_rank.value = changes.pop("lora_r")
        set_config_values(self.hyperparams, **changes)
        if train is not None:
            choose_freeze(self.freeze_panel, train)
        self.continue_box.value = continue_from_current
        before = len(self.store)
        self.start()
        self.wait()
        error = self.last_error or self.dashboard.last_error
        if error is not None:
            raise error
        if len(self.store) == before:
            raise RuntimeError("the run ended without being recorded; see the panel's output")
        return list(self.store)[-1]

    def restore_best(self) -> Run:
        """Load the best run's weights into the model (bit-exact); later runs with "continue" start there."""
        if self.busy:
            raise RuntimeError("A run is in progress: press Stop first")
        run = self.store.restore_best(self.model)
        self._current = run.id
        self.status.value = status_html(f"The model now holds run {run.id}'s weights "
                                        f"(best {self.store.metric}: {self.store.final_metric(run):.4g}).", "ok")
        return run

    # ---- handlers -----------------------------------------------------------------------------------
    @panel_handler
    def _on_start(self, _button) -> None:
        if self.busy or self.dashboard.busy:
            raise RuntimeError("A run is in progress: press Stop (or wait for it) before starting another")
        if self.hyperparams.error_message:
            raise ValueError(f"Fix the hyperparameters first: {self.hyperparams.error_message}")
        if self.model.num_parameters(trainable_only=True) == 0:
            raise ValueError("Nothing trains: press at least one layer group (usually the head) or a preset")
        extend_snapshot(self.start_weights, self.model.module)  # LoRA adapters attached since: as initialised
        keep = self.continue_box.value
        if not keep:
            load_weights(self.model.module, self.start_weights)
        parent = self._current if keep else None
        config = self.hyperparams.config
        if self.prompts:  # before the Trainer starts, so the run's seconds are training only
            self.status.value = status_html("Generating the sample answers before training…")
        before = samples_or_none(self.model, self.prompts, self.max_new_tokens)
        recorder = _Recorder(self, config, parent, describe_freeze(self.model), before)
        self.dashboard.trainer = ftlab.Trainer(config, callbacks=[*self.callbacks, recorder])
        self._lock(True)
        thread, self._runs_before = self.dashboard.thread, len(self.store)
        self.dashboard.last_error = None
        self.dashboard.start()
        if self.dashboard.thread is thread:  # the dashboard refused (its message is in its output)
            self._lock(False)
            raise RuntimeError(f"The run did not start: {self.dashboard.last_error}")
        start_text = f"run {parent}'s weights" if parent else ("the current weights" if keep else "the starting weights")
        self.status.value = status_html(f"Run {len(self.store) + 1} training from {start_text}…")
        self._watcher = threading.Thread(target=self._after_run, args=(self.dashboard.thread,), daemon=True,
                                         name="ftlab-playground")
        self._watcher.start()

    @panel_handler
    def _on_restore(self, _button) -> None:
        self.restore_best()

    @panel_handler
    def _on_view(self, _change) -> None:
        self._show_runs()

    def _refresh_enabled(self) -> None:
        self.start_button.disabled = self.busy or self.dashboard.busy
        self.restore_button.disabled = self.busy or self.store.best() is None

    # ---- the run's end (training thread, then the watcher thread) ---------------------------------
    def _record(self, config, history, parent: Optional[int], train: tuple, before: Optional[list]) -> None:
        scores = ftlab.evaluate(self.model, self.data["test"]) if self.test else None
        after = samples_or_none(self.model, self.prompts, self.max_new_tokens)
        samples = pair_samples(self.prompts, before, after) if after is not None else None
        run = self.store.add(self.model, config, history, parent=parent, train=train, test_scores=scores,
                             samples=samples)
        self._current = run.id

    def _after_run(self, thread: threading.Thread) -> None:
        thread.join()
        try:
            if len(self.store) == self._runs_before:
                self.status.value = status_html("The run failed before it could be recorded: see the message "
                                                "below the curves.", "error")
            else:
                last = list(self.store)[-1]
                self._add_run_views(last)
            self._show_runs()
        finally:
            self._lock(False)
            self._refresh_enabled()

    def _add_run_views(self, last: Run) -> None:
        chosen = self.overlay.value
        self.overlay.options = [(f"run {r.id}", r.id) for r in self.store]
        self.overlay.value = (*chosen, last.id)
        self.code_run.options = [(f"run {r.id}", r.id) for r in self.store]
        self.code_run.value = last.id
        best = self.store.best()
        self.status.value = status_html(
            f"Run {last.id} recorded ({last.history.stopped_reason}). Best so far: run "
            f"{best.id if best else '–'}. The next Start begins from the starting weights unless ticked.", "ok")

    def _lock(self, on: bool) -> None:
        """Freeze choices and sliders cannot change while a run trains (its optimizer holds the groups)."""
        controls = [*self.freeze_panel.toggles.values(), *self.freeze_panel.preset_buttons.values(),
                    self.continue_box, self.restore_button, *self.sliders.all()]
        self._locked = disable_all(controls) if on else restore_enabled(self._locked)

    # ---- views --------------------------------------------------------------------------------------
    def _show_runs(self) -> None:
        columns = list(self.store.to_frame().columns) or ["run"]
        if list(self.sort_by.options) != columns:
            keep = self.sort_by.value if self.sort_by.value in columns else "run"
            self.sort_by.options, self.sort_by.value = columns, keep
        self.table.value = runs_table_html(self.store, self.sort_by.value, self.descending.value)
        if self.figure is not None:
            update_runs_figure(self.figure, self.store, self.overlay.value)
        if self.code_run.value is not None:
            self.samples.value = samples_html(self.store[self.code_run.value])
            self.code.value = run_code_html(self.store, self.code_run.value, self.load_code, self.data_name,
                                            self.notebook, validation=self.dashboard.val_data is not None)

    def to_html(self) -> str:
        """Static view: the runs table, their curves overlaid, and the code of the latest run."""
        from .static import figure_html

        parts = ["<div class='ftlab-playground'><h3>Playground</h3>"]
        if not len(self.store):
            parts += [self.freeze_panel.to_html(), self.hyperparams.to_html()]
        parts.append(runs_table_html(self.store, self.sort_by.value, self.descending.value))
        if len(self.store):
            last = list(self.store)[-1].id
            parts += [figure_html(runs_figure(self.store)), samples_html(self.store[last]),
                      run_code_html(self.store, last, self.load_code, self.data_name, self.notebook,
                                    validation=self.dashboard.val_data is not None)]
        return "".join(parts) + "</div>"

    def __repr__(self) -> str:
        return f"Playground({self.model.name!r}, {self.store!r})"

