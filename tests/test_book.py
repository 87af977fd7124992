"""docs/book.py renders executed notebooks into a site whose internal links all resolve (and says when not)."""
import importlib.util
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("book", ROOT / "docs" / "book.py")
book = importlib.util.module_from_spec(spec)
spec.loader.exec_module(book)


def _chapter(path, text, code):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell('profile = "ci"\nmetrics_path = "m.json"')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell(text), params, nbformat.v4.new_code_cell(code)]
    nbformat.write(nb, path)
    return path


@pytest.fixture
def chapters(tmp_path):
    src = tmp_path / "notebooks"
    src.mkdir()
    a = _chapter(src / "00_a.ipynb", "# Chapter A\nNext: [chapter B](01_b.ipynb#Part-two).", "print(6 * 7)")
    b = _chapter(src / "01_b.ipynb", "# Chapter B\n## Part two\nBack to [A](00_a.ipynb).", "print(profile)")
    return [a, b]


def test_book_executes_renders_and_links_every_chapter(chapters, tmp_path):
    site = tmp_path / "site"
    assert book.build(chapters, site) == []
    index = (site / "index.html").read_text()
    assert 'href="00_a.html"' in index and "Chapter B" in index
    a = (site / "00_a.html").read_text()
    assert "42" in a  # the executed output is on the page
    assert 'href="01_b.html#Part-two"' in a and ".ipynb" not in a.split("<body")[1].split("Next:")[1][:200]
    assert "ci" in (site / "01_b.html").read_text()


def test_book_reports_a_broken_link_and_a_missing_anchor(chapters, tmp_path):
    site = tmp_path / "site"
    book.build(chapters, site)
    (site / "00_a.html").write_text('<a href="missing.html">x</a><a href="01_b.html#nowhere">y</a>')
    assert sorted(book.broken_links(site)) == ["00_a.html: 01_b.html#nowhere (no such anchor)",
                                               "00_a.html: missing.html"]
