"""Reliability: killed writers, interrupted processes, NaN, out-of-memory, and checkpoints that never unpickle.

The process-level tests start real child Python processes (tiny-bert, CPU) and signal them.
"""
import json
import os
import pickle
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

import ftlab
from ftlab import Callback, TrainConfig, Trainer
from ftlab.device import is_out_of_memory, release_cached_memory
from ftlab.train.checkpoint import load_checkpoint, resolve_checkpoint

ROOT = Path(__file__).resolve().parents[1]
CHILD_TIMEOUT = 300  # seconds: a child imports torch + transformers, on a busy 2-core machine

# Shared by every child: the parent's toy data (written to JSONL) and the same fresh tiny-bert.
CHILD_PRELUDE = textwrap.dedent('''
    import json, os, signal, sys, time
    import datasets, torch, ftlab
    from ftlab import Callback, TrainConfig, Trainer
    args = json.loads(sys.argv[1])
    data = datasets.Dataset.from_json(args["data"])
    def fresh():
        return ftlab.load_model("tiny-bert", task="classification", labels=["negative", "positive"], seed=0)
    def touch(path):
        open(path, "w").close()
''')


def fresh():
    return ftlab.load_model("tiny-bert", task="classification", labels=["negative", "positive"], seed=0)


def weights(model):
    return {k: v.detach().clone() for k, v in model.module.state_dict().items()}


def start_child(tmp_path, body: str, **args) -> subprocess.Popen:
    script = tmp_path / f"child_{time.monotonic_ns()}.py"
    script.write_text(CHILD_PRELUDE + textwrap.dedent(body))
    env = os.environ | {"HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "FTLAB_PROGRESS": "off",
                        "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, str(script), json.dumps(args)], env=env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_for(path: Path, child: subprocess.Popen) -> None:
    deadline = time.monotonic() + CHILD_TIMEOUT
    while not path.exists():
        if child.poll() is not None:
            pytest.fail(f"child exited ({child.returncode}) before {path.name}:\n{child.stdout.read()}")
        if time.monotonic() > deadline:
            child.kill()
            pytest.fail(f"child never reached {path.name}")
        time.sleep(0.05)


def finish(child: subprocess.Popen) -> str:
    out, _ = child.communicate(timeout=CHILD_TIMEOUT)
    assert child.returncode == 0, out
    return out


@pytest.fixture
def toy_file(toy_sentiment, tmp_path):
    path = tmp_path / "toy.jsonl"
    toy_sentiment.to_json(str(path))
    return str(path)


# ---- a writer killed mid-checkpoint ------------------------------------------------------------------
HANG_IN_WEIGHTS = '''
    import ftlab.train.checkpoint as ck
    from safetensors.torch import save as to_bytes
    real, calls = ck.save_file, [0]
    def save_file(tensors, path, *a, **k):  # the 3rd file written = the weights of the 2nd checkpoint
        calls[0] += 1
        if calls[0] == 3:
            blob = to_bytes(tensors)
            with open(path, "wb") as f:
                f.write(blob[: len(blob) // 2]); f.flush(); os.fsync(f.fileno())
            touch(args["marker"]); time.sleep(600)  # SIGKILL arrives here, half-way through the file
        return real(tensors, path, *a, **k)
    ck.save_file = save_file
'''
HANG_IN_LATEST = '''
    import ftlab.train.checkpoint as ck
    real, calls = ck._atomic_write, [0]
    def atomic_write(path, text):  # the 2nd update of `latest`: its temp file is half written
        calls[0] += 1
        if calls[0] == 2:
            with open(path.with_name(f".{path.name}.tmp"), "w") as f:
                f.write(text[: len(text) // 2]); f.flush()
            touch(args["marker"]); time.sleep(600)
        return real(path, text)
    ck._atomic_write = atomic_write
'''
TRAIN_WITH_CHECKPOINTS = '''
    cfg = TrainConfig(lr=1e-3, max_steps=6, batch_size=8, seed=1, save_every=2, output_dir=args["out"])
    Trainer(cfg).fit(fresh(), data)
'''


@pytest.mark.parametrize("hang", [HANG_IN_WEIGHTS, HANG_IN_LATEST], ids=["in-weights-file", "in-latest-pointer"])
def test_sigkill_while_writing_a_checkpoint_leaves_the_previous_one(hang, toy_file, toy_sentiment, tmp_path):
    out, marker = tmp_path / "run", tmp_path / "writing"
    child = start_child(tmp_path, hang + TRAIN_WITH_CHECKPOINTS, data=toy_file, out=str(out), marker=str(marker))
    wait_for(marker, child)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=CHILD_TIMEOUT)
    assert (out / "latest").read_text() == "checkpoint-000002"
    state, history = load_checkpoint(str(out), fresh().module, None)  # loadable, complete
    assert state["step"] == 2 and history.last_step == 2
    # and training resumes from it to the end, tidying what the killed writer left behind
    cfg = TrainConfig(lr=1e-3, max_steps=6, batch_size=8, seed=1, save_every=2, output_dir=str(out))
    resumed, reference = fresh(), fresh()
    h = Trainer(cfg).fit(resumed, toy_sentiment, resume_from=str(out))
    assert h.stopped_reason == "completed" and h.last_step == 6 and len(h.steps) == 6
    assert not list(out.glob(".ftlab-tmp-*")) and resolve_checkpoint(str(out)).name == "checkpoint-000006"
    Trainer(cfg.replace(output_dir=str(tmp_path / "ref"))).fit(reference, toy_sentiment)
    for name, value in weights(reference).items():
        assert torch.allclose(value, weights(resumed)[name], atol=1e-6), name


