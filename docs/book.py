"""`make book`: the curriculum as a static HTML site with executed outputs (plots included).

Each notebook is executed with papermill (profile "ci" by default, ``--profile full`` for the workshop
numbers) — or taken already executed from ``--executed DIR`` (e.g. binder-check's output) — and rendered
with nbconvert's HTML exporter (the JupyterLab look). Links between notebooks (``02_sft….ipynb``) are
rewritten to the rendered pages, an index page lists the chapters, and every internal link and anchor
is checked: the build fails on a broken one.

Example:
    $ make book                       # build/book/index.html
    $ make book PROFILE=full
    $ .venv/bin/python docs/book.py --executed build/binder-check/executed
"""
from __future__ import annotations

import argparse
import html
import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def execute(nb: Path, executed_dir: Path, profile: str) -> Path:
    """Run ``nb`` with papermill into ``executed_dir`` (kept: a rebuild reuses it) and return its path."""
    import papermill as pm

    out = executed_dir / nb.name
    if not out.exists():
        executed_dir.mkdir(parents=True, exist_ok=True)
        metrics = executed_dir / "metrics" / f"{nb.stem}.json"
        pm.execute_notebook(str(nb), str(out), parameters={"profile": profile, "metrics_path": str(metrics)},
                            cwd=str(nb.parent), kernel_name="python3", progress_bar=False)
    return out


def render(executed: Path, pages: set[str]) -> tuple[str, str]:
    """(title, HTML page) of an executed notebook, its links to other chapters pointing at their pages."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(executed, as_version=4)
    _plotly_to_html(nb)
    first = next((c.source for c in nb.cells if c.cell_type == "markdown"), executed.stem)
    title = first.strip().splitlines()[0].lstrip("# ").strip()
    body, _ = HTMLExporter(template_name="lab").from_notebook_node(nb, resources={"metadata": {"name": title}})

    def to_page(match: re.Match) -> str:
        stem = Path(match.group(2)).stem
        return f'{match.group(1)}{stem}.html' if stem in pages else match.group(0)

    return title, re.sub(r'(href=")([^"#:]+\.ipynb)', to_page, body)


PLOTLY_MIME = "application/vnd.plotly.v1+json"


def _plotly_to_html(nb) -> None:
    """Give plotly outputs (stored as JSON, drawn by JupyterLab) an HTML rendering for the static page.

    The first figure of a page loads ``plotly.min.js`` from the site folder (written once by
    :func:`build`), so the book works offline; the others reuse it.
    """
    import plotly.io as pio

    first = True
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if PLOTLY_MIME in data and "text/html" not in data:
                fig = pio.from_json(json.dumps(data[PLOTLY_MIME]))
                data["text/html"] = pio.to_html(fig, full_html=False,
                                                include_plotlyjs="plotly.min.js" if first else False)
                first = False


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])


def broken_links(site: Path) -> list[str]:
    """Every relative link (and #anchor) in the site's pages that points at nothing, as 'page: link'."""
    parsed = {}
    for page in site.glob("*.html"):
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        parsed[page.name] = parser
    broken = []
    for name, parser in sorted(parsed.items()):
        for link in parser.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith("mailto:"):
                continue  # external: not checked offline
            target = unquote(parts.path) or name
            if target not in parsed and not (site / target).exists():
                broken.append(f"{name}: {link}")
            elif parts.fragment and target in parsed and not {parts.fragment, unquote(parts.fragment)} & \
                    parsed[target].ids:  # browsers match the fragment as written, then percent-decoded
                broken.append(f"{name}: {link} (no such anchor)")
    return broken


def build(notebooks: list[Path], site: Path, profile: str = "ci", executed_dir: Path | None = None) -> list[str]:
    """Execute (or reuse), render and index ``notebooks`` into ``site``; return the broken links."""
    from plotly.offline import get_plotlyjs

    site.mkdir(parents=True, exist_ok=True)
    (site / "plotly.min.js").write_text(get_plotlyjs(), encoding="utf-8")
    executed_dir = executed_dir or site / "_executed"
    pages, chapters = {nb.stem for nb in notebooks}, []
    for nb in notebooks:
        title, page = render(execute(nb, executed_dir, profile), pages)
        (site / f"{nb.stem}.html").write_text(page, encoding="utf-8")
        chapters.append(f'<li><a href="{nb.stem}.html">{html.escape(title)}</a></li>')
    index = (f"<!doctype html><html><head><meta charset='utf-8'><title>ftlab curriculum</title></head><body>"
             f"<h1>ftlab: learn supervised fine-tuning by doing it</h1><p>Every page was executed in profile "
             f"<code>{profile}</code>; numbers and plots are real outputs.</p><ol>{''.join(chapters)}</ol>"
             "</body></html>")
    (site / "index.html").write_text(index, encoding="utf-8")
    return broken_links(site)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the curriculum as a static HTML site.")
    parser.add_argument("--profile", default="ci", choices=["ci", "full"])
    parser.add_argument("--executed", type=Path, help="a folder of already executed notebooks to reuse")
    parser.add_argument("--out", type=Path, default=REPO / "build" / "book")
    args = parser.parse_args(argv)
    broken = build(NOTEBOOKS, args.out, args.profile, args.executed)
    for link in broken:
        print(f"broken link: {link}", file=sys.stderr)
    print(f"{len(NOTEBOOKS)} notebooks rendered into {args.out / 'index.html'}; {len(broken)} broken links")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
