"""Machine description and the dated RESULTS.md section for one bench run."""
from __future__ import annotations

import os
import platform
import time
from pathlib import Path

import torch

HEADER = "# Benchmarks\n\nEach `make bench` run appends a dated section below (see benchmarks/bench.py).\n"

TARGETS = {  # key: (threshold the measured value must reach, what the issue asks)
    "speedup_vs_hf": (1.5, "ftlab >= 1.5x HF samples/s (goal 2x)"),
    "mfu": (0.5, "MFU >= 50% of the measured matmul peak (CPU)"),
    "cached_head_speedup": (10.0, "cached head >= 10x faster per epoch"),
}


def describe_machine(device: torch.device) -> dict:
    import accelerate
    import transformers

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or "unknown"
    info = {"date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "cpu": cpu, "cores": os.cpu_count(),
            "torch_threads": torch.get_num_threads(), "torch": torch.__version__,
            "transformers": transformers.__version__, "accelerate": accelerate.__version__,
            "python": platform.python_version(), "device": str(device), "load_avg_start": _load()}
    if device.type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(device)
    return info


def _load() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def target_lines(summary: dict) -> list[str]:
    lines = []
    for key, (threshold, text) in TARGETS.items():
        value = summary.get(key)
        if value is None:
            lines.append(f"- {text}: not measured in this run")
            continue
        verdict = "MET" if value >= threshold else "MISSED"
        shown = f"{value:.1%}" if key == "mfu" else f"{value:.2f}x"
        lines.append(f"- {text}: **{verdict}** (measured {shown})")
    gap = summary.get("acc_gap_points")
    if gap is not None:
        verdict = "MET" if abs(gap) <= 1.0 else "MISSED"
        lines.append(f"- test accuracy within 1 point of HF: **{verdict}** (ftlab - HF = {gap:+.2f} points, mean over seeds)")
    head_gap = summary.get("cached_head_acc_gap_points")
    if head_gap is not None:
        lines.append(f"- cached head at the same accuracy: fit_head - Trainer head-only = {head_gap:+.2f} points")
    return lines


def markdown_section(summary: dict, machine: dict, runs: list[dict], head: list[dict], notebooks: list[dict],
                     quick: bool) -> str:
    m = machine
    out = [f"\n## {m['date']}{' (quick smoke run: few steps, not a result)' if quick else ''}\n",
           f"Machine: {m['cpu']}, {m['cores']} cores (torch threads {m['torch_threads']})"
           + (f", GPU {m['gpu']}" if "gpu" in m else "") + f"; torch {m['torch']}, transformers {m['transformers']}, "
           f"accelerate {m['accelerate']}, Python {m['python']}; load average at start {m['load_avg_start']}, "
           f"at end {_load()} (a shared machine: sides alternate in one process so both see the same load).\n",
           f"Setup: {summary['setup']}\n", "Targets:", *target_lines(summary), "",
           "| side | seed | seconds | samples/s | real tokens | padded tokens | MFU (real) | MFU (padded) | peak RSS MB | test acc |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for r in runs:
        out.append(f"| {r['side']} | {r['seed']} | {r['seconds']:.1f} | {r['samples_per_s']:.2f} | {r['tokens_real']} | "
                   f"{r['tokens_padded']} | {r['mfu']:.1%} | {r['mfu_padded']:.1%} | {r['peak_rss_mb']:.0f} | {r['test_accuracy']:.4f} |")
    out += ["", "Summary (medians over repeats; accuracy = mean over seeds):", "", "| metric | value |", "|---|---|"]
    for k, v in summary.items():
        if k != "setup":
            out.append(f"| {k} | {_fmt(v)} |")
    out += ["", "Head-only (same lr/epochs/batches; Trainer runs the trunk every step, fit_head once):", "",
            "| side | epochs | seconds (whole call) | s/epoch | trunk pass s | test acc |", "|---|---|---|---|---|---|"]
    for h in head:
        out.append(f"| {h['side']} | {h['epochs']} | {h['seconds']:.2f} | {h['seconds_per_epoch']:.4f} | "
                   f"{h.get('cache_seconds', float('nan')):.2f} | {h['test_accuracy']:.4f} |")
    out += ["", "Notebooks (papermill, one process each; peak RSS = the kernel's ru_maxrss):", ""]
    if notebooks:
        out += ["| notebook | profile | seconds | peak RSS MB | status |", "|---|---|---|---|---|"]
        out += [f"| {n['name']} | {n['profile']} | {n['seconds']} | {n['peak_rss_mb']} | {n['status']} |" for n in notebooks]
    else:
        out.append("(none run)")
    return "\n".join(out) + "\n"


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, list):
        return ", ".join(_fmt(x) for x in v)
    return str(v)
