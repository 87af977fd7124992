"""Twelve scenario cards for the decision guide: a use case, its answers to :func:`ftlab.rag.decide`'s
questions, the recommendation a practitioner would give and the criteria that must appear in the reasons.

Example:
    >>> len(SCENARIOS), SCENARIOS[0]["title"]
    (12, 'HR help desk on a changing handbook')
"""
from __future__ import annotations

SCENARIOS: list[dict] = [
    {"title": "HR help desk on a changing handbook", "expected": "rag", "criteria": ["changing knowledge", "citations"],
     "answers": dict(knowledge_changes_often=True, sources=1, must_cite=True, gap="facts", labelled_examples=50)},
    {"title": "Support bot over product docs, a wiki and release notes", "expected": "rag",
     "criteria": ["many sources"],
     "answers": dict(knowledge_changes_often=True, sources=3, must_cite=False, gap="facts", labelled_examples=0)},
    {"title": "Legal clause lookup that must quote the contract", "expected": "rag", "criteria": ["citations"],
     "answers": dict(knowledge_changes_often=False, sources=1, must_cite=True, gap="facts", labelled_examples=300)},
    {"title": "Reply in the company's house style and JSON format", "expected": "fine-tune",
     "criteria": ["behaviour gap"],
     "answers": dict(knowledge_changes_often=False, sources=0, must_cite=False, gap="behaviour", labelled_examples=3000)},
    {"title": "Classify support tickets into 40 internal queues", "expected": "fine-tune",
     "criteria": ["behaviour gap"],
     "answers": dict(knowledge_changes_often=False, sources=0, must_cite=False, gap="behaviour", labelled_examples=20000)},
    {"title": "Clinical notes: shifted vocabulary, answers from current guidelines", "expected": "both",
     "criteria": ["behaviour gap", "changing knowledge"],
     "answers": dict(knowledge_changes_often=True, sources=2, must_cite=True, gap="both", labelled_examples=5000)},
    {"title": "Sales assistant: brand voice plus today's price list", "expected": "both",
     "criteria": ["behaviour gap", "changing knowledge"],
     "answers": dict(knowledge_changes_often=True, sources=1, must_cite=False, gap="both", labelled_examples=1500)},
    {"title": "General chit-chat the base model already handles", "expected": "neither yet", "criteria": ["no gap"],
     "answers": dict(knowledge_changes_often=False, sources=0, must_cite=False, gap="none", labelled_examples=0)},
    {"title": "New output format, but only 30 examples so far", "expected": "neither yet",
     "criteria": ["behaviour gap"],
     "answers": dict(knowledge_changes_often=False, sources=0, must_cite=False, gap="behaviour", labelled_examples=30)},
    {"title": "On-device autocomplete of a fixed product catalogue under 100 ms", "expected": "fine-tune",
     "criteria": ["latency"],
     "answers": dict(knowledge_changes_often=False, sources=1, must_cite=False, gap="facts", labelled_examples=10000,
                     latency_budget_ms=100)},
    {"title": "Research assistant over many papers, few labels", "expected": "rag",
     "criteria": ["many sources", "citations"],
     "answers": dict(knowledge_changes_often=True, sources=50, must_cite=True, gap="facts", labelled_examples=20)},
    {"title": "Internal jargon summaries with facts from a changing wiki, 40 examples", "expected": "rag",
     "criteria": ["behaviour gap", "changing knowledge"],
     "answers": dict(knowledge_changes_often=True, sources=1, must_cite=False, gap="both", labelled_examples=40)},
]
