"""Decoder SFT: ftlab's Trainer vs TRL's SFTTrainer on smollm2-135m, side by side in one process; plus generation.

    python benchmarks/bench.py --sft-only           # this section alone (merges its keys into latest.json)
    python benchmarks/sft_bench.py --quick          # smoke run: 2 steps, 1 seed, 8 prompts (results/sft_quick.json)

Data: the bundled ``translation`` set (en -> zh) as chats ("Translate to Chinese: {en}" -> "{zh}"), split
val=0.1/test=0.1 (seed 0); train on the train split, held-out loss on the test split's supervised tokens,
generation on the first prompts of validation + test. Settings: LoRA (ftlab's preset: r 8, alpha 16, dropout
0.05, all linear projections) and the top 2 layers trainable; same seed, lr, batch, max_len and steps on both
sides, weight decay 0, linear decay, no warmup, clipping at 1.0. Sides alternate (ftlab first on even seeds,
TRL first on odd) after an untimed warm-up of each, so load from other processes on this shared machine falls
on both; ratios are paired per seed. Extra columns, once per setting: ftlab with full logits (the 'before' of
logits-at-supervised-positions) and TRL with ``packing=True`` (BFD packing, padding-free batches).
Peak memory: each side alone in a fresh process (benchmarks/sft_memory.py, before the timed runs), with and
without gradient checkpointing; the timed runs' in-process RSS is kept as ``peak_rss_mb_in_process`` only.
Defaults are the issue's sizes: 8 steps, 3 seeds, 64 generation prompts.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import ftlab  # noqa: E402
import ftlab.sft  # noqa: E402
from ftlab.device import measure_matmul_flops  # noqa: E402

import sft_extras  # noqa: E402
import sft_flops  # noqa: E402
import sft_memory  # noqa: E402
import sft_sides  # noqa: E402

SETTINGS = ("lora", "top-2")
PRIMARY = "lora"


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="2 steps, 1 seed, 8 prompts: proves the script runs")
    p.add_argument("--steps", type=int, default=None, help="optimizer steps per run (default 8; quick 2)")
    p.add_argument("--seeds", type=int, default=None, help="seeds per side and setting (default 3; quick 1)")
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--max-len", type=int, default=128)
    p.add_argument("--prompts", type=int, default=None,
                   help="held-out generation prompts (default 64; quick 8)")
    p.add_argument("--heldout", type=int, default=32, help="held-out chats scored after each run (test split)")
    p.add_argument("--max-new-tokens", type=int, default=32)
    p.add_argument("--memory-steps", type=int, default=3, help="steps of each fresh-process memory run (sft_memory.py)")
    p.add_argument("--memory-json", type=Path, default=None,
                   help="reuse the reports of an earlier `sft_memory.py --all` run (its JSON) instead of running it")
    p.add_argument("--skip-memory", action="store_true", help="leave out the fresh-process memory runs")
    return p.parse_args(argv)


def build_setup(args) -> tuple:
    splits = ftlab.split(ftlab.load_dataset("translation"), val=0.1, test=0.1, seed=0)
    chat = {k: ftlab.sft.to_chat(v, user="Translate to Chinese: {en}", assistant="{zh}") for k, v in splits.items()}
    tok = ftlab.load_model("smollm2-135m", task="causal-lm").tokenizer
    import datasets
    pc = datasets.Dataset.from_list(sft_sides.prompt_completion(chat["train"], tok))
    return sft_sides.SFTSetup(chat["train"], ftlab.sft.tokenize(chat["train"], tok, args.max_len), pc,
                              ftlab.sft.tokenize(chat["test"].select(range(args.heldout)), tok, args.max_len),
                              args.lr, args.batch_size,
                              args.max_len, args.steps), chat


def timed(fn, setup, setting, seed, **kw) -> dict:
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32  # the training dtype on each device
    peak = measure_matmul_flops(device, n=1024 if device.type == "cpu" else 8192, seconds=1.0, dtype=dtype)
    r = fn(setup, setting, seed, **kw)
    arch = sft_flops.describe(r.pop("module"))
    useful = sft_flops.train_flops(arch, r["real_tokens"], r["real_sq"], r["supervised_tokens"])
    r |= {"matmul_peak_gflops": peak / 1e9, "achieved_gflops": useful / r["seconds"] / 1e9,
          "mfu": useful / r["seconds"] / peak,
          "lm_head_share_of_forward": sft_flops.lm_head_share(arch, r["real_tokens"], r["real_sq"], r["logit_positions"])}
    print(f"  [{time.strftime('%H:%M:%S')}] {r['side']:<18} {setting:<6} seed {seed}: {r['s_per_step']:5.2f} s/step  "
          f"{r['supervised_tokens_per_s']:6.1f} sup tok/s  {r['tokens_per_s']:6.1f} tok/s  MFU {r['mfu']:.1%}  "
          f"loss {r['train_loss']:.3f} held-out {r['heldout_loss']:.4f}  RSS {r['peak_rss_mb']:.0f} MB", flush=True)
    return r


def run_all(setup, seeds: int) -> list[dict]:
    print("warm-up (untimed): one step per side and setting", flush=True)
    warm = sft_sides.SFTSetup(**{**setup.__dict__, "steps": 1})
    for setting in SETTINGS:  # both: a setting's first fit in a process pays one-time costs (kernels for its shapes)
        sft_sides.run_ftlab(warm, setting, 0)
        sft_sides.run_trl(warm, setting, 0)
    runs = []
    for seed in range(seeds):
        for setting in SETTINGS:
            pair = [sft_sides.run_ftlab, sft_sides.run_trl]
            for fn in pair if seed % 2 == 0 else pair[::-1]:
                runs.append(timed(fn, setup, setting, seed))
            if seed == 0:  # the extra columns, inside the same alternation
                runs.append(timed(sft_sides.run_trl, setup, setting, seed, packing=True))
                runs.append(timed(sft_sides.run_ftlab, setup, setting, seed, full_logits=True))
                if setting == PRIMARY:  # TRL exactly as configured by default (gradient checkpointing on)
                    runs.append(timed(sft_sides.run_trl, setup, setting, seed, checkpointing=True))
            (HERE / "results" / "sft_partial.json").write_text(json.dumps(runs, default=str))  # survives a crash
    return runs


def summarize(runs: list[dict], memory: list[dict]) -> dict:
    out = {}
    for setting in SETTINGS:
        rows = {"memory": {r["side"]: r for r in memory if r["setting"] == setting and "error" not in r}}
        for side in ("ftlab", "trl", "trl_packed", "trl_checkpointing", "ftlab_full_logits"):
            rs = [r for r in runs if r["side"] == side and r["setting"] == setting]
            if not rs:
                continue
            med = lambda k: statistics.median(r[k] for r in rs)  # noqa: E731
            losses = [r["heldout_loss"] for r in rs]
            rows[side] = {k: med(k) for k in ("supervised_tokens_per_s", "tokens_per_s", "s_per_step", "mfu",
                                               "lm_head_share_of_forward")}
            rows[side] |= {"train_loss": statistics.mean(r["train_loss"] for r in rs),
                           "heldout_loss": statistics.mean(losses), "heldout_loss_per_seed": losses,
                           "peak_rss_mb_in_process": max(r["peak_rss_mb"] for r in rs), "runs": len(rs),
                           "padding_overhead": rs[0]["padded_tokens"] / rs[0]["real_tokens"]}
        ft = [r for r in runs if r["side"] == "ftlab" and r["setting"] == setting]
        tr = [r for r in runs if r["side"] == "trl" and r["setting"] == setting]
        paired = [a["supervised_tokens_per_s"] / b["supervised_tokens_per_s"] for a, b in zip(ft, tr)]
        rows["speedup_vs_trl_paired"] = [round(x, 3) for x in paired]
        rows["speedup_vs_trl"] = statistics.median(paired)
        if "trl_packed" in rows:
            rows["speedup_vs_trl_packed"] = rows["ftlab"]["supervised_tokens_per_s"] / rows["trl_packed"]["supervised_tokens_per_s"]
        if "ftlab_full_logits" in rows:  # measured in the same seed-0 slot: compare with ftlab's seed-0 run
            rows["speedup_logits_kept"] = ft[0]["supervised_tokens_per_s"] / next(
                r for r in runs if r["side"] == "ftlab_full_logits" and r["setting"] == setting)["supervised_tokens_per_s"]
        same = {(r["seed"], r["side"]): r["supervised_tokens"] for r in runs if r["setting"] == setting}
        rows["supervised_tokens_per_run"] = {f"{side}/seed{seed}": n for (seed, side), n in sorted(same.items())}
        for side, r in rows["memory"].items():  # the table's peak RSS: each side alone in a fresh process
            if side in rows:
                rows[side]["peak_rss_mb"] = r["peak_rss_mb"]
        out[setting] = rows
    return out


def measure_memory(args) -> list[dict]:
    """Each side's peak RSS in its own fresh process (sft_memory.py), or an earlier run's reports."""
    if args.skip_memory:
        return []
    if args.memory_json:
        text = args.memory_json.read_text().strip()  # a JSON list, or `sft_memory.py --all`'s output (list last)
        reports = json.loads(text if text.startswith("[") else text.splitlines()[-1])
        print(f"memory: {len(reports)} fresh-process reports from {args.memory_json}", flush=True)
        return reports
    print(f"memory: each side in a fresh process, {args.memory_steps} steps", flush=True)
    mem_args = argparse.Namespace(**{**vars(args), "steps": args.memory_steps, "seed": 0})
    if args.quick:  # proves the path: one setting, no checkpointing variants
        return sft_memory.measure_all(mem_args, sides=("ftlab", "trl"), settings=(PRIMARY,))
    return sft_memory.measure_all(mem_args)


def check_same_supervision(setup, tok) -> dict:
    """Supervised tokens over the whole train set: ftlab's labels vs TRL's completion tokens (must be equal)."""
    ftlab_count = sum(sum(t != sft_sides.IGNORE for t in lab[1:]) for lab in setup.train_ids["labels"])
    trl_count = 0
    for row in setup.train_pc:
        p = tok(row["prompt"], add_special_tokens=False)["input_ids"]
        full = tok(row["prompt"] + row["completion"], add_special_tokens=False)["input_ids"]
        if full[:len(p)] != p:  # TRL would warn and mask differently: the comparison would not be equal work
            raise RuntimeError(f"prompt tokens are not a prefix of prompt + completion: {row['prompt'][-40:]!r}")
        trl_count += len(full) - len(p)
    return {"supervised_tokens_ftlab": ftlab_count, "supervised_tokens_trl": trl_count, "equal": ftlab_count == trl_count}


def guarded(what: str, fn) -> dict:
    """Run one side check; a failure is reported in the results instead of losing the timed runs."""
    import traceback

    try:
        out = fn()
    except Exception as err:  # noqa: BLE001 -- recorded and printed, never hidden
        traceback.print_exc()
        out = {"error": f"{type(err).__name__}: {err}"}
    print(f"  {what}: {json.dumps({k: v for k, v in out.items() if k != 'sample'}, default=str)}", flush=True)
    return out


def latest_keys(summary: dict, generation: dict) -> dict:
    """The headline numbers merged into results/latest.json: the primary setting, fresh-process memory if run."""
    p = summary[PRIMARY]
    keys = {"sft_speedup_vs_trl": p["speedup_vs_trl"], "sft_loss_ftlab": p["ftlab"]["heldout_loss"],
            "sft_loss_trl": p["trl"]["heldout_loss"], "sft_mfu": p["ftlab"]["mfu"],
            "gen_speedup_batched": generation.get("gen_speedup_batched")}
    if "ftlab" in p["memory"] and "trl" in p["memory"]:
        keys |= {"sft_peak_rss_mb_ftlab": p["memory"]["ftlab"]["peak_rss_mb"],
                 "sft_peak_rss_mb_trl": p["memory"]["trl"]["peak_rss_mb"]}
    return keys


def main(argv=None) -> dict:
    import trl

    args = parse_args(argv)
    args.steps = args.steps or (2 if args.quick else 8)
    seeds = args.seeds or (1 if args.quick else 3)
    n_prompts = args.prompts or (8 if args.quick else 64)
    setup, chat = build_setup(args)
    tok = ftlab.load_model("smollm2-135m", task="causal-lm").tokenizer
    supervision = check_same_supervision(setup, tok)
    print(f"decoder SFT bench: trl {trl.__version__}, {len(setup.train_ids)} train chats, steps {args.steps}, "
          f"seeds {seeds}; supervised tokens ftlab {supervision['supervised_tokens_ftlab']} vs TRL "
          f"{supervision['supervised_tokens_trl']}", flush=True)
    memory = measure_memory(args)  # before the timed runs: separate processes, nothing shared with this one
    isolation = guarded("packing isolation", lambda: sft_extras.packing_isolation(setup, sft_sides.load_lm("top-2", 0)))
    runs = run_all(setup, seeds)
    summary = summarize(runs, memory)
    held = [c["messages"][:-1] for c in list(chat["validation"]) + list(chat["test"])][:n_prompts]
    generation = guarded("generation", lambda: sft_extras.compare_generation(
        ftlab.load_model("smollm2-135m", task="causal-lm"), held, args.max_new_tokens))
    return {"keys": latest_keys(summary, generation),
            "sft": {"trl_version": trl.__version__, "quick": args.quick, "steps": args.steps,
                    "seeds": seeds, "lr": args.lr, "batch_size": args.batch_size,
                    "max_len": args.max_len, "primary_setting": PRIMARY, "supervision": supervision,
                    "settings": summary, "memory_steps": memory[0].get("steps") if memory else None,
                    "memory_source": str(args.memory_json or "this run"),
                    "packing_isolation": isolation, "generation": generation,
                    "flops_formula": sft_flops.__doc__.strip(), "runs": runs}}


if __name__ == "__main__":
    out = main()
    name = "sft_quick.json" if out["sft"]["quick"] else "sft_latest.json"
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / name).write_text(json.dumps(out, indent=2, default=str))
    print(json.dumps(out["keys"], indent=2))
