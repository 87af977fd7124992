"""`make binder-check`: build an environment the way mybinder.org builds this repository, then run every
curriculum notebook in profile "ci" inside it under mybinder.org's limits, with the network cut.

1. Environment: a fresh virtualenv with the Python of ``binder/runtime.txt``, ``pip install -r
   binder/requirements.txt``, then ``binder/postBuild`` (with a fresh HOME, as in the image).
2. Limits (mybinder.org 2026: memory limit 2 GB, CPU limit 1 core): a cgroup (v2, or v1 memory + cpu
   controllers) with a hard 2 GiB memory limit — the kernel's OOM killer ends a notebook that exceeds
   it — and a CPU quota of one core. Every notebook process (papermill, kernel, sweep workers) is in it.
3. No network: each notebook runs in a new network namespace (``unshare -n``, loopback only), so
   nothing can reach the model hub; ``binder/start`` wraps the command as on Binder.

Needs root (cgroups, namespaces) on Linux. Writes ``build/binder-check/report.json`` and prints a table.

Example:
    $ make binder-check                         # every notebook
    $ make binder-check NOTEBOOKS="00 07"       # some, by number
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "build" / "binder-check"
MEMORY_LIMIT = 2 * 1024**3  # mybinder.org's per-user memory limit
CPU_PERIOD_US = 100_000


def build_env(env: Path, home: Path) -> Path:
    """The Binder image's Python environment, from binder/ only; returns its python."""
    version = (REPO / "binder" / "runtime.txt").read_text().strip().removeprefix("python-")
    python = env / "bin" / "python"
    if not python.exists():
        subprocess.run([f"python{version}", "-m", "venv", str(env)], check=True)
        pip = [str(python), "-m", "pip", "install", "-q", "--retries", "0", "--timeout", "10"]
        subprocess.run(pip + ["-r", str(REPO / "binder" / "requirements.txt")], check=True)
    home.mkdir(parents=True, exist_ok=True)
    subprocess.run(["bash", str(REPO / "binder" / "postBuild")], cwd=REPO, check=True, env=_env(env, home))
    return python


def _env(env: Path, home: Path) -> dict:
    keep = {k: v for k, v in os.environ.items() if k in ("LANG", "LC_ALL", "TERM", "PIP_CONSTRAINT")}
    return keep | {"PATH": f"{env / 'bin'}:/usr/bin:/bin:/usr/sbin:/sbin", "HOME": str(home),
                   "VIRTUAL_ENV": str(env), "JUPYTER_PATH": str(env / "share" / "jupyter")}


class Cgroup:
    """A cgroup with Binder's limits: v2 if mounted unified, else v1 memory + cpu controllers."""

    def __init__(self, name: str, root: Path = Path("/sys/fs/cgroup")):
        self.v2 = (root / "cgroup.controllers").exists()
        self.dirs = [root / name] if self.v2 else [root / "memory" / name, root / "cpu" / name]
        for d in self.dirs:
            d.mkdir(exist_ok=True)
        if self.v2:
            (self.dirs[0] / "memory.max").write_text(str(MEMORY_LIMIT))
            (self.dirs[0] / "memory.swap.max").write_text("0")
            (self.dirs[0] / "cpu.max").write_text(f"{CPU_PERIOD_US} {CPU_PERIOD_US}")
        else:
            (self.dirs[0] / "memory.limit_in_bytes").write_text(str(MEMORY_LIMIT))
            (self.dirs[1] / "cpu.cfs_period_us").write_text(str(CPU_PERIOD_US))
            (self.dirs[1] / "cpu.cfs_quota_us").write_text(str(CPU_PERIOD_US))

    def enter(self) -> None:
        """Move the calling process into the cgroup (used as preexec_fn: the child joins before exec)."""
        for d in self.dirs:
            (d / "cgroup.procs").write_text(str(os.getpid()))

    def reset_peak(self) -> None:
        if not self.v2:
            (self.dirs[0] / "memory.max_usage_in_bytes").write_text("0")

    def peak_mb(self) -> float | None:
        name = "memory.peak" if self.v2 else "memory.max_usage_in_bytes"
        path = self.dirs[0] / name
        return round(int(path.read_text()) / 2**20, 1) if path.exists() else None

    def oom_kills(self) -> int:
        text = (self.dirs[0] / ("memory.events" if self.v2 else "memory.oom_control")).read_text()
        return int(dict(line.split() for line in text.splitlines()).get("oom_kill", 0))

    def remove(self) -> None:
        for d in self.dirs:
            d.rmdir()


