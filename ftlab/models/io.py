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


def save_model(model: FTModel, directory: str, overwrite: bool = False) -> str:
    """Write the model into ``directory`` without ever deleting a file ftlab did not write.

    The files are written into a fresh temporary folder beside the target and moved into place: a new
    folder appears complete or not at all; an existing ftlab model is swapped for the new one (any files
    you added to it are carried over); a folder holding anything else is refused unless
    ``overwrite=True``, and then ftlab only adds/replaces its own files, one atomic rename each.

    Raises:
        ValueError: the target is the working directory, your home folder, a filesystem root, a folder
            that contains the working directory, a file, or a non-empty non-model folder (without overwrite).
    """
    target = Path(directory).expanduser()
    _refuse_dangerous(target)
    kind = _existing_kind(target)
    if kind == "foreign" and not overwrite:
        shown = sorted(p.name for p in target.iterdir())[:5]
        raise ValueError(f"save: {directory!r} already holds files that are not an ftlab model ({shown}); "
                         "choose a new folder, or pass overwrite=True (ftlab then adds its files and deletes nothing)")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}-ftlab-tmp-"))
    try:
        written = _write_model_files(model, tmp)
        if kind == "absent":
            os.replace(tmp, target)  # also replaces an empty folder: a rename is atomic
        elif kind == "ftlab":
            _swap_model_folder(tmp, target, written)
        else:  # a foreign folder with overwrite=True: only ftlab's own files, each by an atomic rename
            for name in written:
                os.replace(tmp / name, target / name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return str(target)


def _write_model_files(model: FTModel, folder: Path) -> list[str]:
    """Weights (safetensors), tokenizer files and ftlab.json (which lists every file written)."""
    module = merged_copy(model.module, None if model.lora_wrapped == "module" else "trunk") if model.lora_wrapped else model.module
    base_config = (module.trunk.config if model.task.pools_features else module.config).to_dict()
    state = {k: v.detach().contiguous().cpu() for k, v in module.state_dict().items()}
    save_file(_untie(state), str(folder / "model.safetensors"))
    model.tokenizer.save_pretrained(str(folder))
    written = sorted([p.name for p in folder.iterdir()] + ["ftlab.json"])
    meta = {"format": FORMAT, "version": VERSION, "name": model.name, "task": str(model.task), "labels": model.labels,
            "target_column": model.target_column, "base_config": base_config, "files": written,
            "pooling": getattr(module, "pooling", None), "num_outputs": model.task.num_outputs(model.labels)}
    (folder / "ftlab.json").write_text(json.dumps(meta, indent=1, default=str))
    return written


def _swap_model_folder(new: Path, target: Path, written: list[str]) -> None:
    """Replace an ftlab model folder by ``new``, carrying over every file ftlab did not write there."""
    old_files = set(read_meta(str(target)).get("files") or ["model.safetensors", "ftlab.json"])
    for entry in target.iterdir():
        if entry.name not in old_files and entry.name not in written:  # yours: keep it
            os.replace(entry, new / entry.name)
    parked = target.with_name(f".{target.name}-ftlab-old-{os.getpid()}")
    os.replace(target, parked)  # from here until the next rename the model is at `parked`, complete
    os.replace(new, target)
    shutil.rmtree(parked, ignore_errors=True)  # only ftlab's own files are left in it


def _existing_kind(target: Path) -> str:
    """absent (or an empty folder), ftlab (a saved model), or foreign (anything else)."""
    if not target.exists():
        return "absent"
    if not target.is_dir():
        raise ValueError(f"save: {str(target)!r} is a file; give a folder path, e.g. 'models/my-model'")
    if not any(target.iterdir()):
        return "absent"
    try:
        read_meta(str(target))
        return "ftlab"
    except ValueError:
        return "foreign"


def _refuse_dangerous(target: Path) -> None:
    resolved, cwd, home = target.resolve(), Path.cwd().resolve(), Path.home().resolve()
    if resolved in (cwd, home) or resolved == Path(resolved.anchor) or resolved in cwd.parents:
        raise ValueError(f"save: refusing to write a model into {str(target)!r} ({resolved}): it is the working "
                         "directory, your home folder, a filesystem root or contains your working directory. "
                         "Save into a new sub-folder, e.g. model.save('models/my-model')")


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
