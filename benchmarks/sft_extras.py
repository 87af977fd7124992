"""Two checks beside the timed runs: does TRL's packing keep examples apart on CPU attention, and how fast is
generation batched (FTModel.generate), one prompt at a time, and through ``transformers.pipeline``.

Packing isolation: a packed example's per-token losses are compared with the same example run alone; equal
(to float rounding) means its tokens saw only their own example. The same packed row with an all-ones 2D
attention mask (examples attend to each other) is the positive control: the check must see that difference.
"""
from __future__ import annotations

import time

import torch
import torch.nn.functional as F

IGNORE = -100


def per_token_loss(module, **inputs) -> torch.Tensor:
    """Cross-entropy of each next-token prediction, full logits.  -> (T - 1,) for one row"""
    with torch.no_grad():
        logits = module(**inputs, use_cache=False).logits[0, :-1].float()  # (T - 1, V)
    return F.cross_entropy(logits, inputs["input_ids"][0, 1:], reduction="none")


def packing_isolation(setup, lm) -> dict:
    """TRL's padding-free packed batch (its own dataset packing + collator) vs each example alone."""
    from trl import SFTConfig, SFTTrainer
    import tempfile

    with tempfile.TemporaryDirectory() as out:
        args = SFTConfig(output_dir=out, use_cpu=True, report_to=[], max_length=setup.max_len, packing=True,
                         completion_only_loss=True, max_steps=1, bf16=False,
                         gradient_checkpointing=False)
        trainer = SFTTrainer(model=lm.module, args=args, train_dataset=setup.train_pc, processing_class=lm.tokenizer)
        counts = [len(x) for x in trainer.train_dataset["seq_lengths"]]
        feature = trainer.train_dataset[counts.index(max(counts))]  # the pack holding the most examples
        batch = trainer.data_collator([feature])  # input_ids, position_ids (1, T), no attention_mask
    module = lm.module.eval()
    packed = per_token_loss(module, input_ids=batch["input_ids"], position_ids=batch["position_ids"])
    leaky = per_token_loss(module, input_ids=batch["input_ids"], attention_mask=torch.ones_like(batch["input_ids"]))
    diffs, leaks, start = [], [], 0
    for n in feature["seq_lengths"]:
        alone = per_token_loss(module, input_ids=batch["input_ids"][:, start:start + n])  # (n - 1,)
        diffs.append((packed[start:start + n - 1] - alone).abs().max().item())
        leaks.append((leaky[start:start + n - 1] - alone).abs().max().item())
        start += n
    module.train()
    return {"examples_in_pack": len(feature["seq_lengths"]), "pack_tokens": int(batch["input_ids"].numel()),
            "attn_implementation": module.config._attn_implementation,
            "examples_per_pack_mean": sum(counts) / len(counts),
            "max_abs_loss_diff_packed_vs_alone": max(diffs[1:], default=None),  # the first has nothing before it
            "max_abs_loss_diff_all_ones_mask": max(leaks[1:], default=None)}


def compare_generation(lm, prompts: list, max_new_tokens: int, batch_size: int = 16) -> dict:
    """Greedy (temperature 0) answers three ways; generated tokens/s and whether the texts are identical."""
    from transformers import pipeline

    tok = lm.tokenizer
    runs = {}
    t0 = time.perf_counter()
    runs["batched"] = lm.generate(prompts, max_new_tokens=max_new_tokens, batch_size=batch_size)
    runs["batched_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    runs["one_at_a_time"] = [lm.generate([p], max_new_tokens=max_new_tokens, batch_size=1)[0] for p in prompts]
    runs["one_at_a_time_s"] = time.perf_counter() - t0
    pipe = pipeline("text-generation", model=lm.module, tokenizer=tok, device=lm.module.device)
    texts = [tok.apply_chat_template(p, tokenize=False, add_generation_prompt=True) for p in prompts]
    lm.module.eval()
    t0 = time.perf_counter()
    out = pipe(texts, max_new_tokens=max_new_tokens, do_sample=False, return_full_text=False,
               eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
    runs["pipeline_s"] = time.perf_counter() - t0
    runs["pipeline"] = [o[0]["generated_text"] for o in out]
    result = {"prompts": len(prompts), "max_new_tokens": max_new_tokens, "batch_size": batch_size}
    for name in ("batched", "one_at_a_time", "pipeline"):
        tokens = sum(min(len(tok(t, add_special_tokens=False)["input_ids"]) + 1, max_new_tokens)  # + a stop token
                     for t in runs[name])
        result[f"{name}_seconds"] = runs[f"{name}_s"]
        result[f"{name}_tokens_per_s"] = tokens / runs[f"{name}_s"]
        result[f"{name}_identical_to_one_at_a_time"] = sum(
            a.strip() == b.strip() for a, b in zip(runs[name], runs["one_at_a_time"]))
    result["gen_speedup_batched"] = result["batched_tokens_per_s"] / result["one_at_a_time_tokens_per_s"]
    result["gen_speedup_batched_vs_pipeline"] = result["batched_tokens_per_s"] / result["pipeline_tokens_per_s"]
    result["sample"] = {"prompt": prompts[0][-1]["content"], "batched": runs["batched"][0]}
    return result
