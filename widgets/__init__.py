"""ftlab.widgets: the Jupyter panels. They wrap core objects, call core functions and own no training logic.

Where no widget front end is present (papermill, nbval, plain Python) each panel renders a static
HTML/plotly fallback, so executed notebooks keep their results.
"""
from ._common import widget_frontend
from .data_inspector import DataInspector
from .decision_guide import DecisionGuide
from .error_browser import ErrorBrowser
from .freeze_panel import FreezePanel
from .hyperparam_panel import HyperparamPanel
from .mask_viewer import MaskViewer
from .playground import Playground
from .static import plot_history
from .train_dashboard import TrainDashboard

__all__ = ["DataInspector", "DecisionGuide", "ErrorBrowser", "FreezePanel", "HyperparamPanel", "MaskViewer", "Playground",
           "TrainDashboard", "plot_history", "widget_frontend"]
