"""Metrics: classification, regression and generation, built on scikit-learn and sacrebleu."""
from .classification import classification_scores, confusion_matrix, per_class_report, softmax
from .evaluate import evaluate
from .generation import perplexity, translation_scores
from .regression import regression_scores

__all__ = ["classification_scores", "confusion_matrix", "evaluate", "per_class_report", "perplexity",
           "regression_scores", "softmax", "translation_scores"]
