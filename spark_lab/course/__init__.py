"""The course *A first course in spiking networks* (notebooks/course/): helpers and checks.

One module per lesson holds that lesson's simulation and plotting helpers and its
``check_*`` functions, so that a lesson's notebook shows the subject, not pages of
plotting code. :mod:`spark_lab.course._feedback` is the feedback all checks share:
a check prints ``"✓ ..."`` and returns True when the answer is right, and raises
:class:`CheckFailed` (an AssertionError) with specific feedback when it is not.

The lesson modules are imported on demand (``from spark_lab.course import lif``),
so importing this package costs nothing.
"""
from ._feedback import CheckFailed, close, fail, passed

__all__ = ["CheckFailed", "fail", "passed", "close"]