# ---- Ctrl-C in one process, resume in another --------------------------------------------------------
INTERRUPTIBLE = '''
    class WaitAt5(Callback):  # after step 5, tell the parent and wait (at most 2 min) until it has sent SIGINT
        def on_step_end(self, trainer, row):
            if row["step"] == 5:
                touch(args["marker"])
                deadline = time.monotonic() + 120
                while not os.path.exists(args["sent"]) and time.monotonic() < deadline:
                    time.sleep(0.05)
    cfg = TrainConfig(lr=1e-3, epochs=2, batch_size=8, seed=1, save_every=3, output_dir=args["out"])
    h = Trainer(cfg, callbacks=[WaitAt5()]).fit(fresh(), data)
    print(json.dumps({"reason": h.stopped_reason, "last_step": h.last_step}))
'''
RESUME = '''
    from safetensors.torch import save_file
    cfg = TrainConfig(lr=1e-3, epochs=2, batch_size=8, seed=1, save_every=3, output_dir=args["out"])
    model = fresh()
    h = Trainer(cfg).fit(model, data, resume_from=args["out"])
    save_file({k: v.contiguous() for k, v in model.module.state_dict().items()}, args["weights"])
    print(json.dumps({"reason": h.stopped_reason, "last_step": h.last_step, "n_steps": len(h.steps)}))
'''


def test_sigint_in_one_process_then_resume_in_another_matches_an_uninterrupted_run(toy_file, toy_sentiment, tmp_path):
    out, marker, final = tmp_path / "run", tmp_path / "step5", tmp_path / "final.safetensors"
    sent = tmp_path / "sigint-sent"
    child = start_child(tmp_path, INTERRUPTIBLE, data=toy_file, out=str(out), marker=str(marker), sent=str(sent))
    wait_for(marker, child)
    child.send_signal(signal.SIGINT)  # what Jupyter's "interrupt kernel" sends
    sent.touch()  # only now may the child go on: the signal is already pending there
    first = json.loads(finish(child).strip().splitlines()[-1])
    assert first == {"reason": "interrupted", "last_step": 5}  # stopped at the next step boundary
    assert (out / "latest").read_text() == "checkpoint-000003"  # so the resume redoes steps 4 and 5
    second = json.loads(finish(start_child(tmp_path, RESUME, data=toy_file, out=str(out), weights=str(final)))
                        .strip().splitlines()[-1])
    cfg = TrainConfig(lr=1e-3, epochs=2, batch_size=8, seed=1, save_every=3, output_dir=str(tmp_path / "ref"))
    reference = fresh()
    h_ref = Trainer(cfg).fit(reference, toy_sentiment)
    assert second == {"reason": "completed", "last_step": h_ref.last_step, "n_steps": len(h_ref.steps)}
    resumed = load_file(str(final))
    for name, value in weights(reference).items():
        assert torch.allclose(value, resumed[name], atol=1e-6), name


# ---- NaN ---------------------------------------------------------------------------------------------
class RecordWeights(Callback):
    def __init__(self, model):
        self.model, self.after = model, {}

    def on_step_end(self, trainer, row):
        self.after[row["step"]] = weights(self.model)


