"""ftlab: learn supervised fine-tuning by doing it.

The core is headless (no ipywidgets here); the Jupyter panels live in :mod:`ftlab.widgets`.

Example:
    >>> import ftlab
    >>> model = ftlab.load_model("minilm", task="classification", labels=["negative", "neutral", "positive"])  # doctest: +SKIP
    >>> history = ftlab.Trainer(ftlab.TrainConfig(epochs=1)).fit(model, train, val)  # doctest: +SKIP
"""
from .config import IGNORE_INDEX, TrainConfig
from .data import CleaningReport, DataReport, balance, class_weights, clean, inspect, list_datasets, load_dataset, split, subsample
from .device import pick_device, process_peak_rss_mb
from .eval import evaluate
from .models import FTModel, MemoryEstimate, PRESETS, load_model, presets_table
from .runs import Runs
from .tasks import Task, get_task
from .train import STOP_REASONS, Callback, History, LRFinderResult, RunState, StopTraining, Trainer, fit_head, lr_find
from .zero_shot import zero_shot_predict, zero_shot_scores

from . import rag, sft, sweep  # noqa: E402  -- ftlab.sft.to_chat(...), ftlab.rag.KnowledgeBase, ftlab.sweep.run(...)

__version__ = "0.1.0"

__all__ = ["LRFinderResult", "RunState", "STOP_REASONS", "Task", "get_task", "Callback", "CleaningReport", "DataReport", "FTModel", "History", "IGNORE_INDEX", "MemoryEstimate", "PRESETS", "Runs",
           "StopTraining", "TrainConfig", "Trainer", "balance", "class_weights", "clean", "evaluate", "fit_head", "inspect",
           "list_datasets", "load_dataset", "load_model", "lr_find", "pick_device", "presets_table", "process_peak_rss_mb", "split", "subsample",
           "zero_shot_predict", "zero_shot_scores"]
