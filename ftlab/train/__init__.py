"""Training: the Trainer loop, callbacks, schedules, checkpoints and history."""
from .cached_head import fit_head
from .callbacks import Callback, StopTraining
from .checkpoint import load_checkpoint, save_checkpoint
from .history import History
from .lr_find import LRFinderResult, lr_find
from .schedules import lr_factor
from .trainer import NonFiniteLoss, Trainer

__all__ = ["Callback", "History", "LRFinderResult", "NonFiniteLoss", "fit_head", "lr_find", "StopTraining", "Trainer", "load_checkpoint", "lr_factor",
           "save_checkpoint"]
