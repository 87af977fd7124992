"""Read local CSV / TSV / JSONL / JSON / Parquet files into a pandas DataFrame.

Reading goes through pandas (not ``datasets``) so label values can be checked row by row before
Arrow insists on one type per column, and so a bad byte or a bad JSON line can be reported with
its line number.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

SUPPORTED_SUFFIXES = (".csv", ".tsv", ".jsonl", ".json", ".parquet")


def read_table(path: Path) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Read a local file chosen by its extension.

    Returns the rows and, for Parquet files written by ``datasets``, the class names stored in
    the file's metadata (``{column: names}``) so a saved ``ClassLabel`` survives a round trip.

    Example:
        >>> frame, class_names = read_table(Path("reviews.csv"))  # doctest: +SKIP
    """
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ValueError(
            f"Cannot read {path}: unsupported extension {suffix!r}. Supported: "
            f"{', '.join(SUPPORTED_SUFFIXES)}. Convert the file, or load it with pandas and "
            "use datasets.Dataset.from_pandas."
        )
    if path.stat().st_size == 0:
        raise ValueError(
            f"{path} is empty (0 bytes): the file was not written, or was truncated. Check the "
            "path; a CSV file needs a header line and one line per row, e.g. text,label then "
            "\"Great battery.\",positive."
        )
    if suffix == ".parquet":
        return _read_parquet(path)
    text = _decode_utf8(path)
    if suffix in (".csv", ".tsv"):
        return _read_csv(path, sep="\t" if suffix == ".tsv" else ","), {}
    if suffix == ".json" and text.lstrip().startswith("["):
        return _read_json_array(path, text), {}
    return _read_jsonl(path, text), {}


def _decode_utf8(path: Path) -> str:
    """Decode the file as UTF-8, naming the line of the first bad byte if it is not."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise ValueError(
            f"{path} is not valid UTF-8: line {line} has the byte {data[err.start:err.start + 1]!r} "
            f"(file offset {err.start}). Re-save the file as UTF-8, e.g. "
            f"pandas.read_csv(path, encoding='latin-1').to_csv(new_path, index=False)."
        ) from None


def _read_parquet(path: Path) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    import pyarrow as pa

    try:
        return pd.read_parquet(path), _parquet_class_names(path)
    except (pa.ArrowException, OSError) as err:  # Arrow's "not parquet" / "corrupt footer" errors
        raise ValueError(
            f"{path} is not a readable Parquet file ({err}). It may be truncated or another "
            "format renamed to .parquet: write it again with df.to_parquet(path) or ds.to_parquet(path)."
        ) from None


def _read_csv(path: Path, sep: str) -> pd.DataFrame:
    # keep_default_na=False: a review that says "NA" or "null" is text, not a missing value;
    # only truly empty cells become missing.
    try:
        return pd.read_csv(path, sep=sep, encoding="utf-8-sig", keep_default_na=False, na_values=[""])
    except pd.errors.EmptyDataError:
        raise ValueError(
            f"{path} has no header line and no rows (only blank lines or a byte-order mark). "
            "A CSV file needs a header line and one line per row, e.g. text,label then "
            "\"Great battery.\",positive."
        ) from None
    except pd.errors.ParserError as err:
        kind = "TSV" if sep == "\t" else "CSV"
        raise ValueError(
            f"{path} is not a valid {kind} file: {str(err).strip()}. Every line needs the same "
            f"number of fields as the header; a text holding the separator {sep!r}, a quote or a "
            "line break must be inside double quotes (\"like, this\"), with inner quotes doubled. "
            "pandas' df.to_csv(path, index=False) writes it correctly."
        ) from None


def _read_jsonl(path: Path, text: str) -> pd.DataFrame:
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise ValueError(
                f"{path} line {number} is not valid JSON ({err.msg}). JSON Lines files need "
                "one JSON object per line, e.g. {\"text\": \"...\", \"label\": \"positive\"}."
            ) from None
        if not isinstance(record, dict):
            raise ValueError(
                f"{path} line {number} holds a {type(record).__name__}, not a JSON object. "
                "Write one object per line, e.g. {\"text\": \"...\", \"label\": \"positive\"}."
            )
        records.append(record)
    return pd.DataFrame.from_records(records)


def _read_json_array(path: Path, text: str) -> pd.DataFrame:
    try:
        records = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"{path} is not valid JSON: line {err.lineno}: {err.msg}.") from None
    if not all(isinstance(r, dict) for r in records):
        raise ValueError(f"{path} must hold a JSON array of objects, one per row.")
    return pd.DataFrame.from_records(records)


def _parquet_class_names(path: Path) -> dict[str, list[str]]:
    import pyarrow.parquet as pq

    metadata = pq.read_schema(path).metadata or {}
    try:
        features = json.loads(metadata[b"huggingface"])["info"]["features"]
    except (KeyError, ValueError, TypeError):
        return {}
    return {
        name: list(spec["names"])
        for name, spec in features.items()
        if isinstance(spec, dict) and spec.get("_type") == "ClassLabel" and "names" in spec
    }
