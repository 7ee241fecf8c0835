"""Notebook layer of spark_lab: widgets for the live lab and the graph editor (imports ipywidgets)."""
