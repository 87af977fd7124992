"""FTModel: a torch module plus its tokenizer, task and label names, with named groups to freeze.

Example:
    >>> model = ftlab.load_model("minilm", task="classification", labels=["neg", "pos"])  # doctest: +SKIP
    >>> model.freeze("top-2"); model.trainable_fraction                                   # doctest: +SKIP
"""
from __future__ import annotations

from typing import Iterable, Optional, Sequence

import numpy as np
import pandas as pd
import torch
from torch import nn

from ..tasks import get_task
from . import groups as G
from .lora import add_lora, is_lora
from .memory import MemoryEstimate, estimate_training_memory

class FTModel:
    """What :func:`ftlab.load_model` returns. ``.module`` is the plain ``torch.nn.Module`` the trainer runs."""

    def __init__(self, module: nn.Module, tokenizer, task: str, labels: Optional[list[str]] = None,
                 name: str = "", target_column: str = "label"):
        self.module = module
        self.tokenizer = tokenizer
        self.task = get_task(task)  # a Task object (ftlab/tasks.py); compares equal to its name
        self.labels = list(labels) if labels else None
        self.name = name
        self.target_column = target_column  # dataset column the trainer learns to predict
        self.lora_wrapped: Optional[str] = None  # "trunk" / "module" once LoRA is attached

    # ---- structure -------------------------------------------------------------------------------
    @property
    def device(self) -> torch.device:
        return next(self.module.parameters()).device

    def layer_groups(self) -> "dict[str, list[str]]":
        """Group name (embeddings, layer.0 … layer.N-1, head) -> parameter names, bottom to top."""
        return G.layer_groups(self.module)

    @property
    def groups(self) -> list[str]:
        return list(self.layer_groups())

    def freeze(self, train: "str | Sequence[str]" = "head", **lora_options) -> "FTModel":
        """Choose what trains; everything else is frozen (requires_grad=False).

        Args:
            train: a preset — "head" (new head only), "top-N" (top N layers + head), "all" (full
                fine-tune), "lora" (low-rank adapters + head) — or a list of group names such as
                ``["layer.4", "layer.5", "head"]``.
            **lora_options: ``r``, ``alpha``, ``dropout`` for ``train="lora"``.

        Example:
            >>> model.freeze(["layer.5", "head"]).trainable_groups()  # doctest: +SKIP
            ['layer.5', 'head']
        """
        if train == "lora":
            return self._attach_lora(**lora_options)
        if lora_options:
            raise ValueError(f"freeze(): options {sorted(lora_options)} only apply to train='lora'")
        G.apply_freeze(self.module, G.resolve_train_groups(train if isinstance(train, str) else list(train), self.groups))
        return self

    def _attach_lora(self, r: int = 8, alpha: int = 16, dropout: float = 0.05) -> "FTModel":
        if is_lora(self.module):
            raise ValueError("LoRA is already attached to this model; load a fresh model to change its rank")
        if not self.task.pools_features:  # a causal LM has no separate trunk: adapters go on the whole model
            self.module = add_lora(self.module, r, alpha, dropout)
            self.lora_wrapped = "module"
        else:
            self.module.trunk = add_lora(self.module.trunk, r, alpha, dropout)
            for p in self.module.head.parameters():
                p.requires_grad = True  # the new head must still learn
            self.lora_wrapped = "trunk"
        return self

    def trainable_groups(self) -> list[str]:
        return G.trainable_groups(self.module)

    def num_parameters(self, trainable_only: bool = False) -> int:
        return sum(p.numel() for p in self.module.parameters() if p.requires_grad or not trainable_only)

    @property
    def trainable_fraction(self) -> float:
        return self.num_parameters(True) / max(1, self.num_parameters())

    def param_summary(self) -> pd.DataFrame:
        """One row per group: parameters, trainable parameters, and whether it trains."""
        params = dict(self.module.named_parameters())
        rows = []
        for g, names in self.layer_groups().items():
            n = sum(params[k].numel() for k in names)
            t = sum(params[k].numel() for k in names if params[k].requires_grad)
            rows.append({"group": g, "params": n, "trainable": t, "trains": t > 0})
        return pd.DataFrame(rows)

    def estimate_memory(self, batch_size: int = 32, seq_len: int = 128, precision: str = "fp32",
                        optimizer: str = "adamw", gradient_checkpointing: bool = False) -> MemoryEstimate:
        """Estimated training memory with the current frozen/trainable split (see ftlab.models.memory)."""
        return estimate_training_memory(self.module, batch_size, seq_len, precision, optimizer, gradient_checkpointing)

    def _checkpointing_base(self):
        trunk = self.module.trunk if self.task.pools_features else self.module
        return getattr(trunk, "get_base_model", lambda: trunk)()

    @property
    def gradient_checkpointing(self) -> bool:
        """Whether activations are recomputed in backward (less memory, ~30% slower steps)."""
        return bool(self._checkpointing_base().is_activation_checkpointing)

    def set_gradient_checkpointing(self, on: bool = True) -> None:
        """Turn activation (gradient) checkpointing on or off.

        Non-reentrant checkpointing (``use_reentrant=False``) on purpose: with frozen embeddings the layer
        inputs carry no grad, and reentrant checkpointing then silently gives the checkpointed layers no
        gradients (a classic pitfall of freezing + checkpointing in other trainers); its usual workaround,
        ``enable_input_require_grads``, makes backward run through every frozen layer below the trainable
        ones (measured on SmolLM2 top-2: 1479 → 1587 MB peak and slower), so it is not used here.
        """
        base = self._checkpointing_base()
        if on:
            base.activation_checkpointing_enable(activation_checkpointing_kwargs={"use_reentrant": False})
        else:
            if base.is_activation_checkpointing:
                base.activation_checkpointing_disable()
            if hasattr(base, "_require_grads_hook"):
                base.disable_input_require_grads()

    def enable_gradient_checkpointing(self) -> None:
        """Shorthand for ``set_gradient_checkpointing(True)``."""
        self.set_gradient_checkpointing(True)

    # ---- inference -------------------------------------------------------------------------------
    def tokenize(self, texts: Sequence[str], max_len: int = 128) -> dict:
        """Padded tensors for a list of texts. Returns input_ids, attention_mask  (B, T)."""
        return self.tokenizer(list(texts), padding=True, truncation=True, max_length=max_len, return_tensors="pt")

    @torch.no_grad()
    def predict_outputs(self, texts: Sequence[str], batch_size: int = 64, max_len: int = 128) -> np.ndarray:
        """Raw head outputs: logits (N, C) for classification, values (N,) for regression.

        The module's train/eval mode is restored afterwards (a prediction inside a callback must not turn
        dropout off for the rest of training)."""
        self._require_head("predict_outputs")
        was_training = self.module.training
        self.module.eval()
        outs = []
        try:
            for i in range(0, len(texts), batch_size):
                enc = self.tokenize(texts[i:i + batch_size], max_len).to(self.device)
                outs.append(self.module(**enc)["logits"].float().cpu())
        finally:
            self.module.train(was_training)
        width = self.task.num_outputs(self.labels)
        out = torch.cat(outs).numpy() if outs else np.zeros((0, width))
        return out.squeeze(-1) if width == 1 else out  # regression: one value per text

    def predict(self, texts: "str | Iterable[str]", batch_size: int = 64, max_len: int = 128) -> pd.DataFrame:
        """Predicted label and probabilities (classification) or value (regression) per text.

        Example:
            >>> model.predict(["Great value, would buy again"])  # doctest: +SKIP
        """
        self._require_head("predict")
        texts = [texts] if isinstance(texts, str) else list(texts)
        out = self.predict_outputs(texts, batch_size, max_len)
        if out.ndim == 1:  # regression
            return pd.DataFrame({"text": texts, "prediction": out})
        probs = torch.softmax(torch.from_numpy(out), -1).numpy()
        frame = pd.DataFrame({"text": texts, "label": [self.labels[i] for i in probs.argmax(1)], "confidence": probs.max(1)})
        for j, name in enumerate(self.labels):
            frame[f"p({name})"] = probs[:, j]
        return frame

    @torch.no_grad()
    def encode(self, texts: Sequence[str], batch_size: int = 64, max_len: int = 128, normalize: bool = True) -> np.ndarray:
        """Sentence embeddings from the trunk (mean pooled), for similarity and retrieval.  -> (N, H)"""
        if not self.task.pools_features:
            raise ValueError("encode() needs an encoder model (e.g. 'minilm'), not a causal-lm")
        was_training = self.module.training
        self.module.eval()
        vecs = []
        try:
            for i in range(0, len(texts), batch_size):
                enc = self.tokenize(texts[i:i + batch_size], max_len).to(self.device)
                v = self.module.pool(enc["input_ids"], enc["attention_mask"]).float()
                vecs.append(torch.nn.functional.normalize(v, dim=-1) if normalize else v)
        finally:
            self.module.train(was_training)
        return torch.cat(vecs).cpu().numpy()

    def generate(self, prompts: "str | Sequence", max_new_tokens: int = 64, temperature: float = 0.0, **options) -> list[str]:
        """Continue each prompt (a string, or a chat as a list of {"role", "content"} messages) and return the
        new text only. Chat models get their tokenizer's chat template; greedy at temperature 0 (default).

        Example:
            >>> lm.generate([[{"role": "user", "content": "Translate to Chinese: Good morning"}]])  # doctest: +SKIP
        """
        if self.task.pools_features:
            raise ValueError(f"generate() needs a causal-lm model; this one is {self.task}: use predict() instead")
        from .generate import generate

        return generate(self, prompts, max_new_tokens=max_new_tokens, temperature=temperature, **options)

    def _require_head(self, what: str) -> None:
        if not self.task.pools_features:
            raise ValueError(f"{what}() is for classification/regression models; for a causal-lm use model.generate(prompts)")

    def save(self, directory: str, overwrite: bool = False) -> str:
        """Save weights (safetensors), tokenizer and ftlab.json; reload with ``ftlab.load_model(directory)``.

        Never deletes a file ftlab did not write: an existing ftlab model folder is replaced atomically (your
        own files in it are kept); any other non-empty folder is refused unless ``overwrite=True``.

        Example:
            >>> model.save("models/sentiment")  # doctest: +SKIP
        """
        from .io import save_model

        return save_model(self, directory, overwrite=overwrite)

    def __repr__(self) -> str:
        return (f"FTModel({self.name!r}, task={self.task!r}, labels={self.labels}, "
                f"trainable={self.num_parameters(True):,}/{self.num_parameters():,} params, groups={self.trainable_groups()})")
