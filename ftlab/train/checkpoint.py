"""Checkpoints written atomically, read with safetensors + JSON (nothing is ever unpickled).

Layout of ``output_dir``::

    checkpoint-000120/   model.safetensors, optimizer.safetensors, state.json, history.json
    latest               the name of the newest complete checkpoint

A checkpoint is written into a hidden temp folder and renamed into place; ``latest`` is replaced the
same way. A process killed mid-write leaves the previous checkpoint and ``latest`` untouched.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from .history import History

FORMAT = "ftlab-checkpoint"
KEEP = 2  # newest checkpoints kept; older ones are deleted after a successful write


def fingerprint(module: torch.nn.Module) -> str:
    """Hash of parameter names and shapes: a checkpoint from another architecture is refused."""
    text = ";".join(f"{k}:{tuple(v.shape)}" for k, v in module.state_dict().items())
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def check_writable(directory: str) -> None:
    """Fail before training, not after an hour of it, when checkpoints cannot be written."""
    path = Path(directory)
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-test-"):
            pass
    except OSError as err:
        raise ValueError(f"TrainConfig.output_dir {directory!r} is not writable ({err.strerror}); "
                         f"choose a folder you can write to, e.g. output_dir='runs/my-run'") from err


def save_checkpoint(directory: str, module: torch.nn.Module, optimizer: torch.optim.Optimizer,
                    state: dict, history: History) -> Path:
    """Write checkpoint-<step> atomically and point ``latest`` at it."""
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    name = f"checkpoint-{state['step']:06d}"
    tmp = Path(tempfile.mkdtemp(dir=root, prefix=".tmp-"))
    weights = {k: v.detach().contiguous().cpu().clone() for k, v in module.state_dict().items()}
    save_file(weights, str(tmp / "model.safetensors"))
    opt_tensors, opt_meta = _flatten_optimizer(optimizer)
    opt_tensors["rng.torch"] = torch.get_rng_state()
    save_file(opt_tensors, str(tmp / "optimizer.safetensors"))
    meta = {"format": FORMAT, "fingerprint": fingerprint(module), "optimizer": opt_meta, **state}
    (tmp / "state.json").write_text(json.dumps(meta))
    (tmp / "history.json").write_text(history.to_json())
    _fsync_dir(tmp)
    final = root / name
    if final.exists():
        shutil.rmtree(final)
    os.replace(tmp, final)
    _atomic_write(root / "latest", name)
    _prune(root, keep=KEEP)
    return final


def load_checkpoint(directory: str, module: torch.nn.Module, optimizer: torch.optim.Optimizer | None) -> tuple[dict, History]:
    """Restore weights (and optimizer, RNG) in place; return the saved state and history.

    Raises:
        ValueError: no checkpoint, a corrupted one, or one written for a different model.
    """
    path = resolve_checkpoint(directory)
    try:
        meta = json.loads((path / "state.json").read_text())
        weights = load_file(str(path / "model.safetensors"))
        opt = load_file(str(path / "optimizer.safetensors"))
        history = History.from_json((path / "history.json").read_text())
    except Exception as err:  # json/safetensors/OS errors all mean the same thing to the user
        raise ValueError(f"Checkpoint {path} is corrupted or incomplete ({type(err).__name__}: {err})") from err
    if meta.get("format") != FORMAT:
        raise ValueError(f"{path} is not an ftlab checkpoint (format={meta.get('format')!r})")
    if meta["fingerprint"] != fingerprint(module):
        raise ValueError(f"Checkpoint {path} was written for a different model (parameter names/shapes differ); "
                         f"load the same preset, task, labels and freeze/LoRA setting before resuming")
    module.load_state_dict(weights, strict=True)
    if optimizer is not None:
        _restore_optimizer(optimizer, opt, meta["optimizer"])
    torch.set_rng_state(opt["rng.torch"])
    return meta, history


def resolve_checkpoint(directory: str) -> Path:
    root = Path(directory)
    if (root / "state.json").exists():
        return root
    latest = root / "latest"
    if not latest.exists():
        raise ValueError(f"No checkpoint in {directory!r}: expected a 'latest' file or a checkpoint-NNNNNN folder")
    return root / latest.read_text().strip()


def _flatten_optimizer(optimizer: torch.optim.Optimizer) -> tuple[dict, dict]:
    sd = optimizer.state_dict()
    tensors, scalars = {}, {}
    for pid, st in sd["state"].items():
        for k, v in st.items():
            if torch.is_tensor(v):
                tensors[f"state.{pid}.{k}"] = v.detach().contiguous().cpu().clone()
            else:
                scalars[f"{pid}.{k}"] = v
    groups = [{k: v for k, v in g.items() if k != "params"} | {"params": g["params"]} for g in sd["param_groups"]]
    return tensors, {"param_groups": groups, "scalars": scalars}


def _restore_optimizer(optimizer: torch.optim.Optimizer, tensors: dict, meta: dict) -> None:
    state: dict = {}
    for key, v in tensors.items():
        if key.startswith("state."):
            _, pid, name = key.split(".", 2)
            state.setdefault(int(pid), {})[name] = v
    for key, v in meta["scalars"].items():
        pid, name = key.split(".", 1)
        state.setdefault(int(pid), {})[name] = v
    optimizer.load_state_dict({"state": state, "param_groups": meta["param_groups"]})


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _fsync_dir(path: Path) -> None:
    for f in path.iterdir():
        with open(f, "rb") as fh:
            os.fsync(fh.fileno())


def _prune(root: Path, keep: int) -> None:
    ckpts = sorted(p for p in root.glob("checkpoint-*") if p.is_dir())
    for old in ckpts[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    for tmp in root.glob(".tmp-*"):  # leftovers of a killed writer
        shutil.rmtree(tmp, ignore_errors=True)