def test_nan_from_the_forward_pass_stops_with_a_message_and_restores_weights(toy_sentiment):
    model = fresh()
    record, calls = RecordWeights(model), [0]

    def poison(module, inputs, output):  # the 4th forward pass produces NaN (a bad batch, an overflow)
        calls[0] += 1
        if calls[0] == 4:
            return {**output, "loss": output["loss"] * float("nan")}

    model.module.register_forward_hook(poison)
    with pytest.warns(UserWarning, match=r"loss became nan at step 4.*last good weights were restored.*lower lr"):
        h = Trainer(TrainConfig(lr=1e-3, max_steps=8, batch_size=8), callbacks=[record]).fit(model, toy_sentiment)
    assert h.stopped_reason == "non-finite loss" and h.last_step == 3
    restored = weights(model)
    for name, value in record.after[2].items():  # the weights before the latest update (step 3)
        assert torch.equal(restored[name], value), name
    assert all(torch.isfinite(v).all() for v in restored.values())
    assert all(p.grad is None for p in model.module.parameters())


def test_infinite_gradient_never_reaches_the_weights(toy_sentiment):
    model = fresh()
    record, calls = RecordWeights(model), [0]

    def blow_up(grad):
        calls[0] += 1
        return grad * float("inf") if calls[0] == 3 else grad

    model.module.head.weight.register_hook(blow_up)
    with pytest.warns(UserWarning, match="gradient norm became"):
        h = Trainer(TrainConfig(lr=1e-3, max_steps=8, batch_size=8), callbacks=[record]).fit(model, toy_sentiment)
    assert h.stopped_reason == "non-finite loss" and h.last_step == 2
    assert all(torch.isfinite(v).all() for v in weights(model).values())


# ---- out of memory -----------------------------------------------------------------------------------
def raise_at_forward(model, n, error):
    calls = [0]

    def hook(module, inputs):
        calls[0] += 1
        if calls[0] == n:
            raise type(error)(*error.args)  # a fresh exception each time: no traceback carried between tests

    return model.module.register_forward_pre_hook(hook)


CUDA_OOM = torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 15.7 GiB total capacity)")
CPU_OOM = RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate 8589934592 bytes.")


@pytest.mark.parametrize("error", [CUDA_OOM, CPU_OOM], ids=["cuda", "cpu-allocator"])
def test_out_of_memory_stops_cleanly_with_advice_and_the_kernel_survives(error, toy_sentiment, monkeypatch):
    released = []
    monkeypatch.setattr("ftlab.train.trainer.release_cached_memory", released.append)
    model, trainer = fresh(), Trainer(TrainConfig(lr=1e-3, max_steps=8, batch_size=8))
    hook = raise_at_forward(model, 4, error)
    with pytest.warns(UserWarning) as caught:
        h = trainer.fit(model, toy_sentiment)
    message = str(caught[-1].message)
    assert message.startswith("Training stopped: out of memory at step 4")
    for advice in ("batch_size=4", "grad_accum_steps=2", "model.freeze('top-2')", "lora", "max_len", "gradient_checkpointing"):
        assert advice in message, advice
    assert h.stopped_reason == "out of memory" and h.last_step == 3 and len(h.steps) == 3
    assert all(p.grad is None for p in model.module.parameters())
    assert released == [torch.device("cpu")]
    assert len(model.predict(["good great lovely"])) == 1  # the model is still usable
    hook.remove()
    assert trainer.fit(model, toy_sentiment).last_step == 8  # and training can go on


def test_out_of_memory_during_evaluation_is_caught_too(toy_sentiment):
    model = fresh()
    trainer = Trainer(TrainConfig(lr=1e-3, epochs=1, batch_size=8))
    raise_at_forward(model, 9, CUDA_OOM)  # 8 training steps, then the epoch-end evaluation
    with pytest.warns(UserWarning, match="out of memory"):
        h = trainer.fit(model, toy_sentiment, toy_sentiment)
    assert h.stopped_reason == "out of memory" and h.last_step == 8 and not h.evals


def test_other_runtime_errors_are_not_mistaken_for_out_of_memory(toy_sentiment):
    model = fresh()
    raise_at_forward(model, 2, RuntimeError("mat1 and mat2 shapes cannot be multiplied (8x32 and 64x2)"))
    with pytest.raises(RuntimeError, match="shapes cannot be multiplied"):
        Trainer(TrainConfig(lr=1e-3, max_steps=4, batch_size=8)).fit(model, toy_sentiment)
    assert not is_out_of_memory(RuntimeError("Expected all tensors to be on the same device"))


