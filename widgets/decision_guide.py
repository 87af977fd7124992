"""DecisionGuide: answer six questions about a use case and read fine-tune / RAG / both / neither yet, with reasons.

The panel owns no logic: every change calls :func:`ftlab.rag.decide` with the controls' values (and the
numbers notebook 06 measured, when given) and shows the returned decision. Without a widget front end it
renders the same decision as static HTML, plus the scenario cards' table.

Example:
    >>> guide = DecisionGuide(measured=metrics)                           # doctest: +SKIP
    >>> guide.gap.value = "behaviour"; guide.decision.recommendation      # doctest: +SKIP
"""
from __future__ import annotations

import html

import ipywidgets as widgets

from ftlab.rag import SCENARIOS, decide
from ftlab.rag.decide import GAPS

from ._common import Panel, panel_handler
from .static import table_html


class DecisionGuide(Panel):
    """Controls for :func:`ftlab.rag.decide`'s questions and a live recommendation.

    Args:
        measured: optional numbers from notebook 06 (its metrics JSON) quoted in the reasons.
        **answers: starting answers, e.g. ``gap="facts"``, ``sources=3`` (defaults: a changing handbook).

    Attributes:
        changes, sources, cite, gap, examples, latency: the controls.  decision: the current Decision.
        result: HTML showing it.  output: where handler errors appear.  widget: the whole panel.
    """

    def __init__(self, measured: "dict | None" = None, **answers):
        self.measured = measured
        a = {"knowledge_changes_often": True, "sources": 1, "must_cite": False, "gap": "facts",
             "labelled_examples": 100, "latency_budget_ms": None, **answers}
        self.changes = widgets.Checkbox(value=a["knowledge_changes_often"], description="knowledge changes often", indent=False)
        self.sources = widgets.BoundedIntText(value=a["sources"], min=0, max=10_000, description="sources")
        self.cite = widgets.Checkbox(value=a["must_cite"], description="answers must cite sources", indent=False)
        self.gap = widgets.Dropdown(options=GAPS, value=a["gap"], description="model lacks")
        self.examples = widgets.BoundedIntText(value=a["labelled_examples"], min=0, max=10**9, description="labelled ex.")
        self.latency = widgets.BoundedIntText(value=a["latency_budget_ms"] or 0, min=0, max=10**7,
                                              description="latency ms", tooltip="per-answer budget; 0 = no limit")
        self.result = widgets.HTML()
        self.output = widgets.Output()
        for w in (self.changes, self.sources, self.cite, self.gap, self.examples, self.latency):
            w.observe(self._on_change, "value")
        self.widget = widgets.VBox([widgets.HTML("<b>Fine-tune or RAG?</b> Describe the use case:"),
                                    widgets.HBox([self.changes, self.cite]),
                                    widgets.HBox([self.sources, self.gap]), widgets.HBox([self.examples, self.latency]),
                                    self.result, self.output])
        self.widget.add_class("ftlab-decision-guide")
        self.decision = None
        self._update()

    def answers(self) -> dict:
        """The controls as keyword arguments of :func:`ftlab.rag.decide`."""
        return {"knowledge_changes_often": self.changes.value, "sources": self.sources.value,
                "must_cite": self.cite.value, "gap": self.gap.value, "labelled_examples": self.examples.value,
                "latency_budget_ms": self.latency.value or None}

    def _update(self) -> None:
        self.decision = decide(**self.answers(), measured=self.measured)
        self.result.value = self._decision_html()

    @panel_handler
    def _on_change(self, change) -> None:
        self._update()

    def _decision_html(self) -> str:
        items = "".join(f"<li><i>{html.escape(r.criterion)}</i> → {html.escape(r.points_to)}: {html.escape(r.why)}</li>"
                        for r in self.decision.reasons)
        return (f"<div class='ftlab-decision'><b>Recommendation: {html.escape(self.decision.recommendation)}</b>"
                f"<ul>{items}</ul></div>")

    def to_html(self) -> str:
        """Static fallback: the answers, the decision, and the scenario cards with the guide's verdicts."""
        answers = "".join(f"<li>{html.escape(k)} = {html.escape(repr(v))}</li>" for k, v in self.answers().items())
        rows = [{"scenario": s["title"], "expected": s["expected"],
                 "guide says": decide(**s["answers"], measured=self.measured).recommendation} for s in SCENARIOS]
        return (f"<div><b>Fine-tune or RAG?</b><ul>{answers}</ul>{self._decision_html()}"
                f"<p>Scenario cards</p>{table_html(rows)}</div>")

    def __repr__(self) -> str:
        return f"DecisionGuide({self.answers()} -> {self.decision.recommendation})"
