"""ftlab's Trainer vs transformers.Trainer, side by side in one process, plus fit_head and the notebooks.

    make bench                         # = .venv/bin/python benchmarks/bench.py
    python benchmarks/bench.py --quick --skip-notebooks   # smoke run: a few steps, nothing to conclude from
    python benchmarks/bench.py --precision bf16 --compile # GPU options, passed to both sides
    python benchmarks/bench.py --sft-only                 # only the decoder section: ftlab vs TRL (sft_bench.py)
    python benchmarks/bench.py --sft-only --steps 4       # options bench.py does not know go to sft_bench.py

Both sides train the same model (the ``minilm`` preset, same pretrained trunk and same seeded head) on the
``reviews`` train split (split val=0.1, test=0.1, seed=0), batch 32, max_len 128, one epoch, same lr,
AdamW with weight decay 0.01 (no decay on biases/norms on both sides), linear decay, no warmup, clipping at
1.0. HF gets its defaults plus the options the issue names: pre-tokenized data, DataCollatorWithPadding,
``use_cpu`` without a GPU, no logging/saving/tqdm, no workers. Runs alternate (ftlab, HF, HF, ftlab, …)
after an untimed warm-up of each side, so load from other processes falls on both. Writes
benchmarks/results/latest.json and appends a dated section to benchmarks/RESULTS.md (``--quick`` writes
benchmarks/results/quick.json only).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("FTLAB_PROGRESS", "off")

import torch  # noqa: E402

import ftlab  # noqa: E402
from ftlab.data import load_dataset, split  # noqa: E402
from ftlab.device import measure_matmul_flops, peak_flops, pick_device, process_peak_rss_mb, resolve_precision  # noqa: E402

import flops  # noqa: E402
import report  # noqa: E402
import sides  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def parse_args(argv=None) -> argparse.Namespace:
    """bench.py's options; the ones it does not know are kept in ``sft_args`` for the decoder section."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true",
                   help="256 training rows, 1 repeat, 1 head epoch: a smoke run (writes results/quick.json only)")
    p.add_argument("--skip-notebooks", action="store_true", help="leave out the papermill notebook table")
    p.add_argument("--repeats", type=int, default=None, help="timed runs per side (default 4: even, so each side goes first equally often; quick 1)")
    p.add_argument("--lr", type=float, default=1e-4, help="full fine-tune lr, both sides")
    p.add_argument("--head-lr", type=float, default=3e-3, help="lr for the head-only comparison")
    p.add_argument("--head-epochs", type=int, default=None, help="epochs for the head-only comparison (default 5, quick 1)")
    p.add_argument("--precision", default="auto", choices=["auto", "fp32", "bf16", "fp16"],
                   help="ftlab TrainConfig.precision; HF gets bf16=/fp16= to match")
    p.add_argument("--compile", action="store_true", help="torch.compile on both sides (TrainConfig.compile / torch_compile)")
    p.add_argument("--skip-sft", action="store_true", help="leave out the decoder section (ftlab vs TRL SFTTrainer)")
    p.add_argument("--sft-only", action="store_true",
                   help="run only the decoder section; its keys are merged into the existing latest.json")
    p.add_argument("--no-extras", action="store_true", help="skip the extra columns (HF group_by_length, ftlab bucketed instead of packed)")
    args, args.sft_args = p.parse_known_args(argv)
    if args.sft_args:  # checked now, not after the encoder section has run for an hour
        if args.skip_sft:
            p.error(f"options {args.sft_args} are for the decoder section, which --skip-sft leaves out")
        import sft_bench

        sft_bench.parse_args(args.sft_args)
    return args


def measure_peak(device: torch.device, precision: str) -> float:
    """Matmul FLOP/s right now (1 s of 1024x1024 products in the training dtype): MFU's denominator."""
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision, torch.float32)
    return measure_matmul_flops(device, n=1024 if device.type == "cpu" else 8192, seconds=1.0, dtype=dtype)


