"""ftlab.sft formats and answer-only masks on the tiny random Llama (fast); the real SmolLM2 template is slow."""
import warnings

import datasets
import pytest
import torch

import ftlab
import ftlab.sft as sft

CHATML = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
          "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


@pytest.fixture
def lm():
    model = ftlab.load_model("tiny-llama", task="causal-lm")
    model.tokenizer.chat_template = CHATML
    return model


def learned_text(tok, ids, labels):
    return tok.decode([i for i, lab in zip(ids, labels) if lab != ftlab.IGNORE_INDEX])


def test_to_chat_and_prompt_completion_fill_templates():
    ds = datasets.Dataset.from_list([{"en": "good morning", "zh": "早上好"}])
    chat = sft.to_chat(ds, user="Translate: {en}", assistant="{zh}", system="Be brief.")
    assert chat.column_names == ["messages"]
    assert [(m["role"], m["content"]) for m in chat[0]["messages"]] == [
        ("system", "Be brief."), ("user", "Translate: good morning"), ("assistant", "早上好")]
    pc = sft.to_prompt_completion(ds, prompt="English: {en}\nChinese:", completion=" {zh}")
    assert pc[0] == {"prompt": "English: good morning\nChinese:", "completion": " 早上好"}
    with pytest.raises(ValueError, match="names column 'fr'.*columns are \\['en', 'zh'\\]"):
        sft.to_chat(ds, user="{fr}", assistant="{zh}")


def test_chat_masks_learn_every_assistant_turn_and_its_end_token_only(lm):
    chat = [{"role": "system", "content": "you are terse"}, {"role": "user", "content": "hello there"},
            {"role": "assistant", "content": "hi"}, {"role": "user", "content": "name a colour"},
            {"role": "assistant", "content": "blue green"}]
    out = sft.tokenize(datasets.Dataset.from_list([{"messages": chat}]), lm, max_len=200)
    ids, labels = out[0]["input_ids"], out[0]["labels"]
    roles = sft.token_roles({"messages": chat}, lm)
    assert roles["id"].tolist() == ids and roles["label"].tolist() == labels
    tok = lm.tokenizer
    # the learned tokens are exactly both answers, each followed by its end-of-turn token (the first '<' piece)
    spans = roles[roles.learned].groupby((~roles.learned).cumsum()).token.apply(list).tolist()
    assert [tok.convert_tokens_to_string(s[:-1]) for s in spans] == ["hi", "blue green"]
    assert all(s[-1] == "<" for s in spans) and (roles.role == "end").sum() == 2
    for role in ("system", "user", "template"):
        assert (roles.role == role).any() and not roles[roles.role == role].learned.any()
    assert tok.decode([i for i, r in zip(ids, roles.role) if r == "user"]) == "hello there name a colour"


def test_prompt_completion_and_text_formats(lm):
    tok = lm.tokenizer
    pc = sft.tokenize(datasets.Dataset.from_list([{"prompt": "say yes:", "completion": " yes please"}]), lm)
    assert learned_text(tok, pc[0]["input_ids"], pc[0]["labels"]) == "yes please [SEP]"  # + end token (BERT: [SEP])
    text = sft.tokenize(datasets.Dataset.from_list([{"text": "plain words"}]), lm)
    assert text[0]["labels"] == text[0]["input_ids"]


def test_end_of_turn_stays_learned_when_pad_equals_eos(lm):
    # SmolLM2's tokenizer pads with its end-of-turn token; masks by position must keep every real one learned
    tok = lm.tokenizer
    tok.eos_token = tok.pad_token
    chats = datasets.Dataset.from_list([{"prompt": "a", "completion": " b"}, {"prompt": "c", "completion": " d e f"}])
    out = sft.tokenize(chats, lm)
    for row in out:
        assert row["input_ids"][-1] == tok.pad_token_id and row["labels"][-1] == tok.pad_token_id


