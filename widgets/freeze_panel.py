"""FreezePanel: choose which layer groups train and see trainable parameters and training memory at once.

The panel only calls the model's own methods (``freeze``, ``trainable_groups``, ``num_parameters``,
``estimate_memory``, ``enable_gradient_checkpointing``); anything it shows, a script can compute too.

Example:
    >>> panel = FreezePanel(model, batch_size=32, seq_len=128)  # doctest: +SKIP
    >>> panel.preset_buttons["top-2"].click()                    # same as model.freeze("top-2")  # doctest: +SKIP
"""
from __future__ import annotations

import html

import ipywidgets as widgets

from ._common import Panel, fmt_count, panel_handler
from .static import table_html

PRESETS = {"head": "head only", "top-2": "top-2 + head", "all": "all (full fine-tune)", "lora": "LoRA"}
PRECISIONS = ("fp32", "bf16", "fp16")
OPTIMIZERS = ("adamw", "adam", "sgd")


class FreezePanel(Panel):
    """Toggle per layer group, preset buttons, and a live readout of trainable params and memory.

    Args:
        model: an :class:`ftlab.FTModel`.
        batch_size, seq_len, precision, optimizer: the training setup the memory estimate assumes
            (also editable in the panel).

    Attributes:
        toggles: group name -> ToggleButton (pressed = trains).
        preset_buttons: preset name ("head", "top-2", "all", "lora") -> Button.
        lora_options: keyword arguments the "lora" preset passes to ``model.freeze`` (e.g. ``{"r": 4}``).
        readout: HTML with trainable parameters and the memory estimate.
        output: where handler errors appear.  widget: the whole panel.
    """

    def __init__(self, model, batch_size: int = 32, seq_len: int = 128, precision: str = "fp32",
                 optimizer: str = "adamw"):
        self.model = model
        self.lora_options: dict = {}  # r / alpha / dropout the LoRA preset attaches with (the Playground sets r)
        self._syncing = False
        sizes = model.param_summary().set_index("group")["params"].to_dict()
        self.toggles = {g: widgets.ToggleButton(description=g, tooltip=f"{g}: {sizes.get(g, 0):,} parameters",
                                                layout=widgets.Layout(width="auto"))
                        for g in model.groups}
        self.preset_buttons = {k: widgets.Button(description=v, tooltip=f"model.freeze({k!r})",
                                                 layout=widgets.Layout(width="auto"))
                               for k, v in PRESETS.items()}
        self.batch_size = widgets.BoundedIntText(value=batch_size, min=1, max=1_000_000, description="batch size",
                                                 layout=widgets.Layout(width="190px"))
        self.seq_len = widgets.BoundedIntText(value=seq_len, min=1, max=1_000_000, description="seq len",
                                              layout=widgets.Layout(width="190px"))
        self.precision = widgets.Dropdown(options=PRECISIONS, value=precision, description="precision",
                                          layout=widgets.Layout(width="190px"))
        self.optimizer = widgets.Dropdown(options=OPTIMIZERS, value=optimizer, description="optimizer",
                                          layout=widgets.Layout(width="190px"))
        self.checkpointing = widgets.Checkbox(value=False, description="gradient checkpointing", indent=False)
        self.readout = widgets.HTML()
        self.readout.add_class("ftlab-freeze-readout")
        self.output = widgets.Output()
        for t in self.toggles.values():
            t.observe(self._toggle_changed, "value")
        for b in self.preset_buttons.values():
            b.on_click(self._on_preset)
        for w in (self.batch_size, self.seq_len, self.precision, self.optimizer):
            w.observe(self._on_setting, "value")
        self.checkpointing.observe(self._on_checkpointing, "value")
        self.widget = widgets.VBox([
            widgets.HTML("<b>Which layer groups train?</b> (pressed = trainable, bottom → top)"),
            widgets.HBox(list(self.toggles.values()), layout=widgets.Layout(flex_flow="row wrap")),
            widgets.HBox([widgets.HTML("presets:"), *self.preset_buttons.values()],
                         layout=widgets.Layout(flex_flow="row wrap")),
            widgets.HBox([self.batch_size, self.seq_len, self.precision, self.optimizer, self.checkpointing],
                         layout=widgets.Layout(flex_flow="row wrap")),
            self.readout, self.output])
        self.widget.add_class("ftlab-freeze-panel")
        self._sync()
        self._refresh_enabled()

    # ---- state read from the model ----------------------------------------------------------------
    @property
    def lora(self) -> bool:
        """True once LoRA adapters are attached (then layer toggles no longer apply)."""
        return bool(getattr(self.model, "lora_wrapped", None))

    @property
    def estimate(self):
        """The model's MemoryEstimate for the panel's batch size, sequence length and precision."""
        return self.model.estimate_memory(batch_size=self.batch_size.value, seq_len=self.seq_len.value,
                                          precision=self.precision.value, optimizer=self.optimizer.value,
                                          gradient_checkpointing=self.checkpointing.value)

    def _sync(self) -> None:
        """Press exactly the toggles of the groups that train, then redraw the readout."""
        trainable = set(self.model.trainable_groups())
        self._syncing = True
        try:
            for g, t in self.toggles.items():
                t.value = g in trainable
                t.button_style = "success" if t.value else ""
                t.icon = "unlock" if t.value else "lock"
        finally:
            self._syncing = False
        self.readout.value = self._readout_html()

    def _refresh_enabled(self) -> None:
        lora = self.lora
        for t in self.toggles.values():
            t.disabled = lora
        for b in self.preset_buttons.values():
            b.disabled = lora

    # ---- handlers ---------------------------------------------------------------------------------
    def _toggle_changed(self, change) -> None:
        if not self._syncing:  # _sync() presses toggles to mirror the model; that is not a user choice
            self._on_toggle(change)

    @panel_handler
    def _on_toggle(self, change) -> None:
        self.model.freeze([g for g, t in self.toggles.items() if t.value])
        self._sync()

    @panel_handler
    def _on_preset(self, button) -> None:
        name = next(k for k, b in self.preset_buttons.items() if b is button)
        self.model.freeze(name, **(self.lora_options if name == "lora" else {}))
        self._sync()

    @panel_handler
    def _on_setting(self, change) -> None:
        self.readout.value = self._readout_html()

    @panel_handler
    def _on_checkpointing(self, change) -> None:
        self.model.set_gradient_checkpointing(bool(change["new"]))
        self.readout.value = self._readout_html()

    # ---- rendering --------------------------------------------------------------------------------
    def _readout_html(self) -> str:
        m = self.model
        trainable, total = m.num_parameters(trainable_only=True), m.num_parameters()
        est = self.estimate
        groups = ", ".join(m.trainable_groups()) or "none"
        lines = [f"<b>Trainable parameters: {trainable:,} of {total:,} ({100 * trainable / max(1, total):.2f}%)</b>"
                 f" — {fmt_count(trainable)} of {fmt_count(total)}; groups training: {html.escape(groups)}"]
        if trainable == 0:
            lines.append("<span style='color:#9a6700'>Nothing trains: press at least one group (usually the head).</span>")
        if self.lora:
            with_head = " with the head" if "head" in m.trainable_groups() else ""
            lines.append("<span style='color:#9a6700'>LoRA is attached: the original weights stay frozen and small "
                         f"rank-r adapters in each layer train{with_head}, so the layer toggles and presets are "
                         "disabled. Load a fresh model to choose layers again.</span>")
        parts = [("weights", est.weights_mb), ("gradients", est.gradients_mb), ("optimizer state", est.optimizer_mb),
                 ("activations", est.activations_mb)]
        cells = "".join(f"<td style='padding:0 10px'>{name}<br><b>{mb:,.1f}</b></td>" for name, mb in parts)
        cells += f"<td style='padding:0 10px'>total<br><b>{est.total_mb:,.1f} MiB</b></td>"
        setup = (f"batch {self.batch_size.value} × {self.seq_len.value} tokens, {self.precision.value}, "
                 f"{self.optimizer.value}{', gradient checkpointing' if self.checkpointing.value else ''}")
        lines.append(f"Estimated training memory (MiB) for {html.escape(setup)}:"
                     f"<table class='ftlab-memory'><tr>{cells}</tr></table>")
        return "<br>".join(lines)

    def to_html(self) -> str:
        """Static view: per-group table plus the readout (for papermill/nbval/GitHub)."""
        table = table_html(self.model.param_summary().to_dict("records"), caption="Layer groups")
        return f"<div class='ftlab-freeze-panel'>{table}{self._readout_html()}</div>"

    def __repr__(self) -> str:
        return f"FreezePanel({self.model!r})"
