"""Property-based tests (hypothesis): whatever a learner types, ftlab answers with a documented error or works.

- TrainConfig: any mix of values either validates, or raises ValueError "TrainConfig.<field> must be …; got …"
  naming a field that really was given that value (or the documented save_every/output_dir message).
- Loading generated CSV / JSONL files: a Dataset with a text column, or a ValueError that names the file.
- clean(): the CleaningReport accounts for every input row exactly once (kept xor removed).
"""
import csv
import dataclasses
import json
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftlab import TrainConfig
from ftlab.config import _RULES
from ftlab.data import clean, load_dataset

FIELDS = [f.name for f in dataclasses.fields(TrainConfig)]
MUST_BE = re.compile(r"TrainConfig\.(\w+) must be (.+); got (.+)", re.S)

ANY_VALUE = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-10**30, max_value=10**30),  # beyond ~1e308 see test_huge_integers_… below
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["adamw", "adam", "sgd", "linear", "cosine", "constant", "auto", "fp32", "bf16", "fp16", "cpu",
                     "cuda", "cuda:1", "mps", "tpu", "bar", "log", "off", "val_loss", "macro_f1", "runs/x", ""]),
    st.lists(st.one_of(st.integers(-3, 5), st.floats(allow_nan=True)), max_size=4),
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from(FIELDS), ANY_VALUE, max_size=6))
def test_trainconfig_validates_or_names_the_bad_field(kwargs):
    try:
        cfg = TrainConfig(**kwargs)
    except ValueError as err:
        message = str(err)
        m = MUST_BE.fullmatch(message)
        if m is None:  # the one cross-field rule
            assert message.startswith("TrainConfig.save_every needs TrainConfig.output_dir"), message
            assert kwargs.get("save_every") is not None and kwargs.get("output_dir") is None
            return
        field, allowed, got = m.groups()
        assert field in kwargs, f"{field} was not given, so its default must be valid: {message}"
        assert got == repr(kwargs[field]) and allowed == _RULES[field][1]
        assert not _RULES[field][0](kwargs[field])
    else:
        for field in FIELDS:  # everything accepted passes its rule, and survives replace()
            assert _RULES[field][0](getattr(cfg, field)), field
        assert cfg.replace() == cfg


VALID = {
    "lr": st.floats(1e-8, 1.0), "epochs": st.floats(1e-3, 50) | st.integers(1, 50), "max_steps": st.none() | st.integers(1, 10**6),
    "batch_size": st.integers(1, 4096), "grad_accum_steps": st.integers(1, 64), "max_len": st.integers(2, 10**6),
    "warmup_steps": st.integers(0, 10**4), "weight_decay": st.floats(0, 0.999), "seed": st.integers(0, 2**32),
    "class_weights": st.none() | st.lists(st.floats(0.01, 100), min_size=1, max_size=5),
}


@settings(max_examples=200, deadline=None)
@given(st.fixed_dictionaries({}, optional=VALID))
def test_valid_values_are_always_accepted(kwargs):
    cfg = TrainConfig(**kwargs)
    assert cfg.effective_batch_size == cfg.batch_size * cfg.grad_accum_steps


def test_huge_integers_are_a_clear_value_error():
    with pytest.raises(ValueError, match=r"TrainConfig\.lr must be"):
        TrainConfig(lr=10**400)


# ---- loading and cleaning generated files -----------------------------------------------------------
LABEL_KINDS = {  # one kind per file, so many files load (consistent labels) and some are rejected (mixed)
    "names": st.sampled_from(["positive", "negative", "neutral"]),
    "ids": st.integers(0, 2),
    "messy": st.one_of(st.sampled_from(["positive", "POSITIVE", " positive", "", "5"]), st.integers(-2, 5),
                       st.floats(allow_nan=True), st.none(), st.booleans()),
}
TEXTS = st.one_of(st.text(max_size=80),
                  st.sampled_from(["Great value!", "<b>great</b> value", "great value", "Great  value!!",
                                   "NA", "null", "", "   ", "see https://example.com", "très bien", "很好",
                                   'He said "no", then left.\nNew line', "a,b,c"]))


@st.composite
def tables(draw):
    label = LABEL_KINDS[draw(st.sampled_from(sorted(LABEL_KINDS)))]
    row = st.fixed_dictionaries({"text": TEXTS}, optional={"label": label, "rating": st.integers(1, 5) | st.none(),
                                                           "extra": st.text(max_size=5)})
    if draw(st.integers(0, 4)) == 0:  # sometimes the text column itself is missing from some rows
        row = st.fixed_dictionaries({}, optional={"text": TEXTS, "label": label})
    return draw(st.lists(row, max_size=25))


def write(path: Path, rows: list[dict], kind: str, garbage: bytes) -> None:
    if kind == "jsonl":
        body = "\n".join(json.dumps(r, ensure_ascii=bool(len(rows) % 2)) for r in rows).encode()
    else:
        columns = sorted({k for r in rows for k in r}) or ["text"]
        with tempfile.SpooledTemporaryFile(mode="w+", newline="") as f:
            w = csv.DictWriter(f, fieldnames=columns)
            w.writeheader()
            w.writerows(rows)
            f.seek(0)
            body = f.read().encode()
    path.write_bytes(body + garbage)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=tables(), kind=st.sampled_from(["csv", "jsonl"]),
       garbage=st.sampled_from([b"", b"", b"", b"\n", b"\n{not json", b"\xff\xfe", b"\n1,2,3,4,5,6,7", b"\n[1, 2]"]))
def test_loading_generated_files_gives_a_dataset_or_a_clear_value_error(rows, kind, garbage):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"data.{kind}"
        write(path, rows, kind, garbage)
        try:
            ds = load_dataset(path)
        except ValueError as err:
            message = str(err)
            assert len(message) > 20, message  # says something, not just a bare token
            return
        assert "text" in ds.column_names
        assert all(isinstance(t, str) for t in ds["text"])
        if "label" in ds.column_names:
            names = ds.features["label"].names
            assert all(0 <= y < len(names) for y in ds["label"])
        check_cleaning_accounts_for_every_row(ds)


def check_cleaning_accounts_for_every_row(ds) -> None:
    cleaned, report = clean(ds)
    kept, removed = report.kept, report.removed
    assert report.n_input == len(ds)
    assert len(kept) + len(removed) == len(ds)
    assert set(kept).isdisjoint(removed) and set(kept) | set(removed) == set(range(len(ds)))
    assert len(cleaned) == len(kept) and cleaned.column_names == ds.column_names
    removed_events = report.events[report.events["action"] == "removed"]
    assert removed_events["index"].is_unique  # each removed row is reported once, with its reason
    assert set(removed_events["reason"]) <= set(report.steps)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(TEXTS, min_size=1, max_size=30), data=st.data())
def test_cleaning_accounts_for_every_row_of_any_text(texts, data):
    import datasets

    labels = data.draw(st.lists(st.integers(0, 2), min_size=len(texts), max_size=len(texts)))
    ds = datasets.Dataset.from_dict({"text": texts, "label": labels},
                                    features=datasets.Features({"text": datasets.Value("string"),
                                                                "label": datasets.ClassLabel(names=["a", "b", "c"])}))
    check_cleaning_accounts_for_every_row(ds)

