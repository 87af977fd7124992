"""HyperparamPanel: set the training knobs, validated by TrainConfig itself, and copy the same run as code.

Every change builds a :class:`ftlab.TrainConfig` through the core validation. An invalid value shows
the core's own message inline and ``.config`` keeps the last valid config. The panel also writes the
equivalent Python call and papermill command, so a run found by hand can be repeated unattended.

Example:
    >>> panel = HyperparamPanel(ftlab.TrainConfig(lr=1e-4))  # doctest: +SKIP
    >>> trainer = ftlab.Trainer(panel.config)                # doctest: +SKIP
"""
from __future__ import annotations

import shlex
from typing import Any, Optional

import ipywidgets as widgets

from ftlab.config import OPTIMIZERS, SCHEDULERS, TrainConfig
from ftlab.runs import clean_value, config_code, non_default_fields

from ._common import Panel, panel_handler, status_html
from .static import pre_html, table_html

_W = widgets.Layout(width="275px")
_STYLE = {"description_width": "125px"}


def _controls(cfg: TrainConfig) -> dict[str, widgets.Widget]:
    """One widget per TrainConfig field the panel edits (names from the glossary)."""
    return {
        "lr": widgets.FloatText(value=cfg.lr, description="lr", layout=_W, style=_STYLE),
        "batch_size": widgets.IntText(value=cfg.batch_size, description="batch_size", layout=_W, style=_STYLE),
        "epochs": widgets.FloatText(value=cfg.epochs, description="epochs", layout=_W, style=_STYLE),
        "max_steps": widgets.IntText(value=cfg.max_steps or 0, description="max_steps", layout=_W, style=_STYLE,
                                     tooltip="0 = run by epochs"),
        "warmup_steps": widgets.IntText(value=cfg.warmup_steps, description="warmup_steps", layout=_W, style=_STYLE),
        "weight_decay": widgets.FloatText(value=cfg.weight_decay, description="weight_decay", layout=_W, style=_STYLE),
        "optimizer": widgets.Dropdown(options=OPTIMIZERS, value=cfg.optimizer, description="optimizer", layout=_W,
                                      style=_STYLE),
        "scheduler": widgets.Dropdown(options=SCHEDULERS, value=cfg.scheduler, description="scheduler", layout=_W,
                                      style=_STYLE),
        "grad_accum_steps": widgets.IntText(value=cfg.grad_accum_steps, description="grad_accum_steps", layout=_W,
                                            style=_STYLE),
        "max_len": widgets.IntText(value=cfg.max_len, description="max_len", layout=_W, style=_STYLE),
        "seed": widgets.IntText(value=cfg.seed, description="seed", layout=_W, style=_STYLE),
    }


def papermill_command(notebook: str, output_notebook: str, params: dict[str, Any]) -> str:
    """``papermill NOTEBOOK OUT -p name value …`` (lists as YAML flow lists with ``-y``)."""
    parts = ["papermill", shlex.quote(notebook), shlex.quote(output_notebook)]
    for k, v in params.items():
        if isinstance(v, (list, tuple, dict)):
            parts += ["-y", shlex.quote(f"{k}: {list(v)!r}")]  # YAML flow list
        else:
            parts += ["-p", k, shlex.quote(str(clean_value(v)))]
    return " ".join(parts)


