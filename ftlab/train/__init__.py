"""Training: the Trainer loop (the only one), head-only training on cached features and the LR finder that
drive it, callbacks, schedules, checkpoints and history."""
from .cached_head import fit_head
from .callbacks import Callback, StopTraining
from .checkpoint import load_checkpoint, save_checkpoint
from .history import STOP_REASONS, History
from .lr_find import LRFinderResult, lr_find
from .schedules import lr_factor
from .state import RunState
from .trainer import NonFiniteLoss, Trainer

__all__ = ["Callback", "History", "LRFinderResult", "NonFiniteLoss", "RunState", "STOP_REASONS", "StopTraining",
           "Trainer", "fit_head", "load_checkpoint", "lr_factor", "lr_find", "save_checkpoint"]
