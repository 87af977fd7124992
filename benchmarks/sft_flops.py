"""Training FLOPs of a decoder (Llama-style) fine-tune, counting only the work the objective needs.

Formula (stated in RESULTS.md). For a sequence of n real tokens of which s positions predict a supervised token:

    forward  = 2 * N_layers * n          every nn.Linear weight of the decoder layers: one multiply-add per token
             + 2 * L * d * n**2          causal attention: Q K^T and A V over the lower triangle (n**2 / 2 each)
             + 2 * V * d * s             the LM head, needed only where a label is (prompt positions need no logits)

and the backward pass costs, per matmul, 1x its forward for the input gradient (dX) wherever a trainable
parameter lies below it, plus 1x for the weight gradient (dW) where the weight itself trains. So with the top
k of L layers trainable, layers below the lowest trainable one run forward only; with LoRA on every layer, every
base weight needs dX (1x) but no dW, and the adapters (2 r (d_in + d_out) multiply-adds per adapted weight) need
both. Padding is never counted, and neither is an LM head computed at unsupervised positions: both are work a
side chose to do, not work the objective needs, so MFU penalizes them. Embedding lookups are gathers (0 FLOPs).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class DecoderArch:
    layers: int
    hidden: int
    vocab: int
    layer_linear: int  # base nn.Linear weights per decoder layer (q, k, v, o, gate, up, down)
    lora_per_layer: int  # adapter weights per layer (0 without LoRA)
    lowest_trainable: int  # index of the lowest layer with a trainable parameter (layers when none)
    base_trains: bool  # whether base weights of the trainable layers train (top-k), or only adapters (LoRA)


def describe(module: torch.nn.Module) -> DecoderArch:
    """Read the shapes and what trains from a (possibly peft-wrapped) Llama-style causal LM."""
    cfg = module.config
    L = cfg.num_hidden_layers
    base_per_layer = [0] * L
    lora_per_layer = [0] * L
    lowest, base_trains = L, False
    for name, p in module.named_parameters():
        idx = _layer_index(name)
        if idx is None:
            continue
        if "lora_" in name:
            lora_per_layer[idx] += p.numel()
        elif name.endswith("weight") and p.ndim == 2:
            base_per_layer[idx] += p.numel()
        if p.requires_grad:
            lowest = min(lowest, idx)
            base_trains = base_trains or "lora_" not in name
    return DecoderArch(L, cfg.hidden_size, cfg.vocab_size, base_per_layer[0], lora_per_layer[0], lowest, base_trains)


def _layer_index(name: str):
    parts = name.split(".")
    for a, b in zip(parts, parts[1:]):
        if a == "layers" and b.isdigit():
            return int(b)
    return None


def train_flops(arch: DecoderArch, real_tokens: int, real_sq: int, supervised: int) -> float:
    """FLOPs of one training pass over sequences with ``real_tokens`` tokens in all, sum of squared lengths
    ``real_sq`` and ``supervised`` predicted tokens (see the module docstring)."""
    a = arch
    attn_fwd = 2 * a.hidden * real_sq  # per layer
    lin_fwd = 2 * a.layer_linear * real_tokens  # per layer
    lora_fwd = 2 * a.lora_per_layer * real_tokens  # per layer
    head_fwd = 2 * a.vocab * a.hidden * supervised
    forward = a.layers * (lin_fwd + attn_fwd + lora_fwd) + head_fwd
    backward_layers = a.layers - a.lowest_trainable  # layers the gradient flows through
    dx = backward_layers * (lin_fwd + 2 * attn_fwd + lora_fwd)  # attention backward: dQ, dK, dV = 2x its forward
    dw = backward_layers * (lin_fwd if a.base_trains else 0) + backward_layers * lora_fwd
    head_dx = head_fwd if backward_layers > 0 else 0
    return forward + dx + dw + head_dx


def lm_head_share(arch: DecoderArch, real_tokens: int, real_sq: int, positions: int) -> float:
    """Fraction of a forward pass spent in the LM head when it runs at ``positions`` positions."""
    head = 2 * arch.vocab * arch.hidden * positions
    trunk = arch.layers * (2 * arch.layer_linear * real_tokens + 2 * arch.hidden * real_sq)
    return head / (head + trunk)
