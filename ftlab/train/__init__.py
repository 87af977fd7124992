"""Training: the Trainer loop, callbacks, schedules, checkpoints and history."""
from .callbacks import Callback, StopTraining
from .checkpoint import load_checkpoint, save_checkpoint
from .history import History
from .schedules import lr_factor
from .trainer import NonFiniteLoss, Trainer

__all__ = ["Callback", "History", "NonFiniteLoss", "StopTraining", "Trainer", "load_checkpoint", "lr_factor",
           "save_checkpoint"]
