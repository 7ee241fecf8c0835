"""Trees to functions: ``compile_tree(e, lib)`` returns ``f(env)`` that evaluates ``e``
with the names looked up in ``env`` and the functions taken from ``lib`` (``JNP`` inside
the compiled chunk, ``NP`` for initial values). Closures only: nothing is eval'd."""
from __future__ import annotations

import operator

import jax
import jax.numpy as jnp
import numpy as np

from ._expr import E


def _lib(xp, sigmoid) -> dict:
    return {"exp": xp.exp, "expm1": xp.expm1, "log": xp.log, "log10": xp.log10, "log1p": xp.log1p,
            "sqrt": xp.sqrt, "tanh": xp.tanh, "sinh": xp.sinh, "cosh": xp.cosh, "sin": xp.sin, "cos": xp.cos,
            "abs": xp.abs, "floor": xp.floor, "ceil": xp.ceil, "sigmoid": sigmoid, "where": xp.where,
            "clip": xp.clip, "minimum": xp.minimum, "maximum": xp.maximum,
            "and": xp.logical_and, "or": xp.logical_or, "not": xp.logical_not}


JNP = _lib(jnp, jax.nn.sigmoid)
NP = _lib(np, lambda x: 1.0 / (1.0 + np.exp(-x)))
_OPS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "**": operator.pow}
_CMP = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq,
        "!=": operator.ne}


def compile_tree(e: E, lib: dict):
    """``f(env) -> value`` for tree ``e`` (see the module docstring)."""
    op = e.op
    if op == "num":
        v = e.value
        return lambda env: v
    if op == "name":
        n = e.value
        return lambda env: env[n]
    args = [compile_tree(a, lib) for a in e.args]
    if op in _OPS:
        f, (a, b) = _OPS[op], args
        if op == "**" and e.args[1].op == "num" and e.args[1].value == 2.0:
            return lambda env: a(env) * a(env)
        return lambda env: f(a(env), b(env))
    if op == "neg":
        a, = args
        return lambda env: -a(env)
    if op == "cmp":
        f, (a, b) = _CMP[e.value], args
        return lambda env: f(a(env), b(env))
    if op in ("and", "or", "not"):
        f = lib[op]
        return lambda env: f(*(a(env) for a in args))
    f = lib[e.value]
    return lambda env: f(*(a(env) for a in args))