class HyperparamPanel(Panel):
    """Controls for lr (log slider + exact value), batch size, epochs, max steps, warmup, weight decay,
    optimizer, scheduler, grad accumulation, max length and seed.

    Args:
        config: starting TrainConfig (default ``TrainConfig()``); fields without a control are kept.
        notebook: the notebook path used in the papermill command.
        output_notebook: where papermill would write the executed copy.

    Attributes:
        config: the last valid TrainConfig.  error: HTML with the core's message when a value is invalid
            (``error_message``: the same text, plain).
        controls: field name -> widget.  python_code / papermill_command: the same run as text.
    """

    def __init__(self, config: Optional[TrainConfig] = None, notebook: str = "notebooks/00_quickstart.ipynb",
                 output_notebook: str = "out.ipynb"):
        self._config = config if config is not None else TrainConfig()
        self.notebook, self.output_notebook = notebook, output_notebook
        self.controls = _controls(self._config)
        self.lr_slider = widgets.FloatLogSlider(value=self._config.lr, base=10, min=-7, max=0, step=0.05,
                                                description="lr (log)", readout_format=".1e",
                                                layout=widgets.Layout(width="420px"), style=_STYLE)
        self.error = widgets.HTML()
        self.error.add_class("ftlab-config-error")
        self.code = widgets.HTML()
        self.output = widgets.Output()
        self._linking = False
        self.error_message = ""  # the core's ValueError text while a value is invalid, else ""
        self.lr_slider.observe(self._on_slider, "value")
        for w in self.controls.values():
            w.observe(self._on_change, "value")
        names = list(self.controls)
        grid = widgets.GridBox([self.controls[n] for n in names],
                               layout=widgets.Layout(grid_template_columns="repeat(3, 285px)"))
        self.widget = widgets.VBox([widgets.HTML("<b>Hyperparameters</b> (validated by ftlab.TrainConfig)"),
                                    self.lr_slider, grid, self.error, self.code, self.output])
        self.widget.add_class("ftlab-hyperparam-panel")
        self._render()

    # ---- the config and its text forms -----------------------------------------------------------
    @property
    def config(self) -> TrainConfig:
        """The last valid TrainConfig (pass it to ``ftlab.Trainer``)."""
        return self._config

    @property
    def python_code(self) -> str:
        """``ftlab.TrainConfig(...)`` with only the fields that differ from the defaults."""
        return config_code(self._config)

    @property
    def papermill_command(self) -> str:
        """The papermill call that runs ``notebook`` with these hyperparameters as parameters."""
        return papermill_command(self.notebook, self.output_notebook, non_default_fields(self._config))

    def values(self) -> dict[str, Any]:
        """What the controls hold now, as TrainConfig keyword arguments (max_steps 0 -> None)."""
        vals = {k: w.value for k, w in self.controls.items()}
        vals["max_steps"] = vals["max_steps"] or None
        return vals

    # ---- handlers --------------------------------------------------------------------------------
    @panel_handler
    def _on_change(self, change) -> None:
        if change.get("owner") is self.controls["lr"] and not self._linking:
            value = change["new"]
            if 10 ** self.lr_slider.min <= value <= 10 ** self.lr_slider.max:  # the slider cannot show others
                self._linking = True
                try:
                    self.lr_slider.value = value
                finally:
                    self._linking = False
        try:
            self._config = self._config.replace(**self.values())
        except ValueError as err:  # the core's message, e.g. "TrainConfig.lr must be a float in (0, 1]; got -3.0"
            self.error_message = str(err)
            self.error.value = status_html(str(err), "error") + status_html(
                "  (.config keeps the last valid settings)", "info")
            return
        self.error_message = self.error.value = ""
        self._render()

    @panel_handler
    def _on_slider(self, change) -> None:
        if self._linking:
            return
        self._linking = True
        try:
            self.controls["lr"].value = float(f"{change['new']:.3g}")  # fires _on_change, which rebuilds the config
        finally:
            self._linking = False

    def _render(self) -> None:
        self.code.value = ("Equivalent Python:" + pre_html(self.python_code)
                           + "Equivalent papermill run:" + pre_html(self.papermill_command))

    def to_html(self) -> str:
        """Static view: the config table, then the Python call and papermill command."""
        fields = {k: clean_value(v) for k, v in self._config.to_dict().items() if k in self.controls}
        return (f"<div class='ftlab-hyperparam-panel'>{table_html(fields, caption='TrainConfig')}"
                f"{self.error.value}{self.code.value}</div>")

    def __repr__(self) -> str:
        return f"HyperparamPanel({self.python_code})"

