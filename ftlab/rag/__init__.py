"""ftlab.rag: retrieval-augmented generation you can measure against fine-tuning on the same questions.

Chunk documents, search them by meaning (dense), by words (BM25) or both (hybrid), answer with a causal LM
given the retrieved chunks, and score retrieval and answers (recall@k, MRR, exact match, token F1,
hallucination and abstention rates, latency, prompt tokens). :func:`decide` turns a use case into
"fine-tune, RAG, both or neither yet", with reasons.

Example:
    >>> import ftlab
    >>> kb = ftlab.rag.KnowledgeBase.from_texts(["Cats purr.", "Dogs bark."], ids=["cat", "dog"])
    >>> [h.doc_id for h in kb.search("can dogs bark", k=1, method="bm25")]
    ['dog']
"""
from .answer import ABSTAIN, RAG, Answer, ClosedBook, is_abstention
from .chunking import Chunk, chunk_documents, chunk_text, split_sentences
from .decide import Decision, Reason, decide
from .finetune import fine_tune, qa_training_data
from .handbook import (GROUPS, changed_documents, held_out_questions, load_handbook, load_questions,
                       training_questions)
from .index import METHODS, Hit, KnowledgeBase
from .metrics import (contains_gold, evaluate, evaluate_retrieval, exact_match, normalize_answer, recall_at_k,
                      reciprocal_rank, score_answers, scores_by, token_f1)
from .scenarios import SCENARIOS
from .store import load_knowledge_base, save_knowledge_base

__all__ = ["ABSTAIN", "Answer", "Chunk", "ClosedBook", "Decision", "GROUPS", "Hit", "KnowledgeBase", "METHODS", "RAG", "Reason", "SCENARIOS", "changed_documents", "chunk_documents",
           "chunk_text", "contains_gold", "decide", "evaluate", "evaluate_retrieval", "exact_match", "fine_tune", "held_out_questions", "is_abstention", "load_handbook",
           "load_knowledge_base", "load_questions", "normalize_answer", "qa_training_data", "recall_at_k", "reciprocal_rank", "save_knowledge_base", "score_answers", "scores_by",
           "split_sentences", "token_f1", "training_questions"]