def test_truncation_is_counted_and_whole_lost_answers_are_dropped(lm):
    rows = [{"prompt": "short", "completion": " ok"},
            {"prompt": "a very long prompt " * 10, "completion": " lost"},
            {"prompt": "medium prompt", "completion": " this answer is cut somewhere in the middle"}]
    with pytest.warns(sft.SFTTruncationWarning, match="2 of 3 examples .* cut; 1 of them lost their whole answer"):
        out = sft.tokenize(datasets.Dataset.from_list(rows), lm, max_len=8)
    assert len(out) == 2 and all(len(r["input_ids"]) <= 8 for r in out)
    with pytest.raises(ValueError, match="No example kept an answer"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sft.tokenize(datasets.Dataset.from_list(rows[1:2]), lm, max_len=8)


@pytest.mark.parametrize("chat, message", [
    ([{"role": "user", "content": "hi"}], "no assistant turn"),
    ([{"role": "assistant", "content": "hi"}, {"role": "user", "content": "x"}], "out of order"),
    ([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "a"}, {"role": "user", "content": "b"}],
     "out of order"),
    ([{"role": "user", "content": "hi"}, {"role": "bot", "content": "a"}], "unknown role"),
    ([{"role": "user", "content": 3}, {"role": "assistant", "content": "a"}], "must be a string; got int"),
    ([{"role": "user", "content": "q"}, {"role": "assistant", "content": "  "}], "answer is empty"),
])
def test_bad_chats_are_refused_with_the_row_and_the_cause(lm, chat, message):
    with pytest.raises(ValueError, match=f"Chat 1.*{message}"):
        sft.check_chat(chat, 1)  # what tokenize runs on every chat (Arrow cannot even store mixed-type content)
    if not any(isinstance(m["content"], int) for m in chat):
        ok = [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]
        with pytest.raises(ValueError, match=f"Chat 1.*{message}"):
            sft.tokenize(datasets.Dataset.from_list([{"messages": ok}, {"messages": chat}]), lm)


def test_other_bad_inputs(lm):
    lm.tokenizer.chat_template = None
    chat = [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]
    with pytest.raises(ValueError, match="no chat template.*prompt/completion"):
        sft.tokenize(datasets.Dataset.from_list([{"messages": chat}]), lm)
    with pytest.raises(ValueError, match="completion is empty"):
        sft.tokenize(datasets.Dataset.from_list([{"prompt": "q", "completion": ""}]), lm)
    with pytest.raises(ValueError, match="needs a 'messages' column"):
        sft.tokenize(datasets.Dataset.from_list([{"question": "q"}]), lm)


def test_a_template_that_rewrites_the_prompt_is_a_mismatch(lm):
    lm.tokenizer.chat_template = CHATML.replace("<|im_start|>assistant\n{% endif %}", "ASSISTANT:{% endif %}")
    chat = [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]
    with pytest.raises(ValueError, match="Chat 0: the prompt .* not a prefix .*template mismatch"):
        sft.tokenize(datasets.Dataset.from_list([{"messages": chat}]), lm)


def test_mask_html_is_static_and_counts_roles(lm):
    roles = sft.token_roles({"prompt": "a b", "completion": " c"}, lm, pad_to=8)
    counts = sft.role_counts(roles)
    assert counts == {"prompt": 2, "answer": 1, "end": 1, "padding": 4, "learned": 2}
    page = sft.mask_html(roles)
    assert "<script" not in page and "2 of 8 tokens learned" in page and page.count("<span title=") == 8


def test_loss_falls_on_a_tiny_learnable_chat_task(lm):
    pairs = [{"q": f"colour {w}", "a": w} for w in ["red", "blue", "green", "black"] * 8]
    train = sft.tokenize(sft.to_chat(datasets.Dataset.from_list(pairs), user="{q}", assistant="{a}"), lm)
    before = ftlab.evaluate(lm, train)["loss"]
    ftlab.Trainer(ftlab.TrainConfig(lr=1e-2, max_steps=30, batch_size=8, seed=0)).fit(lm, train)
    assert ftlab.evaluate(lm, train)["loss"] < 0.5 * before


