"""Inline graph editor for spark_lab networks (ipycytoscape), see ``GraphEditor``."""
from ._backend import EditorError
from ._editor import GraphEditor

__all__ = ["EditorError", "GraphEditor"]
