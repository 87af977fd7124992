"""A small fit that tests/test_distributed.py runs under a launcher (one copy per process) or alone.

    torchrun --nproc_per_node 2 tests/distributed_fit.py OUT --batch-size 4   # 2 CPU processes (gloo)
    python tests/distributed_fit.py OUT --batch-size 8                        # 1 process, same global batch

Each process writes ``OUT/rank<r>.json`` (its rank, world size, distributed type, the rows of every
micro-batch it trained on, its loss per step, its run id) and ``OUT/rank<r>.safetensors`` (its final
weights). Checkpoints go to ``OUT/checkpoints``. Dropout is switched off: it draws different masks in
each process, so only a deterministic model can be compared sample for sample with one process.
"""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("FTLAB_PROGRESS", "off")

import datasets  # noqa: E402
import torch  # noqa: E402
from safetensors.torch import save_file  # noqa: E402

import ftlab  # noqa: E402
from ftlab.batches import make_batches  # noqa: E402

STEPS, ACCUM = 6, 2  # 6 optimizer steps of 2 micro-batches: the no_sync path of accumulation runs too


def toy_rows(n: int = 48) -> datasets.Dataset:
    """Two classes told apart by word choice; lengths vary so the processes pad differently."""
    pos, neg = ["good", "great", "lovely", "excellent", "fine"], ["bad", "awful", "poor", "terrible", "broken"]
    rows = [{"text": " ".join((pos if i % 2 else neg)[(i + k) % 5] for k in range(2 + i % 7)), "label": i % 2}
            for i in range(n)]
    return datasets.Dataset.from_list(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--batch-size", type=int, required=True, help="per process (micro-batch)")
    args = parser.parse_args()
    model = ftlab.load_model("tiny-bert", task="classification", labels=["negative", "positive"], seed=0)
    for module in model.module.modules():
        if isinstance(module, torch.nn.Dropout):
            module.p = 0.0
    config = ftlab.TrainConfig(lr=1e-3, batch_size=args.batch_size, grad_accum_steps=ACCUM, max_steps=STEPS,
                               seed=0, device="cpu", save_every=2, output_dir=str(args.out / "checkpoints"))
    train = make_batches(model, toy_rows(), config)
    seen: list[list[int]] = []
    collate = train.collate  # record which rows this process turned into tensors, in order

    def recording_collate(rows):
        seen.append([int(r) for r in rows])
        return collate(rows)

    train.collate = recording_collate
    start = {k: v.detach().clone() for k, v in model.module.state_dict().items()}
    trainer = ftlab.Trainer(config)
    history = trainer.fit(model, train)
    acc = trainer.accelerator
    rank = acc.process_index
    weights = {k: v.detach().cpu().contiguous() for k, v in model.module.state_dict().items()}
    save_file(weights, str(args.out / f"rank{rank}.safetensors"))
    report = {"rank": rank, "world": acc.num_processes, "distributed_type": str(acc.distributed_type),
              "backend": acc.state.backend, "seen": seen, "loss": [row["loss"] for row in history.steps],
              "run_id": trainer.run_id, "stopped_reason": history.stopped_reason,
              "tensors_changed": sum(not torch.equal(start[k], v) for k, v in weights.items())}
    (args.out / f"rank{rank}.json").write_text(json.dumps(report))


if __name__ == "__main__":
    main()