def timed(fn, setup, seed, arch, device, precision, **kw) -> dict:
    peak = measure_peak(device, precision)  # measured next to each run: both see the same machine state
    r = fn(setup, seed, **kw)
    tokens = r.pop("tokens")
    r["matmul_peak_gflops"] = peak / 1e9
    r["achieved_gflops"] = flops.train_flops(arch, tokens, padded=False) / r["seconds"] / 1e9
    r["mfu"] = r["achieved_gflops"] * 1e9 / peak
    r["mfu_padded"] = flops.train_flops(arch, tokens, padded=True) / r["seconds"] / peak
    r["mfu_6n_all_params"] = flops.six_n_flops(arch, tokens) / r["seconds"] / peak
    print(f"  {r['side']:<26} seed {seed}: {r['seconds']:7.1f} s  {r['samples_per_s']:6.2f} samples/s  "
          f"MFU {r['mfu']:.1%} (padded {r['mfu_padded']:.1%})  acc {r['test_accuracy']:.4f}", flush=True)
    return r


def compare_trainers(setup, args, arch, device, precision, repeats: int) -> list[dict]:
    print("warm-up (untimed): one short run per side", flush=True)
    warm = sides.Setup(**{**setup.__dict__, "max_steps": 2})
    sides.run_ftlab(warm, 0)
    sides.run_hf(warm, 0)
    runs = []
    for rep in range(repeats):
        order = [sides.run_ftlab, sides.run_hf] if rep % 2 == 0 else [sides.run_hf, sides.run_ftlab]
        for fn in order:
            runs.append(timed(fn, setup, rep, arch, device, precision))
        if rep == 0 and not args.no_extras:  # extra columns, once each, inside the same alternation
            runs.append(timed(sides.run_hf, setup, rep, arch, device, precision, strategy="group_by_length"))
            runs.append(timed(sides.run_ftlab, setup, rep, arch, device, precision, side="ftlab_bucketed",
                              pack_sequences=False))  # the fallback where packing does not apply
    return runs


def summarize(runs: list[dict], setup, device, precision, args) -> dict:
    def side(name):
        return [r for r in runs if r["side"] == name]

    ft, hf = side("ftlab"), side("hf")
    med = lambda rs, k: statistics.median(r[k] for r in rs)  # noqa: E731
    pairs = [a["samples_per_s"] / b["samples_per_s"] for a, b in zip(ft, hf)]
    acc_ft = statistics.mean(r["test_accuracy"] for r in ft)
    acc_hf = statistics.mean(r["test_accuracy"] for r in hf)
    out = {
        "setup": (f"{setup.preset}, reviews train {len(setup.splits['train'])} rows, batch {setup.batch_size}, "
                  f"max_len {setup.max_len}, 1 epoch, "
                  f"lr {setup.lr}, precision {precision}, compile {setup.compile}, device {device}, {len(ft)} repeats"),
        "samples_per_s_ftlab": med(ft, "samples_per_s"), "samples_per_s_hf": med(hf, "samples_per_s"),
        "speedup_vs_hf": med(ft, "samples_per_s") / med(hf, "samples_per_s"),
        "speedup_vs_hf_paired": [round(x, 3) for x in pairs],
        "acc_ftlab": acc_ft, "acc_hf": acc_hf, "acc_gap_points": 100 * (acc_ft - acc_hf),
        "acc_ftlab_per_seed": [r["test_accuracy"] for r in ft], "acc_hf_per_seed": [r["test_accuracy"] for r in hf],
        "mfu": med(ft, "mfu"), "mfu_padded": med(ft, "mfu_padded"), "mfu_6n_all_params": med(ft, "mfu_6n_all_params"),
        "mfu_hf": med(hf, "mfu"), "mfu_hf_padded": med(hf, "mfu_padded"),
        "matmul_peak_gflops": max(r["matmul_peak_gflops"] for r in runs),
        "padding_overhead_ftlab": ft[0]["tokens_padded"] / ft[0]["tokens_real"],
        "padding_overhead_hf": statistics.mean(r["tokens_padded"] / r["tokens_real"] for r in hf),
        "peak_rss_mb_ftlab": max(r["peak_rss_mb"] for r in ft), "peak_rss_mb_hf": max(r["peak_rss_mb"] for r in hf),
    }
    for extra in ("hf_group_by_length", "ftlab_bucketed"):
        if side(extra):
            out[f"samples_per_s_{extra}"] = side(extra)[0]["samples_per_s"]
            out[f"acc_{extra}"] = side(extra)[0]["test_accuracy"]
    if device.type == "cuda" and peak_flops(device):
        out["mfu_vs_catalog_peak"] = out["mfu"] * out["matmul_peak_gflops"] * 1e9 / peak_flops(device)
    return out


