"""The decision guide: a use case, answered as a few explicit questions, in; fine-tune, RAG, both or
neither yet out — with each reason tied to its criterion and, where notebook 06 measured it, to a number.

The criteria (see notebook 06 and docs): retrieval fits knowledge that changes, many knowledge sources,
answers that must follow (and cite) the context; fine-tuning fits a gap in behaviour, format, style or
task, or a shifted input distribution — given enough labelled examples. A model that already does the
job needs neither.

Example:
    >>> d = decide(knowledge_changes_often=True, sources=3, must_cite=True, gap="facts", labelled_examples=0)
    >>> d.recommendation, sorted({r.criterion for r in d.reasons})[:2]
    ('rag', ['changing knowledge', 'citations'])
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

GAPS = ("facts", "behaviour", "both", "none")
RECOMMENDATIONS = ("fine-tune", "rag", "both", "neither yet")
MIN_EXAMPLES = 200  # below this a fine-tune of behaviour is a gamble; notebook 02's learning curves show why


@dataclass(frozen=True)
class Reason:
    """One criterion, what it points to, and the evidence (a measured number where the lab has one)."""

    criterion: str
    points_to: str  # "rag", "fine-tune" or "neither"
    why: str

    def __str__(self) -> str:
        return f"[{self.criterion} → {self.points_to}] {self.why}"


@dataclass
class Decision:
    """What :func:`decide` returns: the recommendation and the reasons behind it."""

    recommendation: str
    reasons: list[Reason] = field(default_factory=list)

    def to_markdown(self) -> str:
        """The decision as a short Markdown list (the DecisionGuide panel and its static fallback show it)."""
        lines = [f"**Recommendation: {self.recommendation}**", ""]
        return "\n".join(lines + [f"- *{r.criterion}* → {r.points_to}: {r.why}" for r in self.reasons])


def _evidence(measured: Optional[dict], key: str, text: str) -> str:
    """``text`` formatted with the measured numbers, or '' when the lab did not measure them."""
    try:
        return " Measured: " + text.format(**measured) if measured and key in measured else ""
    except (KeyError, ValueError):
        return ""


def _check(gap, sources, labelled_examples, latency_budget_ms) -> None:
    if gap not in GAPS:
        raise ValueError(f"gap must be one of {GAPS} (what the model lacks); got {gap!r}")
    for name, value in (("sources", sources), ("labelled_examples", labelled_examples)):
        if not (isinstance(value, int) and value >= 0):
            raise ValueError(f"{name} must be an int >= 0; got {value!r}")
    if latency_budget_ms is not None and not (isinstance(latency_budget_ms, (int, float)) and latency_budget_ms > 0):
        raise ValueError(f"latency_budget_ms must be a positive number or None (no limit); got {latency_budget_ms!r}")


def _knowledge_reasons(changes: bool, sources: int, must_cite: bool, gap: str, m: Optional[dict]) -> list[Reason]:
    out = []
    if changes:
        out.append(Reason("changing knowledge", "rag", "A changed fact is live after re-indexing one document; "
                          "a fine-tuned model keeps the old value until it is retrained." + _evidence(
                              m, "update_rag_s", "re-index {update_rag_s:.2f} s vs retraining {train_s:.0f} s; "
                              "changed-fact accuracy RAG {changed_rag:.0%} vs fine-tuned {changed_ft:.0%}.")))
    if sources >= 2:
        out.append(Reason("many sources", "rag", f"{sources} knowledge sources: an index takes them all, and adding "
                          "one is indexing, not training."))
    if must_cite:
        out.append(Reason("citations", "rag", "Retrieved chunks carry ids the answer can cite; weights cannot say "
                          "where a fact came from."))
    if gap in ("facts", "both"):
        out.append(Reason("missing facts", "rag", "Facts the model never saw are best put in its context." + _evidence(
            m, "rag_contains_gold", "held-out accuracy closed book {closed_contains_gold:.0%}, fine-tuned "
            "{ft_contains_gold:.0%}, RAG {rag_contains_gold:.0%}.")))
    return out


def decide(knowledge_changes_often: bool, sources: int, must_cite: bool, gap: str, labelled_examples: int,
           latency_budget_ms: Optional[float] = None, measured: Optional[dict] = None) -> Decision:
    """Recommend fine-tuning, RAG, both, or neither yet for a use case.

    Args:
        knowledge_changes_often: do the facts the answers need change (prices, people, policies)?
        sources: how many separate knowledge sources (handbooks, wikis, databases) answers draw on.
        must_cite: must answers say where they came from?
        gap: what the base model lacks — "facts", "behaviour" (format, style, task, domain language), "both",
            or "none" (it already does the job).
        labelled_examples: input/output examples you have for fine-tuning.
        latency_budget_ms: per-answer limit, or None. A tight one argues against long retrieved prompts.
        measured: numbers from notebook 06's metrics JSON, quoted in the reasons.

    Example:
        >>> decide(False, 1, False, "behaviour", labelled_examples=5000).recommendation
        'fine-tune'
    """
    _check(gap, sources, labelled_examples, latency_budget_ms)
    reasons = _knowledge_reasons(knowledge_changes_often, sources, must_cite, gap, measured)
    rag = bool(reasons)
    enough = labelled_examples >= MIN_EXAMPLES
    ft = gap in ("behaviour", "both") and enough
    if gap in ("behaviour", "both"):
        reasons.append(Reason("behaviour gap", "fine-tune" if enough else "neither",
                              "Format, style or a new task is learned from examples, not looked up." +
                              ("" if enough else f" But {labelled_examples} examples are fewer than ~{MIN_EXAMPLES}: "
                               "collect and label more (or try prompting) before fine-tuning.")))
    tight = latency_budget_ms is not None and latency_budget_ms < 500
    static_facts = gap == "facts" and not (knowledge_changes_often or must_cite or sources >= 2)
    if tight and static_facts and enough:  # the one case where facts go into weights: stable, uncited, fast
        reasons.append(Reason("latency", "fine-tune", f"A {latency_budget_ms:g} ms budget leaves little room for "
                              "retrieval and a long prompt; stable facts with many paraphrased examples can be trained "
                              "in." + _evidence(measured, "rag_prompt_tokens", "prompt tokens RAG {rag_prompt_tokens:.0f}"
                                                " vs closed book {closed_prompt_tokens:.0f}.")))
        rag, ft = False, True
    if gap == "none":
        reasons.append(Reason("no gap", "neither", "The base model already does the job: measure it on your own "
                              "questions before adding retrieval or training."))
    recommendation = "both" if rag and ft else "rag" if rag else "fine-tune" if ft else "neither yet"
    return Decision(recommendation, reasons)
