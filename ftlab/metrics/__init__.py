"""Metrics: pure functions on arrays and strings (classification, regression, calibration, generation),
built on scikit-learn and sacrebleu. Running a model over data lives in :mod:`ftlab.eval`."""
from .calibration import expected_calibration_error, reliability_figure, reliability_table
from .classification import classification_scores, confusion_matrix, per_class_report, softmax
from .errors import error_table
from .generation import perplexity, translation_scores
from .regression import regression_scores
from .similarity import cosine_similarities, similarity_scores

__all__ = ["classification_scores", "confusion_matrix", "cosine_similarities", "error_table",
           "expected_calibration_error", "per_class_report", "perplexity", "regression_scores", "reliability_figure",
           "reliability_table", "similarity_scores", "softmax", "translation_scores"]
