"""Peak memory of each decoder-SFT side, each in a fresh process: ftlab's Trainer vs TRL's SFTTrainer.

Why a fresh process: resident memory (RSS) is what the operating system sees, and an allocator keeps memory
freed by an earlier run (glibc's heap and arenas, oneDNN's caches) mapped for reuse. Measured inside the timed
bench process, a side's "peak" includes what the runs before it left behind, so it depends on the order.
Here every run starts a new Python process that builds the same data (``sft_bench.build_setup``), loads the
same model, trains ``--steps`` steps on the same settings and reports, as one JSON line:

* ``rss_before_mb`` — resident memory just before the training call (interpreter, libraries, model, data);
* ``peak_rss_mb`` — the highest resident memory sampled (every 20 ms) during the training call;
* ``train_peak_over_before_mb`` — the difference: what training itself added (activations, gradients,
  optimizer state, the side's own data pipeline);
* ``max_rss_mb`` — the kernel's high-water mark for the whole process (``ru_maxrss``), loading included.

Each side imports only what it uses (the ftlab process never imports TRL). Example::

    python benchmarks/sft_memory.py --side trl --setting lora --steps 3     # one run, prints one JSON line
    python benchmarks/sft_memory.py --all --steps 3                          # every side and setting, in turn
"""
from __future__ import annotations

import argparse
import gc
import json
import resource
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIDES = ("ftlab", "trl", "ftlab_checkpointing", "trl_checkpointing")


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--side", choices=SIDES, default="ftlab")
    p.add_argument("--setting", choices=("lora", "top-2"), default="lora")
    p.add_argument("--all", action="store_true", help="run every side and setting, each in its own process")
    p.add_argument("--steps", type=int, default=3, help="optimizer steps (3: the optimizer state exists from step 1)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--max-len", type=int, default=128)
    p.add_argument("--heldout", type=int, default=8, help="held-out chats scored after the run (outside the peak)")
    return p.parse_args(argv)


def run_one(args) -> dict:
    """Train one side in this process and report its memory (call it in a fresh process)."""
    sys.path.insert(0, str(HERE))
    import sft_bench
    import sft_sides

    setup, _ = sft_bench.build_setup(args)
    gc.collect()  # the tokenizer's model copy from build_setup is gone before either side starts
    side, checkpointing = args.side.replace("_checkpointing", ""), args.side.endswith("_checkpointing")
    fn = sft_sides.run_ftlab if side == "ftlab" else sft_sides.run_trl
    r = fn(setup, args.setting, args.seed, checkpointing=checkpointing)
    r.pop("module")
    r["side"] = args.side
    r["train_peak_over_before_mb"] = r["peak_rss_mb"] - r["rss_before_mb"]
    r["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB
    r["trl_imported"] = "trl" in sys.modules
    return r


def measure_all(args, sides=SIDES, settings=("lora", "top-2")) -> list[dict]:
    """Every (setting, side) in its own fresh process, one after another; returns their reports."""
    out = []
    for setting in settings:
        for side in sides:
            cmd = [sys.executable, str(Path(__file__).resolve()), "--side", side, "--setting", setting,
                   "--steps", str(args.steps), "--seed", str(getattr(args, "seed", 0)), "--lr", str(args.lr),
                   "--batch-size", str(args.batch_size), "--max-len", str(args.max_len)]
            done = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE.parent)
            if done.returncode != 0:  # recorded, never hidden: the report says which run failed and why
                out.append({"side": side, "setting": setting, "error": done.stderr.strip()[-2000:]})
            else:
                out.append(json.loads(done.stdout.strip().splitlines()[-1]))
            r = out[-1]
            print(f"  memory {side:<20} {setting:<6} " + (f"before {r['rss_before_mb']:.0f} MB, peak "
                  f"{r['peak_rss_mb']:.0f} MB (+{r['train_peak_over_before_mb']:.0f}), max {r['max_rss_mb']:.0f} MB"
                  if "error" not in r else f"FAILED: {r['error'][-300:]}"), flush=True)
    return out


if __name__ == "__main__":
    cli = parse_args()
    if cli.all:
        print(json.dumps(measure_all(cli), default=str))
    else:
        print(json.dumps(run_one(cli), default=str))
