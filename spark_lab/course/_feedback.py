"""Feedback for the course's check cells.

A check function ``check_<exercise>(answer, ...)`` accepts any correct answer and
rejects a wrong one with feedback that says what is wrong and, where it can, why
("your rheobase is 10x too high: did you use mV or V?"). It calls :func:`passed`
when the answer is right and :func:`fail` (or :func:`close`, which fails) when not.
"""
from __future__ import annotations

import math

__all__ = ["CheckFailed", "fail", "passed", "close"]

# Ratios (answer / expected) that are a unit slip rather than a wrong method, with the hint.
_UNIT_SLIPS = (
    (1000.0, "1000x too {dir}: did you mix units a factor 1000 apart (mV and V, ms and s, pA and nA)?"),
    (100.0, "100x too {dir}: did you mix units a factor 100 apart (a percentage and a fraction)?"),
    (10.0, "10x too {dir}: did you slip a factor of ten (a unit prefix, or one zero too many)?"),
)


class CheckFailed(AssertionError):
    """An exercise's answer is wrong; the message says what is wrong and how to fix it."""


def fail(message: str) -> None:
    """Raise :class:`CheckFailed` with ``message``, the student's feedback (always raises)."""
    raise CheckFailed(message)


def passed(message: str) -> bool:
    """Print ``"✓ " + message`` (the check's praise) and return True."""
    print("\u2713 " + message)
    return True


def _as_number(value, what: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        fail(f"{what} should be a number, got {type(value).__name__} {value!r}.")
    if not math.isfinite(number):
        fail(f"{what} is {number}: check for a division by zero or a run that diverged.")
    return number


def _slip_hint(ratio: float, rtol: float) -> str | None:
    """The unit-slip hint when ``ratio`` (answer / expected, > 0) is close to 10^k, else None."""
    for factor, text in _UNIT_SLIPS:
        for r, direction in ((ratio, "high"), (1.0 / ratio, "low")):
            if abs(r / factor - 1.0) <= max(rtol, 0.02):
                return text.format(dir=direction)
    return None


def close(value, expected: float, rtol: float = 0.05, what: str = "your answer", unit: str = "",
          atol: float = 0.0) -> float:
    """Check that ``value`` is within ``rtol`` (relative) or ``atol`` (absolute) of ``expected``.

    Returns the value as a float when it is close; otherwise fails with a message that
    says how far off it is and in which direction, and, where the answer is off by a
    factor of about 10, 100 or 1000, suggests a unit slip. ``what`` names the quantity
    in the message ("your rheobase"), ``unit`` is appended to the numbers ("pA").
    """
    number = _as_number(value, what)
    expected = float(expected)
    if abs(number - expected) <= max(atol, rtol * abs(expected)):
        return number
    u = f" {unit}" if unit else ""
    if expected != 0.0 and number != 0.0 and (number > 0) == (expected > 0):
        hint = _slip_hint(number / expected, rtol)
        if hint is not None:
            fail(f"{what} is {number:.4g}{u}, {hint} (expected about {expected:.4g}{u})")
    if expected != 0.0 and number != 0.0 and (number > 0) != (expected > 0):
        fail(f"{what} is {number:.4g}{u}, expected about {expected:.4g}{u}: the sign is wrong.")
    direction = "high" if number > expected else "low"
    if expected != 0.0:
        off = abs(number - expected) / abs(expected) * 100.0
        fail(f"{what} is {number:.4g}{u}, {off:.0f}% too {direction} "
             f"(expected about {expected:.4g}{u}, within {rtol * 100:.0f}%).")
    fail(f"{what} is {number:.4g}{u}, too {direction} (expected about 0{u}, within {atol:g}{u}).")
    return number
