"""Callback events a panel or a script can hook: fit start, step end, eval end, fit end.

Raise :class:`StopTraining` from any event to end the fit cleanly between steps (the model and the
history are kept). Example:

    >>> class StopAtLoss(Callback):
    ...     def on_step_end(self, trainer, row):
    ...         if row["loss"] < 0.1:
    ...             raise StopTraining("loss below 0.1")
"""
from __future__ import annotations


class StopTraining(Exception):
    """Raised by a callback to stop training after the current step; the message becomes the stop reason."""


class Callback:
    """Override any of the four events; each receives the trainer first."""

    def on_fit_start(self, trainer, model) -> None: ...

    def on_step_end(self, trainer, row: dict) -> None: ...

    def on_eval_end(self, trainer, row: dict) -> None: ...

    def on_fit_end(self, trainer, history) -> None: ...


def fire(callbacks: list, event: str, *args) -> None:
    """Call ``event`` on every callback in order."""
    for cb in callbacks:
        getattr(cb, event)(*args)
