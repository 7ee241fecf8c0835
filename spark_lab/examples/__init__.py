"""The shipped examples: model files (``*.json``, listed by ``spark_lab.model.examples``)
and networks built by Python code with options (``BUILDERS``: name -> builder, reached
through ``sl.load(name, **options)``)."""
from __future__ import annotations


def builders() -> dict:
    """{name: function(**options) -> Network} of the examples built by code."""
    from . import microcircuit
    return {"microcircuit": microcircuit.build}