def _limited(cmd: list[str]) -> list[str]:
    # a new network namespace has only a loopback, which must be up for the kernel's ZMQ sockets
    inner = " ".join(f"'{c}'" for c in cmd)
    return ["unshare", "-n", "bash", "-c", f"ip link set lo up && exec {inner}"]


def run_notebook(nb: Path, python: Path, env: dict, group: Cgroup, out: Path) -> dict:
    metrics_path = out / f"{nb.stem}.json"
    cmd = [str(REPO / "binder" / "start"), str(python), "-m", "papermill", str(nb), str(out / nb.name),
           "-p", "profile", "ci", "-p", "metrics_path", str(metrics_path), "--cwd", str(nb.parent),
           "-k", "python3", "--no-progress-bar"]
    group.reset_peak()
    kills, start = group.oom_kills(), time.perf_counter()
    proc = subprocess.run(_limited(cmd), env=env, preexec_fn=group.enter, capture_output=True, text=True)
    seconds = round(time.perf_counter() - start, 1)
    metrics = json.loads(metrics_path.read_text()) if metrics_path.exists() else {}
    return {"notebook": nb.stem, "ok": proc.returncode == 0, "seconds": seconds,
            "cgroup_peak_mb": group.peak_mb(), "kernel_peak_rss_mb": metrics.get("peak_rss_mb"),
            "oom_kills": group.oom_kills() - kills, "error": proc.stderr[-1500:] if proc.returncode else None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notebooks", nargs="*", help="numbers or names (default: every notebook)")
    args = parser.parse_args(argv)
    notebooks = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if args.notebooks:
        notebooks = [nb for nb in notebooks if any(nb.stem.startswith(n) for n in args.notebooks)]
    if os.geteuid() != 0:
        print("binder-check needs root (it creates a cgroup and a network namespace)", file=sys.stderr)
        return 2
    env_dir, home, out = WORK / "env", WORK / "home", WORK / "executed"
    out.mkdir(parents=True, exist_ok=True)
    python = build_env(env_dir, home)
    env = _env(env_dir, home)
    group = Cgroup(f"ftlab-binder-check-{os.getpid()}")
    try:
        # the limit must kill, not only measure: 3 GiB in the cgroup must end in the OOM killer
        kills = group.oom_kills()
        hog = subprocess.run([sys.executable, "-c", "b = bytearray(3 * 2**30); b[::4096] = b'x' * len(b[::4096])"],
                             preexec_fn=group.enter, capture_output=True)
        enforced = hog.returncode == -9 and group.oom_kills() > kills
        print(f"memory limit enforced (a 3 GiB allocation was OOM-killed): {enforced}", flush=True)
        threads = subprocess.run([str(REPO / "binder" / "start"), "bash", "-c", "echo $OMP_NUM_THREADS"],
                                 env=env, preexec_fn=group.enter, capture_output=True, text=True).stdout.strip()
        rows = []
        for nb in notebooks:
            rows.append(run_notebook(nb, python, env, group, out))
            print(json.dumps({k: v for k, v in rows[-1].items() if k != "error"}), flush=True)
    finally:
        group.remove()
    report = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "host_cores": os.cpu_count(),
              "limits": {"memory_bytes": MEMORY_LIMIT, "cpu_cores": 1, "network": "none (unshare -n)"},
              "memory_limit_enforced": enforced, "omp_num_threads_in_binder_start": threads, "notebooks": rows}
    (WORK / "report.json").write_text(json.dumps(report, indent=1))
    print(f"threads from binder/start under a 1-core quota on a {os.cpu_count()}-core host: {threads}")
    for row in rows:
        print(f"{row['notebook']:<32} {'ok' if row['ok'] else 'FAILED':<7} {row['seconds']:>7} s  cgroup peak "
              f"{row['cgroup_peak_mb']} MiB  kernel peak RSS {row['kernel_peak_rss_mb']} MiB  "
              f"OOM kills {row['oom_kills']}")
    return 0 if enforced and all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
