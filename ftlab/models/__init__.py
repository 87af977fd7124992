"""Models: offline presets, the trunk + head wrapper, layer groups, freezing, LoRA, memory estimates."""
from .heads import SequenceModel, last_token, mean_pool
from .loading import load_model
from .memory import MemoryEstimate, estimate_training_memory
from .presets import PRESETS, Preset, presets_table
from ..tasks import TASKS
from .wrapper import FTModel

__all__ = ["FTModel", "MemoryEstimate", "PRESETS", "Preset", "SequenceModel", "TASKS", "estimate_training_memory",
           "last_token", "load_model", "mean_pool", "presets_table"]