def compare_head_only(setup, args, epochs: int) -> tuple[list[dict], dict]:
    """fit_head vs Trainer + freeze("head"), alternating; fit_head runs twice and its faster run counts."""
    print(f"head-only, {epochs} epochs, lr {args.head_lr}", flush=True)
    runs = [sides.run_fit_head(setup, 0, epochs, args.head_lr), sides.run_head_trainer(setup, 0, epochs, args.head_lr),
            sides.run_fit_head(setup, 0, epochs, args.head_lr)]
    for r in runs:
        print(f"  {r['side']:<18} {r['seconds']:7.2f} s  {r['seconds_per_epoch']:.4f} s/epoch  acc {r['test_accuracy']:.4f}", flush=True)
    trainer = runs[1]
    cached = min((runs[0], runs[2]), key=lambda r: r["seconds"])
    return runs, {
        "cached_head_speedup": trainer["seconds_per_epoch"] / cached["seconds_per_epoch"],
        "cached_head_speedup_end_to_end": trainer["seconds"] / cached["seconds"],
        "cached_head_epochs": epochs,
        "cached_head_trunk_pass_seconds": cached["cache_seconds"],
        "acc_head_trainer": trainer["test_accuracy"], "acc_fit_head": cached["test_accuracy"],
        "cached_head_acc_gap_points": 100 * (cached["test_accuracy"] - trainer["test_accuracy"]),
    }


def run_notebooks(skip: bool) -> list[dict]:
    if skip:
        return []
    rows = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        print(f"notebook {path.name} (profile full)", flush=True)
        try:
            done = subprocess.run([sys.executable, str(HERE / "nb_runner.py"), str(path), "full"], capture_output=True,
                                  text=True, timeout=3600, cwd=ROOT)
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        except (subprocess.TimeoutExpired, IndexError, json.JSONDecodeError) as err:
            rows.append({"name": path.stem, "profile": "full", "seconds": None, "peak_rss_mb": None,
                         "status": f"failed: {type(err).__name__}"})
        print(f"  {rows[-1]}", flush=True)
    return rows


def run_sft(args, machine: dict) -> dict:
    """The decoder section (benchmarks/sft_bench.py); needs the ``bench`` extra (trl)."""
    import sft_bench
    import sft_report

    out = sft_bench.main((["--quick"] if args.quick else []) + args.sft_args)  # sft_bench rejects unknown options
    print(sft_report.record(out, machine, args.quick))
    return out


def main(argv=None) -> dict:
    args = parse_args(argv)
    device = pick_device("auto")
    precision = resolve_precision(args.precision, device)
    repeats = args.repeats or (1 if args.quick else 4)
    machine = report.describe_machine(device)
    if args.sft_only:
        return run_sft(args, machine)
    print(f"bench on {machine['cpu']} ({machine['cores']} cores), device {device}, precision {precision}", flush=True)
    splits = split(load_dataset("reviews"), val=0.1, test=0.1, seed=0)
    if args.quick:  # one epoch of 256 rows (8 steps): exercises every path in a few minutes
        splits["train"] = splits["train"].select(range(256))
    setup = sides.Setup("minilm", splits, splits["train"].features["label"].names, args.lr, 32, 128,
                        None, args.precision, args.compile, device)
    arch = flops.describe(sides.new_model(setup, 0).module)
    runs = compare_trainers(setup, args, arch, device, precision, repeats)
    summary = summarize(runs, setup, device, precision, args)
    head_runs, head = compare_head_only(setup, args, args.head_epochs or (1 if args.quick else 5))
    summary |= head
    notebooks = run_notebooks(args.skip_notebooks)
    summary["bench_process_peak_rss_mb"] = process_peak_rss_mb()
    result = {"quick": args.quick, "machine": machine, **summary, "notebooks": notebooks, "runs": runs,
              "head_runs": head_runs, "flops_formula": flops.__doc__.strip()}
    (HERE / "results").mkdir(exist_ok=True)
    section = report.markdown_section(summary, machine, runs, head_runs, notebooks, args.quick)
    if args.quick:  # a smoke run proves the script works; it must not overwrite or dilute the real results
        (HERE / "results" / "quick.json").write_text(json.dumps(result, indent=2, default=str))
    else:
        (HERE / "results" / "latest.json").write_text(json.dumps(result, indent=2, default=str))
        results_md = HERE / "RESULTS.md"
        if not results_md.exists():
            results_md.write_text(report.HEADER)
        with open(results_md, "a") as f:
            f.write(section)
    print(section)
    if not args.skip_sft:
        result["sft"] = run_sft(args, machine)["sft"]
    return result


if __name__ == "__main__":
    main()
