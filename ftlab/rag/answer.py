"""Answer questions with a causal LM: closed book (the model alone) or with retrieved chunks in the prompt.

Both systems share one interface, ``answer(question) -> Answer`` and ``answer_many(questions)``, so
:func:`ftlab.rag.evaluate` measures them on the same questions the same way. The prompt asks the model to
use only the context and to reply with :data:`ABSTAIN` when the context does not hold the answer; the
evaluation recognizes that phrase (and a few common variants) as an abstention.

Example:
    >>> rag = RAG(kb, lm, k=3, method="hybrid")                          # doctest: +SKIP
    >>> a = rag.answer("How many days of annual leave do staff get?")     # doctest: +SKIP
    >>> a.text, a.sources, a.abstained                                    # doctest: +SKIP
    ('25 days.', ['hr-leave#0', 'hr-holidays#0', 'hr-parental#0'], False)
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Optional, Sequence

ABSTAIN = "I don't know."
SYSTEM_RAG = ("Answer the question using only the context. Answer in a few words. "
              f"If the context does not contain the answer, reply exactly: {ABSTAIN}")
SYSTEM_CLOSED = f"Answer the question in a few words. If you do not know the answer, reply exactly: {ABSTAIN}"
# "I don't know", "I do not know", "I'm not sure", "not mentioned in the context", "cannot answer" …
_ABSTAIN_RE = re.compile(r"\b(i\s+(do\s+not|don'?t|dont)\s+know|i'?m\s+not\s+sure|not\s+(mentioned|provided|stated|"
                         r"specified|given)\s+in\s+the\s+context|(cannot|can'?t|unable\s+to)\s+answer|no\s+information)",
                         re.IGNORECASE)


def is_abstention(text: str) -> bool:
    """Whether an answer declines to answer ("I don't know", "not mentioned in the context", …).

    Example:
        >>> is_abstention("I don't know."), is_abstention("25 days")
        (True, False)
    """
    return bool(_ABSTAIN_RE.search(text or "")) or not (text or "").strip()


@dataclass
class Answer:
    """A system's answer: the text, the chunk ids it was given (best first), whether it abstained,
    the prompt's length in tokens and the seconds spent (retrieval + generation)."""

    text: str
    sources: list[str] = field(default_factory=list)
    abstained: bool = False
    prompt_tokens: int = 0
    latency_s: float = 0.0


def _clean(text: str) -> str:
    return text.strip().split("\n")[0].strip()  # the first line is the answer; small models ramble after it


class ClosedBook:
    """The language model alone: it answers from what its weights hold (pre-training or fine-tuning)."""

    def __init__(self, lm, max_new_tokens: int = 32, system: str = SYSTEM_CLOSED):
        if getattr(getattr(lm, "task", None), "pools_features", True):  # an encoder's task pools; an LM's does not
            raise ValueError(f"{type(self).__name__} needs a causal-lm FTModel (ftlab.load_model('smollm2-135m', "
                             f"task='causal-lm')); got task={getattr(lm, 'task', None)!r}")
        self.lm, self.max_new_tokens, self.system = lm, max_new_tokens, system

    def prompt(self, question: str) -> tuple[list[dict], list[str]]:
        """The chat sent to the model and the chunk ids it contains."""
        return [{"role": "system", "content": self.system}, {"role": "user", "content": question}], []

    def prompt_tokens(self, chat: list[dict]) -> int:
        """Tokens the model reads for this chat (the template included): the per-query cost of context."""
        tok = self.lm.tokenizer
        text = tok.apply_chat_template(chat, tokenize=False, add_generation_prompt=True)
        return len(tok(text, add_special_tokens=False)["input_ids"])

    def answer(self, question: str) -> Answer:
        """Answer one question."""
        return self.answer_many([question])[0]

    def answer_many(self, questions: Sequence[str], batch_size: int = 8) -> list[Answer]:
        """Answer a list of questions (generation batched). Latency is each question's share of its batch."""
        out = []
        for i in range(0, len(questions), batch_size):
            start = time.perf_counter()
            prompts = [self.prompt(q) for q in questions[i:i + batch_size]]
            texts = self.lm.generate([p for p, _ in prompts], max_new_tokens=self.max_new_tokens, batch_size=batch_size)
            per_query = (time.perf_counter() - start) / len(prompts)
            for (chat, ids), text in zip(prompts, texts):
                n = self.prompt_tokens(chat)
                out.append(Answer(_clean(text), ids, is_abstention(text), n, per_query))
        return out


class RAG(ClosedBook):
    """Retrieval-augmented answering: the top-``k`` chunks of ``kb`` go into the prompt, labelled with their ids.

    Args:
        kb: a :class:`ftlab.rag.KnowledgeBase`.
        lm: a causal-lm FTModel (base or fine-tuned).
        k: chunks in the prompt.
        method: "dense", "bm25" or "hybrid" (default: hybrid with embeddings, else bm25).
        max_new_tokens: answer length cap.

    Example:
        >>> RAG(kb, lm, k=3).answer("Who leads the robotics lab?").sources  # doctest: +SKIP
    """

    def __init__(self, kb, lm, k: int = 3, method: Optional[str] = None, max_new_tokens: int = 32, system: str = SYSTEM_RAG):
        super().__init__(lm, max_new_tokens, system)
        self.kb, self.k, self.method = kb, k, method

    def prompt(self, question: str) -> tuple[list[dict], list[str]]:
        hits = self.kb.search(question, k=self.k, method=self.method)
        context = "\n\n".join(f"[{h.id}] {h.title}: {h.text}" for h in hits)
        user = f"Context:\n{context}\n\nQuestion: {question}"
        return [{"role": "system", "content": self.system}, {"role": "user", "content": user}], [h.id for h in hits]
