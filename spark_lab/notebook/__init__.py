"""Notebook layer of spark_lab (imports ipywidgets and bqplot; ``import spark_lab`` does not):
widgets for the live lab (here) and the graph editor (``spark_lab.notebook.editor``).

    from spark_lab.notebook import LiveLab, Lab
    lab = LiveLab(net, params=[("inh", "g_inh")])     # run controls, sliders, monitors
    lab = Lab(net)                                     # the same with the graph editor above
    CompareRuns("runs/")                               # stored runs side by side (spark_lab.runs)
"""
from ._analysis import AnalysisPanel
from ._compare import CompareRuns
from ._controls import RunControls, StatusMonitor
from ._full_lab import Lab
from ._lab import LiveLab
from ._monitors import RasterMonitor, RateMonitor, TraceMonitor, WeightMonitor
from ._sliders import ParamSlider, ParamSliders

__all__ = ["AnalysisPanel", "CompareRuns", "Lab", "LiveLab", "ParamSlider", "ParamSliders", "RasterMonitor",
           "RateMonitor", "RunControls", "StatusMonitor", "TraceMonitor", "WeightMonitor"]
