"""The decoder section's record: its keys merged into results/latest.json and a dated table for RESULTS.md.

    >>> record(out, machine, quick=False)  # doctest: +SKIP
"""
from __future__ import annotations

import datetime
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIDES = (("ftlab", "ftlab (padded, length-bucketed, logits at supervised positions)"),
         ("ftlab_full_logits", "ftlab, full logits (before the change)"),
         ("trl", "TRL SFTTrainer (padded), gradient checkpointing off"),
         ("trl_checkpointing", "TRL SFTTrainer as configured by default (checkpointing on)"),
         ("trl_packed", "TRL packing=True (BFD, padding-free), checkpointing off"))


def record(out: dict, machine: dict, quick: bool) -> str:
    """Merge the keys into latest.json (quick.json for a smoke run) and append the section to RESULTS.md."""
    path = HERE / "results" / ("quick.json" if quick else "latest.json")
    path.parent.mkdir(exist_ok=True)
    data = json.loads(path.read_text()) if path.exists() else {}
    data |= out["keys"] | {"sft": out["sft"]}
    path.write_text(json.dumps(data, indent=2, default=str))
    section = markdown(out, machine, quick)
    if not quick:
        with open(HERE / "RESULTS.md", "a") as f:
            f.write(section)
    return section


def markdown(out: dict, machine: dict, quick: bool) -> str:
    s = out["sft"]
    lines = [f"\n## Decoder SFT vs TRL {s['trl_version']} — {datetime.date.today()}{' (quick)' if quick else ''}\n",
             f"Machine: {machine.get('cpu')} ({machine.get('cores')} cores), torch {machine.get('torch')}, "
             f"transformers {machine.get('transformers')}; shared with other engineers' jobs, so absolute speeds "
             f"vary — ratios are paired (same seed, sides alternating).\n",
             f"smollm2-135m, bundled translation chats (en→zh), batch {s['batch_size']}, max_len {s['max_len']}, "
             f"lr {s['lr']}, {s['steps']} steps, {s['seeds']} seeds; supervised tokens over the train set: ftlab "
             f"{s['supervision']['supervised_tokens_ftlab']}, TRL {s['supervision']['supervised_tokens_trl']}.\n"]
    for setting, rows in s["settings"].items():
        lines += [f"\n**{setting}** — ftlab ÷ TRL supervised tokens/s, paired per seed: "
                  f"{rows['speedup_vs_trl_paired']} (median {rows['speedup_vs_trl']:.2f}×)"
                  + (f"; vs TRL packed {rows['speedup_vs_trl_packed']:.2f}×" if "speedup_vs_trl_packed" in rows else "")
                  + (f"; logits at supervised positions vs full logits {rows['speedup_logits_kept']:.2f}×"
                     if "speedup_logits_kept" in rows else "") + "\n",
                  "| side | sup. tok/s | tok/s | s/step | train loss | held-out loss (per seed) | peak RSS MB "
                  "(fresh process) | MFU | "
                  "padded/real | LM-head share of fwd |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for key, label in SIDES:
            if key in rows:
                r = rows[key]
                per_seed = ", ".join(f"{x:.4f}" for x in r["heldout_loss_per_seed"])
                lines.append(f"| {label} | {r['supervised_tokens_per_s']:.1f} | {r['tokens_per_s']:.1f} | "
                             f"{r['s_per_step']:.2f} | {r['train_loss']:.3f} | {r['heldout_loss']:.4f} ({per_seed}) | "
                             f"{_mb(r.get('peak_rss_mb'))} | {r['mfu']:.1%} | {r['padding_overhead']:.2f} | "
                             f"{r['lm_head_share_of_forward']:.1%} |")
        lines += memory_table(rows.get("memory", {}), s.get("memory_steps"))
    iso, gen = s["packing_isolation"], s["generation"]
    if "error" not in iso:
        lines.append(f"\nTRL packing isolation ({iso['attn_implementation']}, one packed row of "
                     f"{iso['examples_in_pack']} examples): max |Δ per-token loss| packed vs alone "
                     f"{iso['max_abs_loss_diff_packed_vs_alone']:.2e}; with an all-ones 2D mask (contaminated "
                     f"control) {iso['max_abs_loss_diff_all_ones_mask']:.2e}.\n")
    if "error" not in gen:
        lines += [f"\nGeneration, greedy, {gen['prompts']} held-out prompts, ≤ {gen['max_new_tokens']} new tokens:\n",
                  "| path | generated tok/s | seconds | outputs identical to one-at-a-time |", "|---|---|---|---|"]
        for name, label in (("batched", f"FTModel.generate, batch {gen['batch_size']}, KV cache"),
                            ("one_at_a_time", "one prompt at a time"), ("pipeline", "transformers.pipeline")):
            lines.append(f"| {label} | {gen[f'{name}_tokens_per_s']:.1f} | {gen[f'{name}_seconds']:.1f} | "
                         f"{gen[f'{name}_identical_to_one_at_a_time']}/{gen['prompts']} |")
    if machine.get("device") != "cuda":
        lines.append("\nGPU (not run here: no GPU was lent in this session): on a CUDA machine, "
                     "`make bench ARGS=\"--sft-only\"`, i.e. `.venv/bin/python benchmarks/bench.py --sft-only` "
                     "(bf16 autocast and fused AdamW on both sides; the same sizes).\n")
    return "\n".join(lines) + "\n"


MEMORY_SIDES = (("ftlab", "ftlab"), ("trl", "TRL, checkpointing off"),
                ("ftlab_checkpointing", "ftlab, gradient checkpointing on"),
                ("trl_checkpointing", "TRL as configured by default (checkpointing on)"))


def memory_table(memory: dict, steps) -> list[str]:
    """Each side alone in a fresh process (benchmarks/sft_memory.py): RSS before training and its peak during it."""
    if not memory:
        return []
    lines = [f"\nMemory, each side alone in a fresh process, {steps} steps (benchmarks/sft_memory.py):\n",
             "| side | RSS before training MB | peak RSS during training MB | added by training MB | "
             "tokens trained (real / padded) |", "|---|---|---|---|---|"]
    for key, label in MEMORY_SIDES:
        if key in memory:
            r = memory[key]
            lines.append(f"| {label} | {r['rss_before_mb']:.0f} | {r['peak_rss_mb']:.0f} | "
                         f"{r['train_peak_over_before_mb']:.0f} | {r['real_tokens']} / {r['padded_tokens']} |")
    return lines


def _mb(value) -> str:
    return "—" if value is None else f"{value:.0f}"
