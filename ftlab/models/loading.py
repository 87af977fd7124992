"""load_model: presets, saved ftlab models, local Hugging Face directories and (online) hub ids.

Example:
    >>> model = load_model("minilm", task="classification", labels=["negative", "neutral", "positive"])  # doctest: +SKIP
    >>> gpt = load_model("smollm2-135m", task="classification", labels=["neg", "pos"])  # last-token head  # doctest: +SKIP
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Optional, Sequence

import torch

from .heads import SequenceModel
from .presets import PRESETS, cache_dir, unknown_preset_error
from ..tasks import TASKS, get_task
from .wrapper import FTModel


def load_model(name_or_path: "str | FTModel", task: Optional[str] = None, labels: "Sequence[str] | int | None" = None,
               target: str = "label", seed: int = 0, trust_remote_code: bool = False) -> FTModel:
    """Load a pretrained trunk and attach a fresh head for ``task``.

    Args:
        name_or_path: a preset (``ftlab.models.PRESETS``), a directory saved by ``FTModel.save``, a local
            Hugging Face model directory, (online) a hub id, or a causal-lm FTModel already in memory: its
            trunk then gets the new head *in place* (no second copy in memory; the causal LM should not be
            used afterwards, since training the classifier changes the shared trunk).
        task: "classification", "regression" or "causal-lm" (default: the preset's first task).
        labels: class names for classification (or their count); must be None for other tasks. A decoder
            (``smollm2-135m``, ``tiny-llama``, any ``*ForCausalLM``) gets a linear head on its last real token.
        target: the dataset column the model learns to predict (e.g. "rating" for regression).
        seed: seeds the new head's initial weights.
        trust_remote_code: let transformers run code shipped with a hub model (off: it executes downloaded code).

    Raises:
        ValueError: unknown preset, unknown task, or labels that don't fit the task.
    """
    if isinstance(name_or_path, FTModel):
        return _head_on_loaded(name_or_path, task, labels, target, seed)
    if Path(name_or_path, "ftlab.json").exists():
        from .io import load_saved

        return _check_saved_matches(load_saved(name_or_path), name_or_path, task, labels)
    preset = PRESETS.get(name_or_path)
    task = task or (preset.tasks[0] if preset else "classification")
    if task not in TASKS:
        raise ValueError(f"Unknown task {task!r}; use one of {tuple(TASKS)}")
    if preset and task not in preset.tasks:
        raise ValueError(f"Preset {preset.name!r} supports tasks {preset.tasks}, not task={task!r}")
    label_names = _check_labels(task, labels)
    spec = get_task(task)
    if not spec.pools_features:  # causal LM: the pretrained LM head is the task head
        module, tok = _load_causal(name_or_path, trust_remote_code)
    elif _is_decoder(name_or_path, trust_remote_code):  # GPT-style trunk + a linear head on its last token
        lm, tok = _load_causal(name_or_path, trust_remote_code)
        torch.manual_seed(seed)
        module = SequenceModel(lm.base_model, spec, spec.num_outputs(label_names), pooling="last")  # no LM head
    else:  # encoder trunk + a fresh linear head sized by the task
        trunk, tok = _load_encoder(name_or_path, trust_remote_code)
        torch.manual_seed(seed)
        module = SequenceModel(trunk, spec, spec.num_outputs(label_names))
    return FTModel(module, tok, task, label_names, name=name_or_path, target_column=target)


def _head_on_loaded(lm: FTModel, task, labels, target: str, seed: int) -> FTModel:
    """A classification head on the trunk of a causal LM in memory (shared, not copied: 2 GB machines)."""
    if lm.task.pools_features or lm.lora_wrapped or task != "classification":
        raise ValueError(f"load_model(<FTModel>) puts a classification head on a causal-lm model without LoRA; got a "
                         f"{lm.task} model (LoRA: {lm.lora_wrapped or 'none'}) and task={task!r}. Pass "
                         "task='classification', or load a preset by name")
    torch.manual_seed(seed)
    names = _check_labels(task, labels)
    module = SequenceModel(lm.module.base_model, get_task(task), len(names), pooling="last")
    return FTModel(module, lm.tokenizer, task, names, name=lm.name, target_column=target)


def _check_saved_matches(model: FTModel, path: str, task, labels) -> FTModel:
    """A saved model keeps its task and labels: asking for others is an error, not a silent substitution."""
    if task is not None and task != model.task:
        raise ValueError(f"{path} holds a saved {model.task} model; got task={task!r}. Load it without task=, "
                         f"or load the base preset with load_model('{model.name}', task={task!r}) to train a new head")
    if labels is not None and (isinstance(labels, int) and labels != len(model.labels or []) or
                               not isinstance(labels, int) and [str(x) for x in labels] != model.labels):
        raise ValueError(f"{path} was saved with labels {model.labels}; got labels={labels!r}. Load it without "
                         "labels=, or load the base preset to train a head for other labels")
    return model


def _check_labels(task: str, labels) -> Optional[list[str]]:
    if isinstance(labels, str):
        raise ValueError(f"labels must be a list of class names (or their count), not one string; got labels={labels!r}. "
                         f"Did you mean labels=[{labels!r}, ...]?")
    if task == "classification":
        if labels is None:
            raise ValueError("task='classification' needs labels: pass labels=['negative', 'positive'] (or the number of classes)")
        names = [f"label_{i}" for i in range(labels)] if isinstance(labels, int) else [str(x) for x in labels]
        if len(names) < 2 or len(set(names)) != len(names):
            raise ValueError(f"task='classification' needs at least 2 distinct label names; got labels={labels!r}")
        return names
    if labels is not None:
        raise ValueError(f"labels={labels!r} do not match task={task!r}: only task='classification' takes labels "
                         f"(for regression pass target='rating' to name the numeric column)")
    return None


def _is_decoder(name: str, trust_remote_code: bool) -> bool:
    """A causal-LM preset, or a checkpoint whose architecture is ``*ForCausalLM`` (GPT-style, no encoder)."""
    if name in PRESETS:
        return "causal-lm" in PRESETS[name].tasks
    from transformers import AutoConfig

    try:
        config = AutoConfig.from_pretrained(name, trust_remote_code=trust_remote_code)
    except OSError as err:
        raise unknown_preset_error(name) from err
    return any(a.endswith("ForCausalLM") for a in (config.architectures or []))


def _load_encoder(name: str, trust_remote_code: bool):
    from transformers import AutoConfig, AutoModel, AutoTokenizer, BertConfig, BertModel

    if name == "tiny-bert":
        tok = AutoTokenizer.from_pretrained(_require(PRESETS["minilm"]))
        cfg = BertConfig(vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                         intermediate_size=64, max_position_embeddings=512, attention_probs_dropout_prob=0.0)
        torch.manual_seed(0)
        return BertModel(cfg, add_pooling_layer=False), tok
    path = str(_require(PRESETS[name])) if name in PRESETS else name
    _require_safetensors(path)
    try:
        tok = AutoTokenizer.from_pretrained(path, trust_remote_code=trust_remote_code)
        config = AutoConfig.from_pretrained(path, trust_remote_code=trust_remote_code)
        _attention_dropout_off(config)
        try:  # BERT-style trunks ship a pooler we never use (we mean-pool), so skip it
            trunk = _pooler_free_class(config).from_pretrained(path, config=config, add_pooling_layer=False,
                                                               trust_remote_code=trust_remote_code)
        except TypeError:
            trunk = AutoModel.from_pretrained(path, config=config, trust_remote_code=trust_remote_code)
    except OSError as err:
        raise unknown_preset_error(name) from err
    return trunk, tok


def _require_safetensors(path: str) -> None:
    """ftlab never unpickles: a local folder must hold *.safetensors weights, not only pickle files (.bin/.pt)."""
    folder = Path(path)
    if not folder.is_dir() or any(folder.glob("*.safetensors")):
        return
    pickles = sorted(p.name for p in folder.iterdir() if p.suffix in (".bin", ".pt", ".pth", ".pkl", ".ckpt"))
    raise ValueError(f"{path} has no *.safetensors weights{f' (only pickle files {pickles})' if pickles else ''}; "
                     "ftlab loads only safetensors, because unpickling a file can run arbitrary code. Convert it where "
                     "you trust the file: transformers' model.save_pretrained(folder, safe_serialization=True)")


def _pooler_free_class(config):
    """The trunk class for ``config``, told that a checkpoint's pooler weights go unused on purpose.

    We build BERT-style trunks without their pooler (ftlab mean-pools), so transformers would print an
    "UNEXPECTED keys" load report on every load, which reads like an error to a learner. Ignoring exactly the
    ``pooler.*`` keys keeps the report for anything that really is wrong.
    """
    from transformers import AutoModel
    from transformers.models.auto.modeling_auto import MODEL_MAPPING

    try:
        base = MODEL_MAPPING[type(config)]
    except KeyError:  # remote-code or unusual configs: let AutoModel decide (and report)
        return AutoModel
    ignored = set(base._keys_to_ignore_on_load_unexpected or ()) | {r"(^|\.)pooler\."}
    return type(base.__name__, (base,), {"_keys_to_ignore_on_load_unexpected": ignored, "__module__": base.__module__})


def _attention_dropout_off(config) -> None:
    """Dropout on attention probabilities forces PyTorch's slow "math" attention, which stores every
    (T x T) attention map for backward: on MiniLM at batch 32 x 128 tokens that is ~600 MB more memory and
    slower steps. We switch only that dropout off; dropout on hidden states (the main regulariser) stays."""
    for attr in ("attention_probs_dropout_prob", "attention_dropout"):
        if hasattr(config, attr):
            setattr(config, attr, 0.0)


def _load_causal(name: str, trust_remote_code: bool):
    from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaConfig, LlamaForCausalLM

    if name == "tiny-llama":
        tok = AutoTokenizer.from_pretrained(_require(PRESETS["minilm"]))
        cfg = LlamaConfig(vocab_size=tok.vocab_size, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                          num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=512,
                          pad_token_id=tok.pad_token_id)
        torch.manual_seed(0)
        return LlamaForCausalLM(cfg), tok
    if name == "smollm2-135m":
        path = _smollm2_cache()
    else:
        path = name
    try:
        tok = AutoTokenizer.from_pretrained(path, trust_remote_code=trust_remote_code)
        model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32, trust_remote_code=trust_remote_code)
    except OSError as err:
        raise unknown_preset_error(name) from err
    if tok.pad_token is None:  # padding positions are masked by attention_mask and IGNORE_INDEX labels, never by id
        tok.pad_token = tok.eos_token
    return model, tok


def _require(preset) -> Path:
    path = preset.locate()
    if path is None:
        raise ValueError(f"Preset {preset.name!r} is not installed here; install it with: {preset.install_hint}")
    return path


def _smollm2_cache() -> Path:
    """Dequantize the GGUF once (~25 s) and cache it as safetensors; later loads take about a second.

    transformers refuses ``save_pretrained`` on a GGUF-loaded model, so we rebuild the model from its config
    without ``quantization_config`` and copy the dequantized weights into it.
    """
    target = cache_dir() / "smollm2-135m"
    if (target / "model.safetensors").exists():
        return target
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf = _require(PRESETS["smollm2-135m"])
    tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    loaded = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    cfg = loaded.config.to_dict()
    cfg.pop("quantization_config", None)
    clean = AutoModelForCausalLM.from_config(type(loaded.config).from_dict(cfg), dtype=torch.float32)
    clean.load_state_dict(loaded.state_dict())
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=".smollm2-"))
    clean.save_pretrained(tmp)
    tok.save_pretrained(tmp)
    os.replace(tmp, target)  # atomic: a crash mid-write never leaves a half cache behind
    return target
