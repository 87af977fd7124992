"""Epoch plans: which rows go into which micro-batch of which optimizer step, from (seed, epoch) alone.

Batches are plain lists of row indices, so a resumed run rebuilds the exact same epoch and skips what
it already did, and each process of a distributed run takes its own share of every step.

Example:
    >>> plan = epoch_plan([5, 1, 9, 3], batch_size=2, grad_accum_steps=1, seed=0, epoch=0, bucket=False)
    >>> sorted(i for step in plan for mb in step for i in mb)
    [0, 1, 2, 3]
"""
from __future__ import annotations

import numpy as np

BUCKET_SPAN = 50  # sort by length inside windows of 50 steps: less padding, still well shuffled


def epoch_plan(lengths: list[int], batch_size: int, grad_accum_steps: int, seed: int, epoch: int,
               bucket: bool = True, rank: int = 0, world: int = 1) -> list[list[list[int]]]:
    """Optimizer steps for one epoch; each step is a list of ``grad_accum_steps`` micro-batches of row ids.

    Bucketing groups whole optimizer steps (not micro-batches), so accumulating 4x8 sees exactly the
    examples that one batch of 32 would. With ``world`` processes each step holds ``world`` times the
    rows and process ``rank`` takes every ``world``-th of them.
    """
    rng = np.random.default_rng([seed, epoch])
    order = rng.permutation(len(lengths))
    step_size = batch_size * grad_accum_steps * world
    if bucket:
        span = step_size * BUCKET_SPAN
        chunks = [order[i:i + span] for i in range(0, len(order), span)]
        order = np.concatenate([c[np.argsort([lengths[j] for j in c], kind="stable")] for c in chunks]) if chunks else order
    steps = [order[i:i + step_size] for i in range(0, len(order), step_size)]
    if bucket:
        steps = [steps[i] for i in rng.permutation(len(steps))]  # long and short steps interleave
    plan = []
    for rows in steps:
        if len(rows) < world:  # a last step too small to give every process a row would leave one waiting forever
            continue
        mine = rows[rank::world].tolist()  # each process takes its share of the step
        micro = [mine[i:i + batch_size] for i in range(0, len(mine), batch_size)]
        plan.append([m for m in micro if m])
    return [p for p in plan if p]
