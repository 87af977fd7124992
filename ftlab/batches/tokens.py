"""Tokenize a dataset once into token ids and targets; a second fit on the same data reuses the result.

Example:
    >>> data = TokenizedData([[101, 7, 102], [101, 102]], [1, 0], get_task("classification"))
    >>> data.lengths, len(data)
    ([3, 2], 2)
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Optional

from ..config import IGNORE_INDEX
from ..tasks import Task, get_task

CACHE_SIZE = 8  # tokenized datasets kept: train + validation of a few recent fits


@dataclass
class TokenizedData:
    """Token ids per example (unpadded) and the training target of each."""

    input_ids: list[list[int]]
    targets: Optional[list]  # class ids, numbers, or per-token label lists for causal LM
    task: Task

    @property
    def lengths(self) -> list[int]:
        return [len(x) for x in self.input_ids]

    def __len__(self) -> int:
        return len(self.input_ids)


def pad_token_id(tokenizer) -> int:
    """The id padding uses. Tokenizers without a pad token (GPT-style) pad with id 0: harmless, because
    padding is masked out of attention and its labels are IGNORE_INDEX by position, never by id."""
    pad = tokenizer.pad_token_id
    return 0 if pad is None else pad


_cache: "OrderedDict[tuple, TokenizedData]" = OrderedDict()
cache_stats = {"hits": 0, "misses": 0}  # read by tests and the curious: fitting twice must not tokenize twice


def _cache_key(model, dataset, max_len: int, text_column: str) -> Optional[tuple]:
    fingerprint = getattr(dataset, "_fingerprint", None)  # datasets.Dataset: changes whenever the data changes
    if fingerprint is None:
        return None
    tok = model.tokenizer
    return (id(tok), getattr(tok, "name_or_path", ""), len(tok), str(model.task), model.target_column,
            text_column, max_len, fingerprint, len(dataset))


def tokenize_dataset(model, dataset, max_len: int, text_column: str = "text") -> TokenizedData:
    """Turn a dataset into token ids once (cached by the dataset's fingerprint, the tokenizer and max_len).

    Causal-LM datasets may come pre-tokenized (``ftlab.sft``) with ``input_ids`` and ``labels``
    (prompt tokens already IGNORE_INDEX); plain text rows learn every token.

    Raises:
        ValueError: an empty dataset, a missing text or target column, or targets the task cannot use.
    """
    if len(dataset) == 0:
        raise ValueError("The dataset is empty (0 rows); pass data with at least one example "
                         "(check filters and splits that may have removed every row)")
    key = _cache_key(model, dataset, max_len, text_column)
    if key is not None and key in _cache:
        cache_stats["hits"] += 1
        _cache.move_to_end(key)
        return _cache[key]
    cache_stats["misses"] += 1
    data = _tokenize(model, dataset, max_len, text_column)
    if key is not None:
        _cache[key] = data
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return data


def _tokenize(model, dataset, max_len: int, text_column: str) -> TokenizedData:
    task, cols = get_task(model.task), dataset.column_names
    if task.per_token_labels and "input_ids" in cols:
        ids = [list(x) for x in dataset["input_ids"]]
        labels = [list(x) for x in dataset["labels"]] if "labels" in cols else [list(x) for x in ids]
        check_supervised(ids, labels, max_len)
        return TokenizedData([x[:max_len] for x in ids], [x[:max_len] for x in labels], task)
    if text_column not in cols:
        raise ValueError(f"The training data needs a {text_column!r} column; it has {cols}. "
                         f"Rename yours with dataset.rename_column('your_column', '{text_column}')")
    texts = list(dataset[text_column])
    bad = [i for i, t in enumerate(texts) if not isinstance(t, str)]
    if bad:
        raise ValueError(f"Rows {bad[:10]} of column {text_column!r} are not text (got {[texts[i] for i in bad[:3]]}); "
                         "drop or fill them first, e.g. with ftlab.clean(ds)")
    ids = model.tokenizer(texts, truncation=True, max_length=max_len)["input_ids"]
    if task.per_token_labels:
        if not any(t.strip() for t in texts) or not any(len(x) >= 2 for x in ids):  # nothing to predict
            raise ValueError(f"No row of column {text_column!r} has two tokens to learn from (all {len(ids)} texts are "
                             "empty or a single token); check the data, e.g. with ftlab.inspect(ds)")
        return TokenizedData(ids, [list(x) for x in ids], task)
    if model.target_column not in cols:
        raise ValueError(f"The training data needs the target column {model.target_column!r}; it has {cols}. "
                         f"Pass target=... to ftlab.load_model to name it")
    return TokenizedData(ids, task.read_targets(dataset, model.target_column, model.labels), task)


def check_supervised(ids: list[list[int]], labels: list[list[int]], max_len: int) -> None:
    """Refuse pre-tokenized causal-LM examples that would learn nothing, naming each one and the cause.

    An example whose labels are all IGNORE_INDEX within ``max_len`` adds no loss; a batch of only such
    examples has a loss of 0/0 (NaN), which would stop training far from the cause. Checked here, before
    any step, so the message can say which examples and why: labels cut away by ``max_len``, or never set
    (a mask builder that found no answer: a chat template mismatch). The first label never counts: the
    model predicts token t+1 from token t.

    Raises:
        ValueError: labels of another length than their input_ids, or examples with nothing to learn.
    """
    uneven = [i for i, (x, y) in enumerate(zip(ids, labels)) if len(x) != len(y)]
    if uneven:
        raise ValueError(f"Examples {uneven[:10]} have labels of another length than their input_ids "
                         f"(e.g. {len(ids[uneven[0]])} ids, {len(labels[uneven[0]])} labels); build both from the "
                         "same tokens, e.g. with ftlab.sft.tokenize")
    problems = []
    for i, y in enumerate(labels):
        if any(t != IGNORE_INDEX for t in y[1:max_len]):
            continue
        if len(y) < 2:
            problems.append(f"example {i}: {len(y)} token(s), nothing to predict")
        elif any(t != IGNORE_INDEX for t in y[1:]):
            first = next(k for k, t in enumerate(y) if k and t != IGNORE_INDEX)
            problems.append(f"example {i}: cut by max_len={max_len} (its first supervised token is at position "
                            f"{first}); raise max_len")
        else:
            problems.append(f"example {i}: every label is IGNORE_INDEX (the answer mask found no answer: check "
                            "the chat template and how the labels were built)")
    if problems:
        raise ValueError(f"{len(problems)} of {len(labels)} examples have no supervised token to learn from, so the "
                         f"loss would be 0/0: " + "; ".join(problems[:5]) + ("; …" if len(problems) > 5 else "")
                         + ". Drop them or fix them (ftlab.sft.tokenize drops such examples with a count)")
