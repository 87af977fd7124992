"""MaskViewer: the live panel and its static HTML show the same roles as ftlab.sft.token_roles."""
import datasets
import pytest

import ftlab
import ftlab.sft as sft
from ftlab.widgets import MaskViewer

from test_sft import CHATML


@pytest.fixture
def lm():
    model = ftlab.load_model("tiny-llama", task="causal-lm")
    model.tokenizer.chat_template = CHATML
    return model


def test_viewer_follows_the_slider_and_padding(lm, monkeypatch):
    monkeypatch.setenv("FTLAB_WIDGETS", "static")
    chats = sft.to_chat(datasets.Dataset.from_list([{"q": "hello", "a": "hi"}, {"q": "name a colour", "a": "red"}]),
                        user="{q}", assistant="{a}")
    viewer = MaskViewer(chats, lm)
    assert viewer.roles.equals(sft.token_roles(chats[0], lm))
    viewer.index.value = 1
    viewer.pad_to.value = 64
    assert viewer.last_error is None
    assert viewer.roles.equals(sft.token_roles(chats[1], lm, pad_to=64))
    bundle = viewer._repr_mimebundle_()
    assert "text/html" in bundle and "padding" in bundle["text/html"] and "<b>example 1</b>" in bundle["text/html"]
    assert viewer.view.value == viewer.to_html()


def test_single_example_and_bad_input(lm):
    viewer = MaskViewer({"prompt": "a b", "completion": " c"}, lm)
    assert viewer.index.disabled and "2 of 4 tokens learned" in viewer.to_html()
    with pytest.raises(ValueError, match="non-empty dataset"):
        MaskViewer([], lm)
