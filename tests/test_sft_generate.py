"""ftlab.models.generate on the tiny random Llama: deterministic, batch-invariant, leaves no state behind."""
import pytest

import ftlab
from ftlab.models.generate import generate

CHATML = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
          "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


@pytest.fixture
def lm():
    return ftlab.load_model("tiny-llama", task="causal-lm")


PROMPTS = ["the cat sat on the mat", "hello", "a much longer prompt with many words in it than the others"]


def test_greedy_is_deterministic_and_returns_only_new_text(lm):
    first = generate(lm, PROMPTS, max_new_tokens=6)
    assert first == generate(lm, PROMPTS, max_new_tokens=6)
    assert len(first) == 3 and all(isinstance(t, str) and t for t in first)
    assert not any(t.startswith(p) for t, p in zip(first, PROMPTS))  # the prompt is not echoed


def test_batched_equals_one_by_one(lm):
    batched = generate(lm, PROMPTS, max_new_tokens=6, batch_size=3)
    single = [generate(lm, p, max_new_tokens=6)[0] for p in PROMPTS]
    assert batched == single


def test_restores_train_mode_and_padding_side(lm):
    lm.module.train()
    side = lm.tokenizer.padding_side
    generate(lm, "hello", max_new_tokens=2)
    assert lm.module.training and lm.tokenizer.padding_side == side
    lm.module.eval()
    generate(lm, "hello", max_new_tokens=2)
    assert not lm.module.training


def test_sampling_is_seeded(lm):
    a = generate(lm, PROMPTS, max_new_tokens=6, temperature=1.0, seed=3)
    assert a == generate(lm, PROMPTS, max_new_tokens=6, temperature=1.0, seed=3)


def test_chat_prompts_use_the_template(lm):
    with pytest.raises(ValueError, match="no chat template"):
        generate(lm, [{"role": "user", "content": "hi"}], max_new_tokens=2)
    lm.tokenizer.chat_template = CHATML
    chats = [[{"role": "user", "content": "hi"}], [{"role": "user", "content": "good morning to you"}]]
    out = generate(lm, chats, max_new_tokens=3)
    assert len(out) == 2 and out == [generate(lm, c, max_new_tokens=3)[0] for c in chats]


def test_bad_input_errors(lm, tiny_model):
    with pytest.raises(ValueError, match="causal language model"):
        generate(tiny_model, "hello")
    with pytest.raises(ValueError, match="max_new_tokens"):
        generate(lm, "hello", max_new_tokens=0)
    with pytest.raises(ValueError, match="temperature"):
        generate(lm, "hello", temperature=-1)
    with pytest.raises(ValueError, match="Prompt 1"):
        generate(lm, ["ok", 42])
    with pytest.raises(ValueError, match="no prompts"):
        generate(lm, [])
