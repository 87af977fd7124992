"""Evaluation: runs a model over data and hands arrays to ``ftlab.metrics`` (which stays pure functions)."""
from .runner import evaluate, lower_is_better, validate

__all__ = ["evaluate", "lower_is_better", "validate"]
