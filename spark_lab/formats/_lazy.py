"""Importing the formats' optional packages when first needed."""
from __future__ import annotations

import importlib

#: the package the optional extra installs -> its name on PyPI
EXTRA = {"pynwb": "pynwb", "neo": "neo", "quantities": "quantities", "elephant": "elephant"}


def need(module: str):
    """``module`` imported, or ImportError naming the extra that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise ImportError(f"spark_lab.formats needs {EXTRA.get(module, module)!r}, which is not installed: "
                          f"pip install 'spark_lab[formats]' (pynwb, neo, elephant)") from e
