"""Shared pieces of the panels: front-end detection, the handler discipline, static display.

Every panel wraps core objects and follows one discipline (see DESIGN.md): a handler disables its
button, runs inside the panel's Output area, shows any error there (ipywidgets would otherwise
swallow it) and re-enables in ``finally``.

Example:
    >>> widget_frontend()  # plain python: no front end, panels render static HTML
    False
"""
from __future__ import annotations

import functools
import html
import os
import sys
from typing import Any, Callable

import ipywidgets as widgets

ENV_MODE = "FTLAB_WIDGETS"  # "live" forces widgets, "static" forces HTML, unset = detect


def widget_frontend() -> bool:
    """True when a widget front end (JupyterLab, Notebook 7, VS Code, Colab) will render live widgets.

    papermill, nbval and plain python start kernels without a jupyter-server session, so they get
    static HTML that survives in the executed notebook. Override with ``FTLAB_WIDGETS=live|static``.
    """
    mode = os.environ.get(ENV_MODE, "").strip().lower()
    if mode in ("live", "static"):
        return mode == "live"
    if "ipykernel" not in sys.modules:
        return False
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - ipykernel always brings IPython
        return False
    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        return False
    # jupyter-server sets JPY_SESSION_NAME for kernels it starts for a notebook; Colab and VS Code
    # have their own markers. papermill/nbval launch kernels directly, without any of these.
    return "JPY_SESSION_NAME" in os.environ or "google.colab" in sys.modules or "VSCODE_PID" in os.environ


def show_error(output: widgets.Output, exc: BaseException) -> None:
    """Append ``Type: message`` to an Output area (works from any thread and without a kernel)."""
    text = f"{type(exc).__name__}: {exc}\n"
    output.outputs = (*output.outputs, {"output_type": "stream", "name": "stderr", "text": text})


def output_text(output: widgets.Output) -> str:
    """All text in an Output area (streams and text/plain), for tests and status lines."""
    parts = []
    for item in output.outputs:
        parts.append(item.get("text") or item.get("data", {}).get("text/plain", ""))
    return "".join(parts)


def panel_handler(fn: Callable) -> Callable:
    """Decorate a panel method used as a button click or ``observe`` callback.

    Disables the clicked button, runs ``fn`` inside ``self.output``, shows an exception there (and
    keeps it as ``self.last_error``), and in ``finally`` re-enables: through the panel's
    ``_refresh_enabled()`` when it has one (the panel knows which buttons its state allows), else by
    restoring the button.
    """

    @functools.wraps(fn)
    def wrapper(self, source: Any = None, *args: Any, **kwargs: Any) -> Any:
        owner = source.get("owner") if isinstance(source, dict) else source
        button = owner if isinstance(owner, (widgets.Button, widgets.ToggleButton)) else None
        was_disabled = button.disabled if button is not None else None
        if button is not None:
            button.disabled = True
        try:
            # the try sits inside the `with`: in a kernel, Output.__exit__ swallows exceptions itself
            # (printing a raw traceback), so an outer except would never run there
            with self.output:
                try:
                    return fn(self, source, *args, **kwargs)
                except Exception as exc:  # shown to the learner instead of being logged and lost
                    self.last_error = exc
                    show_error(self.output, exc)
                    return None
        finally:
            refresh = getattr(self, "_refresh_enabled", None)
            if refresh is not None:
                refresh()
            elif button is not None:
                button.disabled = was_disabled

    return wrapper


def status_html(text: str, tone: str = "info") -> str:
    """A one-line coloured status message (tone: info, ok, warn, error)."""
    color = {"info": "#333", "ok": "#1a7f37", "warn": "#9a6700", "error": "#b3261e"}[tone]
    return f"<span style='color:{color}'>{html.escape(text)}</span>"


def fmt_count(n: float) -> str:
    """1234567 -> '1.23 M', 8544 -> '8.5 K'."""
    for unit, size in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n:.0f}"


class Panel:
    """Display logic shared by the panels: a live widget where a front end exists, static HTML elsewhere.

    Subclasses set ``self.widget`` and ``self.output`` and implement ``to_html()``.
    """

    widget: widgets.Widget
    output: widgets.Output
    last_error: "Exception | None" = None

    def to_html(self) -> str:  # pragma: no cover - every panel overrides it
        raise NotImplementedError

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        if widget_frontend():
            return self.widget._repr_mimebundle_(include=include, exclude=exclude)
        return {"text/html": self.to_html(), "text/plain": repr(self)}

    def show(self) -> None:
        """Display the panel: live widgets in JupyterLab, a static HTML snapshot elsewhere.

        Outside IPython (plain python) the static HTML is printed.
        """
        try:
            from IPython import get_ipython
            from IPython.display import display
        except ImportError:  # pragma: no cover
            get_ipython = None
        if get_ipython is not None and get_ipython() is not None:
            display(self)
        else:
            print(self.to_html())
