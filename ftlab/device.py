"""Device, precision and memory facts the trainer and the panels share.

Example:
    >>> pick_device("auto").type in ("cpu", "cuda", "mps")
    True
"""
from __future__ import annotations

import functools
import os
import time
from contextlib import nullcontext

import torch

# Dense bf16/fp16 tensor-core peaks (FLOP/s) for MFU on known GPUs; on CPU we measure instead.
PEAK_FLOPS = {
    "H200": 989e12,
    "H100": 989e12,
    "A100": 312e12,
    "L4": 121e12,
    "A10": 125e12,
    "T4": 65e12,
    "V100": 125e12,
}


def pick_device(name: str = "auto") -> torch.device:
    """CUDA > MPS > CPU for ``"auto"``; otherwise the named device.

    Example:
        >>> pick_device("cpu")
        device(type='cpu')
    """
    if name != "auto":
        dev = torch.device(name)
        if dev.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(f"TrainConfig.device is {name!r} but no CUDA GPU is visible; use device='auto' or 'cpu'")
        return dev
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def resolve_precision(precision: str, device: torch.device) -> str:
    """Map ``"auto"`` to what the device does well: bf16 if supported, else fp16 on GPUs; fp32 on CPU.

    CPU autocast to bf16 exists but is slower than fp32 on most laptop CPUs, so "auto" keeps fp32 there.
    """
    if precision != "auto":
        if precision in ("bf16", "fp16") and device.type == "cpu" and precision == "fp16":
            raise ValueError("TrainConfig.precision='fp16' needs a GPU; on CPU use 'fp32' or 'bf16'")
        return precision
    if device.type == "cuda":
        return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    return "fp32"


def accelerate_precision(precision: str) -> str:
    """The name accelerate's ``Accelerator(mixed_precision=...)`` expects."""
    return {"fp32": "no", "bf16": "bf16", "fp16": "fp16"}[precision]


def autocast(device: torch.device, precision: str):
    """Autocast context for the forward pass (a no-op in fp32)."""
    if precision == "fp32":
        return nullcontext()
    dtype = torch.bfloat16 if precision == "bf16" else torch.float16
    return torch.autocast(device_type=device.type, dtype=dtype)


def peak_flops(device: torch.device) -> float | None:
    """Catalogue peak FLOP/s for a known GPU, else None (measure with :func:`measure_matmul_flops`)."""
    if device.type != "cuda":
        return None
    name = torch.cuda.get_device_name(device)
    for key, flops in PEAK_FLOPS.items():
        if key in name:
            return flops
    return None


def measure_matmul_flops(device: torch.device | None = None, n: int = 1024, seconds: float = 1.0,
                         dtype: torch.dtype = torch.float32) -> float:
    """Achieved FLOP/s of a square matmul on this machine: the practical peak MFU is measured against.

    Example:
        >>> measure_matmul_flops(torch.device("cpu"), n=128, seconds=0.05) > 0
        True
    """
    device = device or pick_device()
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    for _ in range(3):  # warm up kernels and caches
        a @ b
    _sync(device)
    reps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        a @ b
        reps += 1
    _sync(device)
    return 2 * n**3 * reps / (time.perf_counter() - start)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def peak_memory_mb(device: torch.device) -> float:
    """Peak memory of this process so far: GPU allocator peak on CUDA, resident set (RSS) peak on CPU."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return process_peak_rss_mb()


def process_peak_rss_mb() -> float:
    """Peak resident set size of this process in MiB (what Binder's 2 GB limit counts).

    Linux: ``VmHWM`` of /proc/self/status, the peak of this process's own memory. Not ``ru_maxrss``: Linux
    carries it across exec, so a kernel started by a large process (a pytest session that had loaded models)
    reported that parent's peak as its own (measured: 2196 MiB for notebook 00, whose own peak is ~1450 MiB).
    """
    peak = _proc_status_mb("VmHWM")
    if peak is not None:
        return peak
    try:
        import resource

        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return kb / 1024  # Linux reports KiB
    except ImportError:  # Windows
        import psutil

        return psutil.Process(os.getpid()).memory_info().peak_wset / 2**20


# ---- out of memory: recognise it, advise, and give the cached memory back ------------------------
_OOM_MESSAGES = ("out of memory", "can't allocate memory", "failed to allocate")


def is_out_of_memory(err: BaseException) -> bool:
    """True for a CUDA ``torch.OutOfMemoryError`` and for the RuntimeErrors CPU and MPS allocators raise.

    Example:
        >>> is_out_of_memory(RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB"))
        True
    """
    oom_type = getattr(torch, "OutOfMemoryError", torch.cuda.OutOfMemoryError)  # torch.OutOfMemoryError: torch >= 2.5
    return isinstance(err, oom_type) or (isinstance(err, RuntimeError) and any(m in str(err).lower() for m in _OOM_MESSAGES))


def oom_advice(err: BaseException, config, step: int) -> str:
    """What ran out, and the knobs that shrink training memory, biggest effect first, with this run's values."""
    first_line = str(err).strip().splitlines()[0][:200] if str(err).strip() else type(err).__name__
    half = max(1, config.batch_size // 2)
    return (f"out of memory at step {step} ({first_line}). The model and history are kept; to fit in memory try: "
            f"a smaller batch_size (now {config.batch_size}; e.g. batch_size={half}, "
            f"grad_accum_steps={config.grad_accum_steps * 2} keeps the same effective batch); "
            f"freezing more layers (model.freeze('top-2') or 'head') or LoRA (model.freeze('lora')); "
            f"a shorter max_len (now {config.max_len}); gradient_checkpointing=True "
            f"(now {config.gradient_checkpointing}); or precision='bf16' on a GPU. "
            f"model.estimate_memory(batch_size, seq_len) shows what each choice needs.")


def release_host_memory() -> float:
    """Hand freed host memory back to the operating system; returns the MiB released (0 where unsupported).

    Why: glibc's malloc keeps memory that Python and torch have freed (in its heap and in one arena per
    thread), so after evaluation, generation or a fit the process stays as large as its busiest moment,
    and the next fit's optimizer state and activations come on top. Under Binder's 2 GB limit that
    difference decides whether a notebook survives: measured on SmolLM2-135M, a top-4 fit left ~340 MB
    free-but-held that ``malloc_trim`` returned. The Trainer calls this when a fit starts and ends.
    """
    import gc

    gc.collect()
    trim = _malloc_trim()
    if trim is None:
        return 0.0
    before = _current_rss_mb()
    trim(0)
    return max(0.0, before - _current_rss_mb())


@functools.lru_cache(maxsize=1)
def _malloc_trim():
    """glibc's malloc_trim, looked up once (find_library may run ldconfig); None on musl, macOS, Windows."""
    import ctypes
    import ctypes.util

    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def _current_rss_mb() -> float:
    return _proc_status_mb("VmRSS") or 0.0


def _proc_status_mb(field: str, pid: "int | str" = "self") -> "float | None":
    """A memory field (``VmRSS``, ``VmHWM``) of /proc/<pid>/status in MiB; None where there is none (not Linux).

    ``pid`` other than "self" serves benchmarks/nb_memtrace.py, which reads a notebook kernel's figures."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return None


def release_cached_memory(device: torch.device) -> None:
    """Hand the allocator's cached blocks back after an out-of-memory error, so the kernel can go on."""
    import gc

    gc.collect()  # frames of the failed step may still hold activations in reference cycles
    if device.type == "cuda":
        torch.cuda.empty_cache()
    elif device.type == "mps":
        torch.mps.empty_cache()
