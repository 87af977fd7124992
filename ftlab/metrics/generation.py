"""Generation metrics: BLEU and chrF (sacrebleu) for translation, perplexity for language models.

Example:
    >>> round(translation_scores(["the cat sat"], ["the cat sat"])["chrf"])
    100
"""
from __future__ import annotations

import math
from typing import Sequence


def translation_scores(hypotheses: Sequence[str], references: Sequence[str], target_lang: str = "en") -> dict:
    """Corpus BLEU and chrF. For Chinese targets BLEU uses sacrebleu's ``zh`` tokenizer (no spaces between words)."""
    import sacrebleu

    if len(hypotheses) != len(references):
        raise ValueError(f"translation_scores needs one reference per hypothesis; got {len(hypotheses)} and {len(references)}")
    tokenize = "zh" if target_lang.startswith("zh") else "13a"
    bleu = sacrebleu.corpus_bleu(list(hypotheses), [list(references)], tokenize=tokenize)
    chrf = sacrebleu.corpus_chrf(list(hypotheses), [list(references)])
    return {"bleu": float(bleu.score), "chrf": float(chrf.score)}


def perplexity(mean_token_loss: float) -> float:
    """exp(mean cross-entropy per token): the average number of equally likely next tokens the model hesitates between."""
    return float(math.exp(min(mean_token_loss, 50.0)))
