"""Save and reload an FTModel: safetensors weights + ftlab.json + tokenizer files (no pickle anywhere).

Example:
    >>> model.save("runs/sentiment"); same = ftlab.load_model("runs/sentiment")  # doctest: +SKIP
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from ..tasks import get_task
from .heads import SequenceModel
from .lora import merged_copy
from .wrapper import FTModel

FORMAT = "ftlab-model"
VERSION = 1


def save_model(model: FTModel, directory: str) -> str:
    """Write the model atomically (temp dir + rename): an interrupted save never leaves half a model."""
    target = Path(directory)
    target.parent.mkdir(parents=True, exist_ok=True)
    module = merged_copy(model.module, None if model.lora_wrapped == "module" else "trunk") if model.lora_wrapped else model.module
    base_config = (module.trunk.config if model.task.pools_features else module.config).to_dict()
    meta = {"format": FORMAT, "version": VERSION, "name": model.name, "task": str(model.task), "labels": model.labels,
            "target_column": model.target_column, "base_config": base_config,
            "pooling": getattr(module, "pooling", None), "num_outputs": model.task.num_outputs(model.labels)}
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}-"))
    try:
        state = {k: v.detach().contiguous().cpu() for k, v in module.state_dict().items()}
        save_file(_untie(state), str(tmp / "model.safetensors"))
        model.tokenizer.save_pretrained(str(tmp))
        (tmp / "ftlab.json").write_text(json.dumps(meta, indent=1, default=str))
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return str(target)


def _untie(state: dict) -> dict:
    """safetensors refuses tensors sharing memory (tied embeddings); store each once as its own copy."""
    seen: dict[int, str] = {}
    out = {}
    for k, v in state.items():
        ptr = v.data_ptr()
        out[k] = v.clone() if ptr in seen else v
        seen.setdefault(ptr, k)
    return out


def load_saved(directory: str) -> FTModel:
    """Rebuild an FTModel saved by :func:`save_model`. Foreign or corrupted folders raise ValueError."""
    from transformers import AutoConfig, AutoModel, AutoModelForCausalLM, AutoTokenizer

    meta = read_meta(directory)
    cfg_dict = dict(meta["base_config"])
    config = AutoConfig.for_model(cfg_dict.pop("model_type"), **cfg_dict)
    task = get_task(meta["task"])
    if not task.pools_features:
        module = AutoModelForCausalLM.from_config(config)
    else:
        trunk = AutoModel.from_config(config, add_pooling_layer=False) if config.model_type == "bert" else AutoModel.from_config(config)
        module = SequenceModel(trunk, task, meta["num_outputs"], pooling=meta.get("pooling") or "mean")
    state = _read_weights(Path(directory) / "model.safetensors")
    missing, unexpected = module.load_state_dict(state, strict=False)
    missing = [k for k in missing if not _is_tied_alias(module, k)]
    if missing or unexpected:
        raise ValueError(f"{directory}: weights do not match the saved architecture (missing {missing[:5]}, "
                         f"unexpected {unexpected[:5]}); the folder was changed or is not from this model")
    if getattr(module.config, "tie_word_embeddings", False) and hasattr(module, "tie_weights"):
        module.tie_weights()
    tok = AutoTokenizer.from_pretrained(directory)
    return FTModel(module, tok, meta["task"], meta["labels"], name=meta["name"], target_column=meta["target_column"])


def read_meta(directory: str) -> dict:
    path = Path(directory) / "ftlab.json"
    try:
        meta = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise ValueError(f"{directory} is not an ftlab model folder: cannot read {path.name} ({err})") from err
    if meta.get("format") != FORMAT or meta.get("version") != VERSION:
        raise ValueError(f"{directory}: ftlab.json says format={meta.get('format')!r} version={meta.get('version')!r}; "
                         f"expected {FORMAT!r} version {VERSION}")
    return meta


def _read_weights(path: Path) -> dict:
    try:
        return load_file(str(path))
    except Exception as err:  # safetensors raises its own error types for truncated/corrupt headers
        raise ValueError(f"{path} is missing or corrupted ({type(err).__name__}: {err}); save the model again") from err


def _is_tied_alias(module: torch.nn.Module, key: str) -> bool:
    return key.endswith("lm_head.weight") and getattr(module.config, "tie_word_embeddings", False)
