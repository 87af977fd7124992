"""Progress display that stays readable everywhere: a tqdm bar in terminals and notebooks, or one log line
every ~10% of training where a bar would turn into thousands of carriage returns (papermill, CI logs).

Example:
    >>> p = make_progress(10, "off"); p.update(1, {"loss": 0.5}); p.close()
"""
from __future__ import annotations

import os
import sys
import time


def _in_papermill_or_pipe() -> bool:
    # papermill executes through a kernel with no attached terminal; its env marks are not reliable,
    # so we treat "no TTY and no interactive front end" as a log destination.
    if "ipykernel" in sys.modules:
        return os.environ.get("PAPERMILL_EXECUTION") is not None or not _has_frontend()
    return not sys.stderr.isatty()


def _has_frontend() -> bool:
    try:
        from IPython import get_ipython

        ip = get_ipython()
        return ip is not None and getattr(ip, "kernel", None) is not None and "JPY_SESSION_NAME" in os.environ
    except ImportError:
        return False


class _LogProgress:
    """Prints "step 40/400 (10%) loss=0.512 1.8 it/s eta 3m20s" about ten times per run."""

    def __init__(self, total: int, initial: int = 0):
        self.total, self.n, self.t0, self.start_n = total, initial, time.perf_counter(), initial
        self.next_print = initial + max(1, total // 10)

    def update(self, n: int, postfix: dict) -> None:
        self.n += n
        if self.n >= self.next_print or self.n == self.total:
            rate = (self.n - self.start_n) / max(1e-9, time.perf_counter() - self.t0)
            eta = (self.total - self.n) / rate if rate > 0 else 0
            extra = " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in postfix.items())
            print(f"step {self.n}/{self.total} ({100 * self.n / self.total:.0f}%) {extra} {rate:.2f} it/s eta {eta:.0f}s", flush=True)
            self.next_print = self.n + max(1, self.total // 10)

    def close(self) -> None:
        pass


class _NoProgress:
    def update(self, n: int, postfix: dict) -> None:
        pass

    def close(self) -> None:
        pass


class _BarProgress:
    def __init__(self, total: int, initial: int = 0):
        from tqdm.auto import tqdm

        self.bar = tqdm(total=total, initial=initial, desc="training", unit="step", dynamic_ncols=True)

    def update(self, n: int, postfix: dict) -> None:
        self.bar.set_postfix(postfix, refresh=False)
        self.bar.update(n)

    def close(self) -> None:
        self.bar.close()


def make_progress(total: int, mode: str = "auto", initial: int = 0):
    """A progress object with ``update(n, postfix)`` and ``close()``; env FTLAB_PROGRESS overrides "auto"."""
    if mode == "auto" and os.environ.get("FTLAB_PROGRESS") in ("bar", "log", "off"):
        mode = os.environ["FTLAB_PROGRESS"]
    if mode == "off":
        return _NoProgress()
    if mode == "log" or (mode == "auto" and _in_papermill_or_pipe()):
        return _LogProgress(total, initial)
    return _BarProgress(total, initial)
