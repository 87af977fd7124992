"""How many CPU cores this process may really use, and torch's thread count sized to it.

A container on a Binder host sees every core of the host (``os.cpu_count()`` says 16 or 64) while its
cgroup CPU quota is one core; torch starts one thread per visible core, and those threads then fight
over one core's worth of time. The quota lives in the cgroup files (v2 ``cpu.max``, v1
``cpu.cfs_quota_us`` / ``cpu.cfs_period_us``); this module reads it.

Example:
    >>> from ftlab.threads import available_cpus
    >>> available_cpus() >= 1
    True

From a shell (Binder's ``start`` script does this): ``export OMP_NUM_THREADS=$(python -m ftlab.threads)``.
"""
from __future__ import annotations

import math
import os
from pathlib import Path

__all__ = ["available_cpus", "cpu_quota", "set_torch_threads"]

CGROUP_ROOT = Path("/sys/fs/cgroup")


def _own_cgroup_dirs(root: Path, proc_cgroup: Path) -> list[Path]:
    """The cgroup folders (v2 unified, v1 cpu controller) of this process, innermost first, up to the root."""
    dirs = []
    lines = proc_cgroup.read_text().splitlines() if proc_cgroup.exists() else []
    for line in lines:
        _, controllers, rel = line.split(":", 2)
        if controllers == "":  # v2: "0::/path"
            base = root
        elif "cpu" in controllers.split(","):  # v1: "4:cpu,cpuacct:/path"
            base = root / controllers if (root / controllers).exists() else root / "cpu"
        else:
            continue
        here = base / rel.lstrip("/")
        # inside a cgroup namespace the listed path may not exist in this mount: fall back to the mount root
        here = here if here.exists() else base
        dirs += [here, *[p for p in here.parents if p.is_relative_to(base)]]
    return dirs


def _quota_in(folder: Path) -> float | None:
    """Cores allowed by one cgroup folder's own limit, or None when it sets none."""
    v2 = folder / "cpu.max"
    if v2.exists():
        quota, period = v2.read_text().split()[:2]
        return None if quota == "max" else int(quota) / int(period)
    v1_quota, v1_period = folder / "cpu.cfs_quota_us", folder / "cpu.cfs_period_us"
    if v1_quota.exists() and v1_period.exists():
        quota = int(v1_quota.read_text())
        return None if quota < 0 else quota / int(v1_period.read_text())
    return None


def cpu_quota(root: str | Path = CGROUP_ROOT, proc_cgroup: str | Path = "/proc/self/cgroup") -> float | None:
    """The CPU quota of this process's cgroup in cores (e.g. 1.0, 0.5), or None when none is set.

    The tightest limit on the path from the process's cgroup to the root wins, as in the kernel.

    Example:
        >>> q = cpu_quota()
        >>> q is None or q > 0
        True
    """
    quotas = [q for q in map(_quota_in, _own_cgroup_dirs(Path(root), Path(proc_cgroup))) if q is not None]
    return min(quotas) if quotas else None


def available_cpus(root: str | Path = CGROUP_ROOT, proc_cgroup: str | Path = "/proc/self/cgroup") -> int:
    """Cores this process can use: the CPU affinity mask, capped by the cgroup quota (rounded up), at least 1.

    Example:
        >>> 1 <= available_cpus() <= len(os.sched_getaffinity(0))
        True
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    quota = cpu_quota(root, proc_cgroup)
    if quota is not None:
        cores = min(cores, math.ceil(quota))
    return max(1, cores)


def set_torch_threads(n: int | None = None) -> int:
    """Set torch's intra-op threads to ``n`` (default: :func:`available_cpus`) and return the number set.

    Example:
        >>> set_torch_threads(1)
        1
    """
    import torch

    n = available_cpus() if n is None else n
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"set_torch_threads needs a whole number of threads >= 1; got {n!r}")
    torch.set_num_threads(n)
    return n


if __name__ == "__main__":
    print(available_cpus())
