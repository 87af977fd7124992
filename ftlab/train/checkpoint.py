"""Checkpoints written atomically, read with safetensors + JSON (nothing is ever unpickled).

Layout of ``output_dir``::

    checkpoint-000120/   model.safetensors, optimizer.safetensors, state.json, history.json
    latest               the name of the newest complete checkpoint

A checkpoint is written into a hidden temp folder and renamed into place under a name no other folder
has; ``latest`` is then replaced atomically, and only after that are older checkpoints pruned — so
``latest`` names a complete checkpoint at every instant, and a process killed mid-write leaves the
previous checkpoint and ``latest`` untouched. Pruning deletes only checkpoints of the *same run* (each
state.json records its run id), never folders another run or another tool wrote.
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
KEEP = 2  # newest checkpoints of a run kept; its older ones are deleted after a successful write
TMP_PREFIX = ".ftlab-tmp-"  # ftlab's own temp folders: the only hidden folders it ever removes


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
                    state: dict, history: History, run_id: str = "") -> Path:
    """Write checkpoint-<step> atomically, point ``latest`` at it, then prune this run's older checkpoints."""
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=root, prefix=TMP_PREFIX))
    weights = {k: v.detach().contiguous().cpu().clone() for k, v in module.state_dict().items()}
    save_file(weights, str(tmp / "model.safetensors"))
    opt_tensors, opt_meta = _flatten_optimizer(optimizer)
    opt_tensors["rng.torch"] = torch.get_rng_state()
    save_file(opt_tensors, str(tmp / "optimizer.safetensors"))
    meta = {"format": FORMAT, "fingerprint": fingerprint(module), "run_id": run_id, "optimizer": opt_meta, **state}
    (tmp / "state.json").write_text(json.dumps(meta))
    (tmp / "history.json").write_text(history.to_json())
    _fsync_dir(tmp)
    final = _free_name(root, f"checkpoint-{state['step']:06d}")  # never replace a folder in place: latest may name it
    os.replace(tmp, final)
    _atomic_write(root / "latest", final.name)
    _prune(root, run_id, keep=KEEP)
    return final


def _free_name(root: Path, name: str) -> Path:
    """``root/name``, or ``root/name-2``, ``-3``… when that exists (a rerun at the same step, another tool's folder)."""
    candidate, n = root / name, 1
    while candidate.exists():
        n += 1
        candidate = root / f"{name}-{n}"
    return candidate


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


def read_run(path: Path) -> "tuple[str, int] | None":
    """(run id, step) of an ftlab checkpoint folder, or None for anything else (another tool's folder)."""
    try:
        meta = json.loads((path / "state.json").read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT or not isinstance(meta.get("step"), int):
        return None
    return str(meta.get("run_id", "")), meta["step"]


def _prune(root: Path, run_id: str, keep: int) -> None:
    """Delete this run's checkpoints beyond the newest ``keep`` (never the one ``latest`` names), and ftlab's
    own temp folders left by a killed writer. Other runs' and other tools' folders are never touched."""
    latest = (root / "latest").read_text().strip() if (root / "latest").exists() else None
    mine = []
    for path in root.glob("checkpoint-*"):
        info = read_run(path) if path.is_dir() else None
        if run_id and info is not None and info[0] == run_id:
            mine.append((info[1], path.stat().st_mtime_ns, path))
    mine.sort()  # by step, then by write time: the run's own record, not name order
    for _, _, old in mine[:-keep]:
        if old.name != latest:
            shutil.rmtree(old, ignore_errors=True)
    for tmp in root.glob(f"{TMP_PREFIX}*"):  # leftovers of a killed writer
        shutil.rmtree(tmp, ignore_errors=True)