def test_release_cached_memory_empties_the_cuda_cache(monkeypatch):
    emptied = []
    monkeypatch.setattr(torch.cuda, "empty_cache", lambda: emptied.append(True))
    release_cached_memory(torch.device("cuda"))
    release_cached_memory(torch.device("cpu"))
    assert emptied == [True]


# ---- checkpoints never unpickle ------------------------------------------------------------------------
class Payload:
    """Unpickling this creates a folder: proof that pickle ran."""

    def __init__(self, proof):
        self.proof = proof

    def __reduce__(self):
        return (os.mkdir, (self.proof,))


@pytest.fixture
def checkpoint(toy_sentiment, tmp_path):
    cfg = TrainConfig(lr=1e-3, max_steps=2, batch_size=8, save_every=2, output_dir=str(tmp_path / "run"))
    Trainer(cfg).fit(fresh(), toy_sentiment)
    return resolve_checkpoint(str(tmp_path / "run"))


def test_pickle_files_beside_a_checkpoint_are_never_opened(checkpoint, tmp_path):
    proof = tmp_path / "pwned"
    for name in ("pytorch_model.bin", "optimizer.pt", "scheduler.pt", "rng_state.pth", "training_args.bin"):
        (checkpoint / name).write_bytes(pickle.dumps(Payload(str(proof))))
    torch.save({"x": Payload(str(proof))}, checkpoint / "model.pt")
    state, _ = load_checkpoint(str(checkpoint.parent), fresh().module, None)
    assert state["step"] == 2 and not proof.exists()


@pytest.mark.parametrize("target", ["state.json", "history.json", "model.safetensors", "optimizer.safetensors"])
@pytest.mark.parametrize("writer", ["pickle", "torch.save"])
def test_a_pickle_payload_in_place_of_a_checkpoint_file_is_refused(target, writer, checkpoint, tmp_path):
    proof = tmp_path / "pwned"
    if writer == "pickle":
        (checkpoint / target).write_bytes(pickle.dumps(Payload(str(proof))))
    else:
        torch.save({"state": Payload(str(proof))}, checkpoint / target)
    with pytest.raises(ValueError, match="corrupted or incomplete"):
        load_checkpoint(str(checkpoint.parent), fresh().module, None)
    assert not proof.exists()


UNSAFE_LOADS = re.compile(r"\b(torch\.load|pickle\.loads?|cPickle|_pickle|dill\.|joblib\.load|read_pickle|Unpickler|"
                          r"allow_pickle\s*=\s*True|weights_only\s*=\s*False|marshal\.loads?)\b")


def test_ftlab_source_never_unpickles():
    sources = [p for d in ("ftlab", "widgets") for p in (ROOT / d).rglob("*.py")]
    assert sources
    offenders = [f"{p.relative_to(ROOT)}:{i}: {line.strip()}" for p in sources
                 for i, line in enumerate(p.read_text().splitlines(), 1)
                 if UNSAFE_LOADS.search(line) and not line.lstrip().startswith("#")]
    assert offenders == [], "ftlab must load weights/state with safetensors + JSON only"


# ---- on a GPU (pytest -m gpu): pinned copies and a real CUDA out-of-memory ---------------------------
needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


@pytest.mark.gpu
@needs_cuda
def test_batches_reach_the_gpu_through_pinned_memory(monkeypatch):
    from ftlab.batches import to_device

    pinned = []
    real_pin = torch.Tensor.pin_memory
    monkeypatch.setattr(torch.Tensor, "pin_memory", lambda self, *a: pinned.append(1) or real_pin(self, *a))
    batch = to_device({"input_ids": torch.ones(2, 3, dtype=torch.long), "labels": torch.zeros(2)}, torch.device("cuda"))
    assert pinned == [1, 1] and all(v.is_cuda for v in batch.values())


@pytest.mark.gpu
@needs_cuda
def test_a_real_cuda_out_of_memory_is_survived(toy_sentiment):
    model = fresh()
    huge = torch.cuda.get_device_properties(0).total_memory * 2  # bytes: can never fit

    def allocate(module, inputs):
        torch.empty(huge, dtype=torch.uint8, device="cuda")

    model.module.register_forward_pre_hook(allocate)
    with pytest.warns(UserWarning, match="out of memory"):
        h = Trainer(TrainConfig(lr=1e-3, max_steps=3, batch_size=8, device="cuda")).fit(model, toy_sentiment)
    assert h.stopped_reason == "out of memory" and h.last_step == 0
    assert torch.cuda.memory_reserved() < 2**30  # the cache was handed back