def test_lora_on_a_decoder_trains_only_adapters(lm):
    lm.freeze("lora")
    trained = [n for n, p in lm.module.named_parameters() if p.requires_grad]
    assert trained and all("lora_" in n for n in trained)


@pytest.mark.slow
def test_smollm2_template_masks_decode_to_exactly_the_answer_and_im_end():
    lm = ftlab.load_model("smollm2-135m", task="causal-lm")
    tok = lm.tokenizer
    assert tok.pad_token_id == tok.eos_token_id == tok.convert_tokens_to_ids("<|im_end|>")
    chat = [{"role": "user", "content": "Translate to Chinese: Good morning"}, {"role": "assistant", "content": "早上好！"}]
    out = sft.tokenize(datasets.Dataset.from_list([{"messages": chat}]), lm)
    assert learned_text(tok, out[0]["input_ids"], out[0]["labels"]) == "早上好！<|im_end|>"
    roles = sft.token_roles({"messages": chat}, lm)
    assert "SmolLM" in "".join(roles[roles.role == "template"].token)  # the default system turn, not learned
    assert out[0]["labels"][-2] == tok.eos_token_id and out[0]["labels"][-1] == ftlab.IGNORE_INDEX  # "\n" after
    assert torch.tensor(out[0]["input_ids"]).eq(tok.pad_token_id).sum() == 3  # 3 turns: 3 real <|im_end|>, no pads


def test_a_template_without_end_of_turn_warns(lm):
    lm.tokenizer.chat_template = ("{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
                                  "{% if add_generation_prompt %}assistant: {% endif %}")
    chat = [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]
    with pytest.warns(UserWarning, match="no end-of-turn token after the answer"):
        sft.tokenize(datasets.Dataset.from_list([{"messages": chat}]), lm)


def test_an_answer_that_does_not_follow_the_generation_prompt_is_a_mismatch(lm):
    # this template has no generation prompt: "a" would be found inside the next header "assistant: "
    lm.tokenizer.chat_template = "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }} {% endfor %}"
    chat = [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]
    with pytest.raises(ValueError, match="ignores add_generation_prompt.*template mismatch"):
        sft.tokenize(datasets.Dataset.from_list([{"messages": chat}]), lm)


def test_pretokenized_examples_with_nothing_to_learn_are_refused_with_index_and_cause(lm):
    """All-IGNORE labels would make a batch's loss 0/0 (NaN) steps later; refused up front, each example named."""
    I = ftlab.IGNORE_INDEX
    ok = {"input_ids": [5, 6, 7, 8], "labels": [I, I, 7, 8]}
    unmasked = {"input_ids": [5, 6, 7, 8], "labels": [I, I, I, I]}  # a mask builder that found no answer
    late = {"input_ids": list(range(5, 17)), "labels": [I] * 10 + [15, 16]}  # the answer sits past max_len=8
    ds = datasets.Dataset.from_list([ok, unmasked, late])
    with pytest.raises(ValueError, match=r"2 of 3 examples.*example 1: every label is IGNORE_INDEX.*"
                                         r"example 2: cut by max_len=8 \(its first supervised token is at position 10\)"):
        ftlab.batches.make_batches(lm, ds, ftlab.TrainConfig(max_len=8))
    uneven = datasets.Dataset.from_list([{"input_ids": [5, 6, 7], "labels": [I, 6]}])
    with pytest.raises(ValueError, match=r"Examples \[0\] have labels of another length"):
        ftlab.batches.make_batches(lm, uneven, ftlab.TrainConfig(max_len=8))
    assert len(ftlab.batches.make_batches(lm, ds.select([0, 2]), ftlab.TrainConfig(max_len=16))) == 2
