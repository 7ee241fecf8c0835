"""Plain data of equation models: a canonical key, deep copies, values with units."""
from __future__ import annotations

from ._errors import Where
from ._units import parse_quantity


def canonical(x):
    """A hashable, order-independent stand-in for plain data (dicts, lists, numbers, strings,
    initializers)."""
    if isinstance(x, dict):
        return ("dict", tuple(sorted((repr(k), canonical(v)) for k, v in x.items())))
    if isinstance(x, (list, tuple)):
        return ("list", tuple(canonical(v) for v in x))
    return (type(x).__name__, repr(x))


def copy_data(x):
    """A deep copy of plain data."""
    if isinstance(x, dict):
        return {k: copy_data(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(copy_data(v) for v in x)
    return x


def convert_values(values: dict, units: dict, params: dict, component: str) -> dict:
    """Parameter values given as strings with a unit ("20 ms") as numbers in the declared unit."""
    out = dict(values)
    for k, v in values.items():
        if isinstance(v, str) and k in units:
            w = Where(component, k, v)
            x, _, u = parse_quantity(v, w)
            if not u.same_dim(units[k]):
                raise w.error(1, f"{v!r} has unit {u.show()}", f"{k} is in {params[k].unit}")
            out[k] = x * u.scale / units[k].scale
    return out


def rebuild(cls, data, values):
    """``cls(**data, **values)``: what pickling and copying call."""
    return cls(**data, **values)


def own_data(cls, given: dict, defaults: dict, component: str) -> None:
    """A generated class called without equations makes its own model: refuse other
    structural arguments there (they would be ignored)."""
    extra = sorted(k for k, v in given.items() if v != defaults[k])
    if extra:
        raise TypeError(f"{component}: {extra[0]} given without equations; give the equations too "
                        f"(type(model)(**model.data(), {extra[0]}=...)) or only parameter values")
