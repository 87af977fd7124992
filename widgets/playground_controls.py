"""The Playground's extra controls: sliders linked to HyperparamPanel's typed boxes, the LoRA rank, and
setting the composed panels from code.

A slider writes its value into the HyperparamPanel box of the same field, so the core's one validation
table still decides (an invalid typed value keeps its message); a typed value inside a slider's range
moves the slider. batch_size and max_len also feed FreezePanel's memory estimate.

Example:
    >>> sliders = LinkedSliders(hyperparams, freeze_panel)  # doctest: +SKIP
    >>> sliders["epochs"].value = 3                          # hyperparams.config.epochs == 3  # doctest: +SKIP
"""
from __future__ import annotations

from typing import Any

import ipywidgets as widgets

import ftlab

_STYLE = {"description_width": "110px"}
_W = widgets.Layout(width="330px")


def _sliders(cfg: ftlab.TrainConfig) -> dict[str, widgets.Widget]:
    """The knobs a learner turns most; every other field keeps its typed box."""
    return {
        "epochs": widgets.FloatSlider(value=cfg.epochs, min=0.25, max=10, step=0.25, description="epochs",
                                      style=_STYLE, layout=_W),
        "batch_size": widgets.IntSlider(value=cfg.batch_size, min=1, max=128, description="batch_size",
                                        style=_STYLE, layout=_W),
        "warmup_steps": widgets.IntSlider(value=cfg.warmup_steps, min=0, max=500, step=5, description="warmup_steps",
                                          style=_STYLE, layout=_W),
        "weight_decay": widgets.FloatSlider(value=cfg.weight_decay, min=0, max=0.3, step=0.01, readout_format=".2f",
                                            description="weight_decay", style=_STYLE, layout=_W),
    }


class LinkedSliders:
    """Sliders for epochs, batch_size, warmup_steps, weight_decay and the LoRA rank.

    Args:
        hyperparams: the HyperparamPanel whose boxes the sliders drive.
        freeze_panel: the FreezePanel whose LoRA preset takes the rank and whose memory estimate follows
            batch_size and max_len.
    """

    def __init__(self, hyperparams, freeze_panel):
        self.hyperparams, self.freeze_panel = hyperparams, freeze_panel
        self.sliders = _sliders(hyperparams.config)
        self.lora_rank = widgets.IntSlider(value=8, min=1, max=64, description="LoRA rank r", style=_STYLE, layout=_W,
                                           tooltip="rank of the adapters the LoRA preset attaches")
        self.lora_note = widgets.HTML()
        self._linking = False
        for name, slider in self.sliders.items():
            slider.observe(lambda change, n=name: self._slider_moved(n, change["new"]), "value")
            hyperparams.controls[name].observe(lambda change, n=name: self._box_changed(n, change["new"]), "value")
        hyperparams.controls["max_len"].observe(lambda c: self._estimate_follows("seq_len", c["new"]), "value")
        self.lora_rank.observe(self._rank_moved, "value")
        freeze_panel.preset_buttons["lora"].on_click(lambda _b: self.refresh())  # runs after the panel's freeze
        self._rank_moved({"new": self.lora_rank.value})
        self.widget = widgets.VBox([
            widgets.HTML("<b>Sliders</b> (they set the boxes above; type there for values outside their range)"),
            widgets.HBox([*self.sliders.values()], layout=widgets.Layout(flex_flow="row wrap")),
            widgets.HBox([self.lora_rank, self.lora_note])])
        self.widget.add_class("ftlab-playground-sliders")
        self.refresh()

    def __getitem__(self, name: str) -> widgets.Widget:
        return self.sliders[name]

    def all(self) -> list[widgets.Widget]:
        """Every slider, the LoRA rank included (the Playground locks them during a run)."""
        return [*self.sliders.values(), self.lora_rank]

    def refresh(self) -> None:
        """Disable the rank once LoRA is attached: its rank is fixed until a fresh model is loaded."""
        model = self.freeze_panel.model
        attached = bool(getattr(model, "lora_wrapped", None))
        self.lora_rank.disabled = attached
        self.lora_note.value = ("LoRA attached: the rank is fixed for this model (load a new Playground to change it)"
                                if attached else "used when you press the LoRA preset")

    def _slider_moved(self, name: str, value: Any) -> None:
        if self._linking:
            return
        self._linking = True
        try:
            self.hyperparams.controls[name].value = value  # HyperparamPanel validates it through TrainConfig
        finally:
            self._linking = False
        if name == "batch_size":
            self._estimate_follows("batch_size", value)

    def _box_changed(self, name: str, value: Any) -> None:
        if name == "batch_size":
            self._estimate_follows("batch_size", value)
        slider = self.sliders[name]
        if self._linking or not isinstance(value, (int, float)) or not slider.min <= value <= slider.max:
            return  # the slider cannot show it; the box (and the config) keep the typed value
        self._linking = True
        try:
            slider.value = value
        finally:
            self._linking = False

    def _estimate_follows(self, name: str, value: Any) -> None:
        box = getattr(self.freeze_panel, name)
        if isinstance(value, int) and box.min <= value <= box.max:
            box.value = value

    def _rank_moved(self, change) -> None:
        self.freeze_panel.lora_options["r"] = int(change["new"])


