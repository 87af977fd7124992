"""MaskViewer: one SFT example's tokens coloured by what the loss learns (answer, end-of-turn) and what it
does not (template, system, user, padding), with counts.

A skin over :func:`ftlab.sft.token_roles` and :func:`ftlab.sft.mask_html`: the panel only picks the example
and the padding to show. Without a widget front end (papermill, nbval, GitHub) it renders the same HTML statically.

Example:
    >>> viewer = MaskViewer(chats, lm)       # a dataset: a slider picks the example  # doctest: +SKIP
    >>> viewer.index.value = 3; viewer.pad_to.value = 64                              # doctest: +SKIP
    >>> viewer.roles.role.value_counts()                                              # doctest: +SKIP
"""
from __future__ import annotations

import html

import ipywidgets as widgets

from ftlab.sft import mask_html, role_counts, token_roles

from ._common import Panel, panel_handler


class MaskViewer(Panel):
    """Tokens of one example coloured by role; hover a token for its position, id and label.

    Args:
        example: one example (a dict with ``messages``, ``prompt``/``completion``, ``text``, or tokenized
            ``input_ids``/``labels``) or a dataset of them (a slider then picks the row).
        model: the causal-LM FTModel (or its tokenizer) whose chat template and tokenizer are shown.
        pad_to: show the row right-padded to this many tokens (0 = no padding), as in a training batch.

    Attributes:
        index: IntSlider over the dataset's rows (disabled for a single example).  pad_to: IntSlider.
        roles: the current :func:`ftlab.sft.token_roles` table.  view: HTML.  output: handler errors.
    """

    def __init__(self, example, model, pad_to: int = 0):
        self.model = model
        self.rows = [example] if isinstance(example, dict) else example
        if len(self.rows) == 0:
            raise ValueError("MaskViewer needs an example or a non-empty dataset; got an empty one")
        self.index = widgets.IntSlider(value=0, min=0, max=len(self.rows) - 1, description="example",
                                       disabled=len(self.rows) == 1, continuous_update=False)
        self.pad_to = widgets.IntSlider(value=pad_to, min=0, max=512, step=8, description="pad to",
                                        continuous_update=False)
        self.view = widgets.HTML()
        self.output = widgets.Output()
        for control in (self.index, self.pad_to):
            control.observe(self._on_change, names="value")
        self.widget = widgets.VBox([widgets.HBox([self.index, self.pad_to]), self.view, self.output])
        self.widget.add_class("ftlab-mask-viewer")
        self.refresh()

    @panel_handler
    def _on_change(self, change) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Recompute the roles of the chosen example and redraw."""
        self.roles = token_roles(self.rows[self.index.value], self.model, pad_to=self.pad_to.value or None)
        self.view.value = self.to_html()

    def to_html(self) -> str:
        """Static view of the current example (the same markup the live panel shows)."""
        return f"<b>example {html.escape(str(self.index.value))}</b>{mask_html(self.roles)}"

    def __repr__(self) -> str:
        return f"MaskViewer(example {self.index.value}: {role_counts(self.roles)})"
