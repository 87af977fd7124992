"""Small, dependency-free HTML helpers for the reports' ``_repr_html_`` (and the data widget).

Output is plain HTML with inline styles and no scripts, so it renders the same in JupyterLab,
in nbval/papermill outputs and on GitHub.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence

CELL = "padding:2px 8px;border-bottom:1px solid #ddd;text-align:left;vertical-align:top"
WARN_BG = "#fff3cd"


def shorten(text: object, limit: int = 160, mark_empty: bool = False) -> str:
    """Cut a text to ``limit`` characters (adding "…"); ``mark_empty`` makes blank text visible.

    Example:
        >>> shorten("a" * 10, 4)
        'aaa…'
        >>> shorten("  ", mark_empty=True)
        '(whitespace only)'
    """
    missing = text is None or (isinstance(text, float) and math.isnan(text))
    value = "" if missing else str(text)
    if mark_empty and not value.strip():
        return "(empty)" if not value else "(whitespace only)"
    return value if len(value) <= limit else value[: limit - 1] + "…"


def html_table(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    highlight: Iterable[bool] | None = None,
    limit: int = 160,
) -> str:
    """Render rows as an HTML table; cells are escaped and shortened, flagged rows shaded.

    Example:
        >>> html_table(["check", "value"], [["empty rows", 0]]).startswith("<table")
        True
    """
    marks = list(highlight) if highlight is not None else None
    head = "".join(f'<th style="{CELL}">{html.escape(str(h))}</th>' for h in header)
    body = []
    for k, row in enumerate(rows):
        style = f' style="background:{WARN_BG}"' if marks and marks[k] else ""
        cells = "".join(f'<td style="{CELL}">{html.escape(shorten(c, limit))}</td>' for c in row)
        body.append(f"<tr{style}>{cells}</tr>")
    return (
        '<table style="border-collapse:collapse;font-size:12px;margin:4px 0">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def html_section(title: str, body: str, open_: bool = False) -> str:
    """A collapsible ``<details>`` block, so long example lists do not swamp the notebook."""
    flag = " open" if open_ else ""
    return f"<details{flag}><summary><b>{html.escape(title)}</b></summary>{body}</details>"