def set_config_values(hyperparams, **changes: Any) -> None:
    """Type ``changes`` into HyperparamPanel's boxes (``max_steps=None`` means 0, "run by epochs").

    Raises:
        ValueError: a field without a control, or the core's message for an invalid value.
    """
    for name, value in changes.items():
        if name not in hyperparams.controls:
            raise ValueError(f"{name!r} has no control in the Playground; use one of {sorted(hyperparams.controls)} "
                             "or lora_r (other TrainConfig fields: pass config=ftlab.TrainConfig(...))")
        hyperparams.controls[name].value = 0 if name == "max_steps" and value is None else value
    if hyperparams.error_message:
        raise ValueError(hyperparams.error_message)


def choose_freeze(freeze_panel, train: "str | list[str]") -> None:
    """Press a FreezePanel preset ("head", "top-2", "all", "lora") or exactly the toggles of ``train``."""
    freeze_panel.last_error = None
    if isinstance(train, str) and train in freeze_panel.preset_buttons:
        freeze_panel.preset_buttons[train].click()
    elif isinstance(train, str):  # another preset, e.g. "top-1": the model resolves it (or says why not)
        freeze_panel.model.freeze(train)
        choose_freeze(freeze_panel, freeze_panel.model.trainable_groups())
    else:
        unknown = [g for g in train if g not in freeze_panel.toggles]
        if unknown:
            raise ValueError(f"Unknown layer group(s) {unknown}; this model has {list(freeze_panel.toggles)}")
        for group, toggle in freeze_panel.toggles.items():
            toggle.value = group in train
    if freeze_panel.last_error is not None:
        raise freeze_panel.last_error


def load_for_playground(model_or_preset, data, task, labels, seed: int) -> tuple:
    """(model, the ``ftlab.load_model(...)`` expression that reloads it) for a preset name or a model."""
    if not isinstance(model_or_preset, str):
        m = model_or_preset
        labels_arg = f", labels={m.labels!r}" if m.labels else ""
        target_arg = f", target={m.target_column!r}" if m.target_column != "label" else ""
        return m, f"ftlab.load_model({m.name!r}, task={m.task!r}{labels_arg}{target_arg})  # as you loaded it (same seed)"
    if labels is None and task in (None, "classification"):
        try:
            labels = data["train"].features["label"].names  # a ClassLabel column carries the names
        except (AttributeError, KeyError, TypeError):
            labels = None  # load_model says what is missing
    model = ftlab.load_model(model_or_preset, task=task, labels=labels, seed=seed)
    labels_arg = f", labels={model.labels!r}" if model.labels else ""
    return model, f"ftlab.load_model({model_or_preset!r}, task={model.task!r}{labels_arg}, seed={seed})"


def disable_all(controls: list) -> dict:
    """Disable ``controls``; returns each one's previous ``disabled`` state for :func:`restore_enabled`."""
    was = {w: w.disabled for w in controls}
    for w in controls:
        w.disabled = True
    return was


def restore_enabled(was: dict) -> dict:
    """Put back the states :func:`disable_all` returned; returns an empty dict (nothing locked)."""
    for w, disabled in was.items():
        w.disabled = disabled
    return {}
