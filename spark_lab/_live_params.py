"""Up-front checking of parameter changes for a running :class:`~spark_lab.session.Session`.

A session applies parameter changes later, on its own thread, at the next chunk
boundary. To report a bad value to the caller (synchronously, with the same
``ParameterError`` the simulator would raise) the change is checked here first,
against the values the network will have once everything already queued is applied.
Only the simulator's public API is used: ``parameters()``, ``get_param``, ``net``
and ``proj_info``.

Values are copied on the way in (a caller may later mutate its array; the queued
value must not change under the session: no torn updates).
"""
from __future__ import annotations

import numpy as np

from ._params import did_you_mean, resolve_value
from .errors import NetworkError, ParameterError
from .initializers import Initializer


class ChangeChecker:
    """Checks ``{(target, name): value}`` changes against one simulator's declarations."""

    def __init__(self, sim):
        self.sim = sim
        self.decls = sim.parameters()
        self._rng = np.random.default_rng(0)       # only for resolve_value's signature: never used for
                                                   # numbers/arrays; initializers are passed through

    def _where(self, target: str, name: str) -> tuple[str, object, int | None]:
        """(component text, component with .validate or None, per-neuron size) of a parameter."""
        net = self.sim.net
        if target in net.pools:
            model = net.pools[target].model
            return f"{type(model).__name__} pool {target!r}", model, net.pools[target].n
        pr = net.projections[target]
        if name == "weight":
            return f"projection {target!r}", None, None
        rule = self._rule(target, name)
        if rule is not None:
            return f"{type(rule[0]).__name__} rule of projection {target!r}", rule[0], None
        return (f"{type(pr.synapse).__name__} synapse of projection {target!r}", pr.synapse,
                net.pools[pr.post].n)

    def _rule(self, target: str, name: str):
        """(rule, parameter) addressed by ``name`` on projection ``target`` (the parameter's own
        name when only one of the projection's rules has it, else "<rule name>.<parameter>",
        as the simulator accepts), or None."""
        pr = self.sim.net.projections.get(target)
        rules = tuple(getattr(pr, "plasticity", ()) or ()) if pr is not None else ()
        rule_name, dot, pname = name.rpartition(".")
        for r in rules:
            if dot and r.name == rule_name and pname in r.PARAMS:
                return r, pname
        owners = [r for r in rules if name in r.PARAMS]
        return (owners[0], name) if len(owners) == 1 else None

    def canonical(self, target: str, name: str) -> str:
        """One address per parameter ("<rule>.<param>" for rule parameters), so that two
        spellings of one parameter are one queue entry."""
        rule = self._rule(target, name) if target in self.sim.net.projections else None
        return f"{rule[0].name}.{rule[1]}" if rule is not None else name

    def check(self, changes: dict, pending: dict) -> dict:
        """Return the changes with values normalised (float64 copies; initializers kept).

        ``pending``: changes already queued (normalised), taken as applied for the
        cross-field checks (``v_reset < v_th`` and the like). Raises ParameterError or
        NetworkError naming the component and the field; nothing is queued then.
        """
        out = {}
        for key, value in changes.items():
            if not (isinstance(key, tuple) and len(key) == 2):
                raise ParameterError("set_params", "changes", f"got the key {key!r}",
                                     "give {(pool_or_projection, parameter): value}")
            target, name = key
            if target not in self.decls:
                opts = list(self.decls)
                raise NetworkError(f"unknown pool or projection {target!r}; {did_you_mean(str(target), opts)}"
                                   f"known: {', '.join(opts)}")
            decls = self.decls[target]
            rule = self._rule(target, name) if target in self.sim.net.projections else None
            if name not in decls and rule is None:
                where = (f"{type(self.sim.net.pools[target].model).__name__} pool {target!r}"
                         if target in self.sim.net.pools else f"projection {target!r}")
                raise ParameterError(where, name, "unknown parameter",
                                     f"{did_you_mean(str(name), decls)}parameters: {', '.join(decls)}")
            where, _, n = self._where(target, name)
            decl = rule[0].PARAMS[rule[1]] if rule is not None else decls[name]
            key = (target, self.canonical(target, name))
            if name == "g_inh" and decl is None:
                out[key] = _scalar(value, where, name, low=0.0)
            elif name == "weight" and decl is None:
                out[key] = self._weight(target, value, where)
            elif rule is not None:                                        # rule parameters are one number
                out[key] = np.float64(resolve_value(value, decl, None, self._rng, where, rule[1]))
            elif isinstance(value, Initializer):
                if not decl.per_neuron:
                    raise ParameterError(where, name, f"an initializer ({value!r}) was given",
                                         "this parameter takes one number")
                value.check(decl, where, name)
                out[key] = value
            else:
                arr = resolve_value(value, decl, n if decl.per_neuron else None, self._rng, where, name)
                # one number stays one number (clearer cross-field messages); arrays are copied
                out[key] = np.float64(arr.ravel()[0]) if np.ndim(value) == 0 else np.array(arr, np.float64, copy=True)
        self._cross_check(out, pending)
        return out

    def _cross_check(self, new: dict, pending: dict) -> None:
        """Cross-field checks (v_reset < v_th, w_min < w_max, ...) of every component touched,
        on its current values overlaid with the queued and the new ones."""
        merged = {**pending, **new}
        done = set()
        for target, name in new:
            if name in ("g_inh", "weight"):
                continue
            where, component, _ = self._where(target, name)
            if id(component) in done:
                continue
            done.add(id(component))
            rule = self._rule(target, name) if target in self.sim.net.projections else None
            if rule is not None:
                addrs = {p: f"{rule[0].name}.{p}" for p in rule[0].PARAMS}
            else:
                addrs = {k: k for k, d in self.decls[target].items()
                         if d is not None and (target in self.sim.net.pools or k in component.PARAMS)}
            values = {p: merged[(target, a)] if (target, a) in merged else self.sim.get_param(target, a)
                      for p, a in addrs.items()}
            component.validate(values, where)

    def _weight(self, target, value, where):
        inf = self.sim.proj_info[target]
        if isinstance(value, (bool, np.bool_, str, bytes, type(None))):
            raise ParameterError(where, "weight", f"got {value!r}", "give a number")
        try:
            arr = np.array(value, dtype=np.float64, copy=True)
        except (TypeError, ValueError):
            raise ParameterError(where, "weight", f"got {value!r}", "give a number or an array") from None
        if not np.all(np.isfinite(arr)):
            raise ParameterError(where, "weight", "got NaN or inf", "must be finite")
        if arr.ndim > 1 or (arr.ndim == 1 and (not inf["per_syn"] or arr.shape != (inf["n_syn"],))):
            hint = (f"give one number or an array of shape ({inf['n_syn']},), one per synapse" if inf["per_syn"]
                    else "this projection has one weight for all synapses: give one number")
            raise ParameterError(where, "weight", f"got an array of shape {arr.shape}", hint)
        pr = self.sim.net.projections[target]
        if self.sim.net.pools[pr.pre].excitatory is not None and np.any(arr < 0):
            raise ParameterError(where, "weight", "negative weight from a Dale pool",
                                 "weights are magnitudes >= 0; the sign comes from the neuron type")
        full = np.broadcast_to(arr, (inf["n_syn"],)) if inf["per_syn"] else arr
        for rule in getattr(pr, "plasticity", ()) or ():           # bounds of plasticity rules
            rule.initial_weights(full, where)
        return arr


def _scalar(value, where, field, low=None):
    if isinstance(value, (bool, np.bool_, str, bytes, type(None))) or np.ndim(value) != 0:
        raise ParameterError(where, field, f"got {value!r}", "give one number")
    v = float(value)
    if not np.isfinite(v) or (low is not None and v < low):
        raise ParameterError(where, field, f"got {value!r}", f"must be a finite number >= {low:g}")
    return np.float64(v)
