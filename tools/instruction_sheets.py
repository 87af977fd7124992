"""Datasheets of the bundled ``instructions`` and ``general-text`` sets, with token lengths measured by SmolLM2's
tokenizer (a build input of tools/build_instructions.py, not shipped)."""
from __future__ import annotations

from collections import Counter

from ftlab.sft.masks import LEARNED, encode

AUTHORSHIP = ("Written for ftlab by its developers with an AI writing assistant: original text, "
              "not drawn from existing corpora.")


def smollm2_tokenizer():
    """The ``smollm2-135m`` preset's tokenizer, loaded the way ftlab loads the preset (cached after the first use)."""
    from transformers import AutoTokenizer

    from ftlab.models.loading import _smollm2_cache

    return AutoTokenizer.from_pretrained(_smollm2_cache())


def spread(values: list[int]) -> str:
    """``median / 95th percentile / max`` of integer lengths."""
    v = sorted(values)
    pick = lambda q: v[min(len(v) - 1, int(q * len(v)))]  # noqa: E731
    return f"{pick(0.5)} / {pick(0.95)} / {v[-1]}"


def task_table(rows: list[dict], tok, order: tuple[str, ...]) -> str:
    """Rows per task and split, and token lengths of the rendered chat and of the learned answer."""
    counts = Counter((r["task"], r["split"]) for r in rows)
    lengths: dict[str, tuple[list[int], list[int]]] = {t: ([], []) for t in order}
    for i, r in enumerate(rows):
        ids, roles = encode(r, tok, "messages", i)
        lengths[r["task"]][0].append(len(ids))
        lengths[r["task"]][1].append(sum(role in LEARNED for role in roles))
    lines = ["| task | train | test | chat tokens (median / 95th / max) | answer tokens (median / max) |",
             "|---|---:|---:|---:|---:|"]
    for t in order:
        total, answer = lengths[t]
        lines.append(f"| {t} | {counts[t, 'train']} | {counts[t, 'test']} | {spread(total)} | "
                     f"{sorted(answer)[len(answer) // 2]} / {max(answer)} |")
    n_train = sum(v for (_, s), v in counts.items() if s == "train")
    lines.append(f"| **total** | **{n_train}** | **{len(rows) - n_train}** | "
                 f"{spread([x for t in order for x in lengths[t][0]])} | |")
    return "\n".join(lines)


def instructions_sheet(rows: list[dict], tok, order: tuple[str, ...]) -> str:
    return f"""# instructions: instruction/response chats for decoder SFT

**Purpose.** Instruction fine-tuning of a small chat model (`smollm2-135m`) with `ftlab.sft`: the seed's tasks
as generation, with a fixed held-out split so notebooks and benchmarks score the same rows.

**How it was made.** Built by `tools/build_instructions.py` (deterministic, seed 0). Most rows are rows of
ftlab's own bundled sets (`reviews`, `news`, `translation`; see their datasheets: written for ftlab, original text)
turned into chats with several instruction phrasings per task written for ftlab (`tools/instruction_texts.py`).
Each source row serves one task only, so no test answer is seen in training under another task. The
`general` pairs (everyday questions with short answers) were written by hand for ftlab.

**Fields.** `messages` (a single-turn chat: one `user` turn, one `assistant` turn; no system turn, so
SmolLM2's template adds its default one), `task`, `split` (`train` / `test`, fixed), `source` (`reviews:<row>`,
`news:<row>`, `translation:<row>` or `hand-written`). Load with `ftlab.load_dataset("instructions")`; select
a split with `ds.filter(lambda r: r["split"] == "test")`.

**Tasks.** `sentiment`: one-word answer `negative` / `neutral` / `positive` (balanced: equal rows per label).
`topic`: `world` / `sports` / `business` / `science/technology` (balanced). `translate-en-zh`, `translate-zh-en`:
one sentence, Simplified Chinese. `json`: a compact JSON object in a fixed shape, either
`{{"sentiment": ..., "domain": ...}}` for a review or `{{"topic": ..., "headline": ...}}` for a news item (half
each; the headline is copied from the item). `general`: everyday instructions, for measuring forgetting.

**Size and token lengths.** {len(rows)} chats. Tokens counted with SmolLM2-135M-Instruct's tokenizer and chat
template as `ftlab.sft.tokenize` renders them (default system turn included); answer tokens are the learned
ones (the answer plus its end-of-turn token).

{task_table(rows, tok, order)}

**Known limits.** Labels and translations are those of the source sets (the writers' judgement; a mixed review
keeps its star-derived label). The same phrasings appear in train and test, so test scores measure new
inputs, not new instructions. The test split is small (10-30 rows per task): differences of a few points
are within noise. The JSON task accepts one key order; a scorer should parse the JSON, not compare strings.
English prompts only; the Chinese appears only as text to translate or as answers.

**Licence.** As ftlab (Apache-2.0), like the other bundled sets.
"""


def general_sheet(rows: list[dict], tok) -> str:
    tokens = [len(tok(r["text"], add_special_tokens=False)["input_ids"]) for r in rows]
    topics = Counter(r["topic"] for r in rows)
    table = "\n".join(["| topic | paragraphs |", "|---|---:|"] + [f"| {t} | {topics[t]} |" for t in sorted(topics)]
                      + [f"| **total** | **{len(rows)}** |"])
    return f"""# general-text: everyday English prose for measuring forgetting

**Purpose.** A held-out sample of plain English for perplexity before and after fine-tuning: if a fine-tune
on a narrow task raises the perplexity here, the model has lost some of its general language ability
(catastrophic forgetting). Also usable as general data to mix into a fine-tune as a mitigation.

**How it was made.** {AUTHORSHIP} Paragraphs on everyday topics (cooking, weather, travel, science facts,
nature, work, sport, technology, and history-like stories about invented places). It is stored once, in
`general-text.jsonl`; `tools/build_instructions.py` checks it and writes this datasheet.

**Fields.** `text` (one paragraph), `topic`. Load with `ftlab.load_dataset("general-text")`.

**Size.** {len(rows)} paragraphs, {sum(len(r['text'].split()) for r in rows)} words, {sum(tokens)} tokens with
SmolLM2-135M-Instruct's tokenizer (no special tokens); tokens per paragraph median / 95th / max: {spread(tokens)}.

{table}

**Known limits.** Small: a perplexity on {sum(tokens)} tokens moves by chance between models by a little,
so compare large changes, not decimals. One register (clear, explanatory prose), English only; the
science and everyday facts are simplified, and the towns in the history paragraphs are invented.

**Licence.** As ftlab (Apache-2.0), like the other bundled sets.
"""
