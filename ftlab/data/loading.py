"""``load_dataset``: one entry point for bundled datasets, local files and Hugging Face Hub ids.

Whatever the source, the result has a ``text`` column (unless ``text=False``) and, when it is a
classification dataset, a ``label`` column typed as ``datasets.ClassLabel``, so class names
travel with the data into the model head, the confusion matrix and the widgets.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path

import datasets
import pandas as pd
import pyarrow as pa

from .checks import as_text
from .labels import check_scalar_column, encode_labels, rename_columns, require_text_column
from .readers import SUPPORTED_SUFFIXES, read_table

SAMPLES_DIR = Path(__file__).parent / "samples"


@dataclass(frozen=True)
class BundledDataset:
    """What ftlab knows about one bundled dataset (its datasheet is ``samples/<name>.md``)."""

    description: str
    label_names: tuple[str, ...] | None  # class order; None: the dataset has no label
    has_text: bool = True  # False for pair data (translation, similarity)


SENTIMENT = ("negative", "neutral", "positive")
BUNDLED: dict[str, BundledDataset] = {
    "reviews": BundledDataset("product and service reviews: sentiment (label) and stars (rating)", SENTIMENT),
    "reviews-raw": BundledDataset("the reviews with planted noise, for cleaning practice", SENTIMENT),
    "news": BundledDataset(
        "news headline + lead paragraph: topic classification",
        ("world", "sports", "business", "science/technology"),
    ),
    "translation": BundledDataset("English-Chinese sentence pairs (en, zh)", None, has_text=False),
    "similarity": BundledDataset("sentence pairs with a 0-5 similarity score", None, has_text=False),
    "instructions": BundledDataset(
        "instruction/response chats (messages, task, split): sentiment, topic, en<->zh, JSON, general",
        None, has_text=False,
    ),
    "general-text": BundledDataset("everyday English paragraphs (text, topic): perplexity for forgetting", None),
}


def list_datasets() -> list[str]:
    """Names of the datasets bundled with ftlab (each has a datasheet in ``ftlab/data/samples``).

    Example:
        >>> list_datasets()
        ['reviews', 'reviews-raw', 'news', 'translation', 'similarity', 'instructions', 'general-text']
    """
    return list(BUNDLED)


def load_dataset(
    name_or_path: str | Path,
    text: str | bool | None = None,
    label: str | None = None,
    label_names: list[str] | None = None,
    split: str | None = None,
) -> datasets.Dataset | datasets.DatasetDict:
    """Load a bundled dataset, a local CSV/TSV/JSONL/JSON/Parquet file, or a Hub dataset.

    Args:
        name_or_path: a bundled name (see :func:`list_datasets`), a path to a local file
            (format chosen by its extension), or a Hugging Face Hub id such as ``"imdb"``.
        text: the column holding the text, renamed to ``text``. ``False`` for data without one
            text column (translation or sentence pairs).
        label: the column holding the class, renamed to ``label``.
        label_names: class names in class-id order; default: sorted names found in the data
            (integer labels are then class ids).
        split: for Hub datasets, which split to load (``"train"``, ``"test[:10%]"``); local
            files and bundled datasets have one split, so only ``None`` or ``"train"``.

    Returns:
        A ``datasets.Dataset`` (a ``DatasetDict`` for a Hub dataset loaded without ``split``)
        whose ``label`` column, if any, is a ``ClassLabel``; other columns are kept.

    Example:
        >>> ds = load_dataset("reviews")
        >>> ds.features["label"].names
        ['negative', 'neutral', 'positive']
        >>> ds = load_dataset("my_reviews.csv", text="review_body", label="stars")  # doctest: +SKIP
    """
    name = _check_name(name_or_path)
    if isinstance(name_or_path, str) and name in BUNDLED:
        return _load_bundled(name, text, label, label_names, split)
    path = Path(name_or_path).expanduser()
    if path.exists() or isinstance(name_or_path, Path) or path.suffix.lower() in SUPPORTED_SUFFIXES:
        _check_local_split(split, name)
        return _load_local(path, text, label, label_names)
    _reject_near_bundled(name)
    return _load_hub(name, text, label, label_names, split)


def _check_name(name_or_path: object) -> str:
    if isinstance(name_or_path, pd.DataFrame | datasets.Dataset):
        raise TypeError(
            f"load_dataset() takes a dataset name or a file path; got {type(name_or_path).__name__}, "
            "which is data already. Use it as it is, or turn a DataFrame into a Dataset with "
            "datasets.Dataset.from_pandas(df)."
        )
    if not isinstance(name_or_path, str | os.PathLike):
        several = " Load files one at a time and join them with datasets.concatenate_datasets." \
            if isinstance(name_or_path, list | tuple) else ""
        raise TypeError(
            f"load_dataset() takes a dataset name or a file path; got {type(name_or_path).__name__} "
            f"({name_or_path!r:.60}). Pass e.g. 'reviews' or 'data/my_reviews.csv'.{several}"
        )
    name = str(name_or_path)
    if not name.strip():
        raise ValueError(
            f"load_dataset() got an empty name ({name!r}). Pass a bundled dataset "
            f"({', '.join(BUNDLED)}), a file path, or a Hugging Face Hub id."
        )
    return name


def _load_bundled(name, text, label, label_names, split) -> datasets.Dataset:
    spec = BUNDLED[name]
    path = SAMPLES_DIR / f"{name}.jsonl"
    if not path.exists():
        raise FileNotFoundError(
            f"The bundled dataset {name!r} is missing ({path} does not exist). Reinstall ftlab; in a "
            "source checkout restore it with `git checkout -- ftlab/data/samples` (reviews-raw and the "
            "datasheets are rebuilt from the others by: python tools/build_samples.py)"
        )
    _check_local_split(split, name)
    if label_names is None and spec.label_names is not None:
        label_names = list(spec.label_names)
    if text is None and not spec.has_text:
        text = False
    return _load_local(path, text, label, label_names, source=f"bundled dataset {name!r}")


def _check_local_split(split: str | None, name: str) -> None:
    if split not in (None, "train"):
        raise ValueError(
            f"{name!r} has a single split, so split={split!r} cannot be loaded. Use split=None, "
            "then ftlab.split(ds) for train/validation/test or ds.select(range(n)) for a slice."
        )


def _load_local(path: Path, text, label, label_names, source: str | None = None) -> datasets.Dataset:
    source = source or str(path)
    if path.is_dir():
        raise ValueError(f"{path} is a directory; pass one file ({', '.join(SUPPORTED_SUFFIXES)}).")
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist (working directory: {Path.cwd()}).")
    frame, class_names = read_table(path)
    if len(frame) == 0:
        raise ValueError(f"{source} has no rows. Check the file, or that the right file was passed.")
    frame = frame.rename(columns=rename_columns(list(frame.columns), text, label, source))
    require_text_column(list(frame.columns), text, source)
    for role, column in (("text", text), ("label", label)):
        if role in frame.columns:
            name = column if isinstance(column, str) else role
            check_scalar_column(frame[role].tolist(), name, role, source)
    if "text" in frame.columns:
        # a missing text is kept as "" so inspect() can report it as an empty row
        frame["text"] = [as_text(v) for v in frame["text"]]
    names = None
    if "label" in frame.columns:
        saved = class_names.get(label or "label") if label_names is None else None
        codes, names = encode_labels(frame["label"].tolist(), saved or label_names, source)
        frame["label"] = codes
    return frame_to_dataset(frame, names)


def frame_to_dataset(frame: pd.DataFrame, label_names: list[str] | None) -> datasets.Dataset:
    """Build a Dataset from a DataFrame, typing ``label`` as ``ClassLabel(label_names)``.

    Example:
        >>> frame_to_dataset(pd.DataFrame({"text": ["hi"], "label": [0]}), ["greeting"]).features["label"]
        ClassLabel(names=['greeting'])
    """
    frame = frame.reset_index(drop=True)
    features = datasets.Features.from_arrow_schema(pa.Schema.from_pandas(frame, preserve_index=False))
    if label_names is not None and "label" in frame.columns:
        features["label"] = datasets.ClassLabel(names=list(label_names))
    return datasets.Dataset.from_pandas(frame, features=features, preserve_index=False)


def _reject_near_bundled(name: str) -> None:
    """A typo of a bundled name would otherwise go to the Hub and fail with a confusing error."""
    if "/" in name:
        return
    close = difflib.get_close_matches(name.lower(), BUNDLED, n=1, cutoff=0.75)
    if close:
        raise ValueError(
            f"{name!r} is neither a bundled dataset nor an existing file. Did you mean "
            f"{close[0]!r}? Bundled datasets: {', '.join(BUNDLED)}."
        )


def _load_hub(name, text, label, label_names, split):
    try:
        loaded = datasets.load_dataset(name, split=split)
    except Exception as err:  # the Hub client raises many types; all mean "could not get it"
        raise RuntimeError(
            f"Could not load {name!r}: it is not a bundled dataset or a local file, and Hub "
            f"access failed ({type(err).__name__}: {err}). Check the name and the internet "
            f"connection, or use a bundled dataset ({', '.join(BUNDLED)}) or a local "
            f".csv/.jsonl/.parquet file."
        ) from err
    if isinstance(loaded, datasets.DatasetDict):
        return datasets.DatasetDict(
            {key: _prepare_hub_split(ds, text, label, label_names, f"{name}[{key}]") for key, ds in loaded.items()}
        )
    return _prepare_hub_split(loaded, text, label, label_names, name)


def _prepare_hub_split(ds: datasets.Dataset, text, label, label_names, source: str) -> datasets.Dataset:
    ds = ds.rename_columns(rename_columns(ds.column_names, text, label, source))
    require_text_column(ds.column_names, text, source)
    feature = ds.features.get("label")
    if feature is None or (isinstance(feature, datasets.ClassLabel) and label_names is None):
        return ds
    values = list(ds["label"])
    check_scalar_column(values, label if isinstance(label, str) else "label", "label", source)
    codes, names = encode_labels(values, label_names, source)
    order = ds.column_names
    ds = ds.remove_columns("label").add_column("label", codes, feature=datasets.ClassLabel(names=names))
    return ds.select_columns(order)
