"""The decoder bench's bookkeeping: fresh-process memory in the table, latest.json merging, option forwarding.

These run no training (the bench itself is `make bench`); they check that what the bench records is what it
measured: the table's peak RSS is the fresh-process one, and an sft-only run never overwrites the encoder keys.
"""
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import bench  # noqa: E402
import sft_bench  # noqa: E402
import sft_report  # noqa: E402


def _run(side, setting, seed, sup_per_s, rss_in_process, heldout=2.5):
    return {"side": side, "setting": setting, "seed": seed, "supervised_tokens_per_s": sup_per_s,
            "tokens_per_s": 3 * sup_per_s,
            "s_per_step": 1.0, "mfu": 0.5, "lm_head_share_of_forward": 0.1, "train_loss": 2.0, "heldout_loss": heldout,
            "peak_rss_mb": rss_in_process, "padded_tokens": 110, "real_tokens": 100, "supervised_tokens": 40}


def _memory(side, setting, peak):
    return {"side": side, "setting": setting, "steps": 3, "rss_before_mb": 600.0, "peak_rss_mb": peak,
            "train_peak_over_before_mb": peak - 600.0, "real_tokens": 300, "padded_tokens": 320}


def _summary():
    runs = [_run(side, s, seed, sp, 9999.0) for s in sft_bench.SETTINGS for seed in (0, 1)
            for side, sp in (("ftlab", 200.0 + seed), ("trl", 100.0))]
    memory = [_memory("ftlab", "lora", 2500.0), _memory("trl", "lora", 3000.0),
              {"side": "trl_checkpointing", "setting": "lora", "error": "boom"}]
    return sft_bench.summarize(runs, memory)


def test_table_peak_rss_is_the_fresh_process_one():
    summary = _summary()
    lora = summary["lora"]
    assert lora["ftlab"]["peak_rss_mb"] == 2500.0 and lora["trl"]["peak_rss_mb"] == 3000.0
    assert lora["ftlab"]["peak_rss_mb_in_process"] == 9999.0  # kept, but not what the table shows
    assert "trl_checkpointing" not in lora["memory"]  # a failed memory run is not a number
    assert "peak_rss_mb" not in summary["top-2"]["ftlab"]  # no fresh-process run: no number shown
    assert lora["speedup_vs_trl_paired"] == [2.0, 2.01]


def test_markdown_shows_memory_table_and_dash_for_missing():
    out = {"sft": {"trl_version": "1.16.0", "batch_size": 8, "max_len": 128, "lr": 2e-4, "steps": 8, "seeds": 2,
                   "supervision": {"supervised_tokens_ftlab": 5, "supervised_tokens_trl": 5}, "settings": _summary(),
                   "memory_steps": 3, "packing_isolation": {"error": "x"}, "generation": {"error": "y"}}}
    text = sft_report.markdown(out, {"device": "cpu"}, quick=False)
    assert "| ftlab | 600 | 2500 | 1900 | 300 / 320 |" in text
    assert "| TRL, checkpointing off | 600 | 3000 | 2400 | 300 / 320 |" in text
    assert "| 9999 |" not in text and "| — |" in text  # in-process RSS never shown; top-2 has none
    assert "not run here" in text


def test_record_keeps_the_encoder_keys(tmp_path, monkeypatch):
    monkeypatch.setattr(sft_report, "HERE", tmp_path)
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "latest.json").write_text(json.dumps({"speedup_vs_hf": 2.2, "sft_mfu": 0.1}))
    out = {"keys": {"sft_mfu": 0.7}, "sft": {"steps": 8}}
    monkeypatch.setattr(sft_report, "markdown", lambda *a: "section\n")
    sft_report.record(out, {}, quick=False)
    data = json.loads((tmp_path / "results" / "latest.json").read_text())
    assert data["speedup_vs_hf"] == 2.2 and data["sft_mfu"] == 0.7 and data["sft"] == {"steps": 8}
    assert (tmp_path / "RESULTS.md").read_text() == "section\n"


def test_bench_forwards_decoder_options_and_rejects_bad_ones():
    args = bench.parse_args(["--sft-only", "--steps", "4", "--memory-json", "m.json"])
    assert args.sft_only and args.sft_args == ["--steps", "4", "--memory-json", "m.json"]
    with pytest.raises(SystemExit):
        bench.parse_args(["--sft-only", "--stepz", "4"])
    with pytest.raises(SystemExit):
        bench.parse_args(["--skip-sft", "--steps", "4"])


def test_latest_keys_take_the_primary_setting_and_fresh_memory():
    keys = sft_bench.latest_keys(_summary(), {"gen_speedup_batched": 6.0})
    assert keys["sft_speedup_vs_trl"] == pytest.approx(2.005) and keys["gen_speedup_batched"] == 6.0
    assert keys["sft_peak_rss_mb_ftlab"] == 2500.0 and keys["sft_peak_rss_mb_trl"] == 3000.0


def test_memory_run_is_a_fresh_process_without_trl():
    """One real ftlab memory run (1 step, top-2): its own process, TRL never imported, training adds memory."""
    import subprocess

    script = Path(__file__).resolve().parents[1] / "benchmarks" / "sft_memory.py"
    done = subprocess.run([sys.executable, str(script), "--side", "ftlab", "--setting", "top-2", "--steps", "1",
                           "--heldout", "2"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    r = json.loads(done.stdout.strip().splitlines()[-1])
    assert r["trl_imported"] is False and r["steps"] == 1
    assert r["peak_rss_mb"] > r["rss_before_mb"] > 0 and r["max_rss_mb"] >= r["peak_rss_mb"] - 1
