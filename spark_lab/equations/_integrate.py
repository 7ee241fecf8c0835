"""Integration of the state equations over one step of ``dt`` ms.

``choose(rhs, params, method, whr)`` picks the integrator: ``rhs`` maps each state
variable to the tree of its derivative (in its unit per ms). Methods:

- ``"exact"``: every equation linear in the state with coefficients made of parameters
  (constant over a run), the input ``I`` entering linearly (as Brian2's method='exact').
  Decoupled equations (each reads only its own variable) use the closed form of the
  built-in LIF, term for term: ``x0 + (x - x0) a + k (I - sum I_k)(1 - a) + sum k I_k c_k``
  with ``a = exp(-dt/tau)``, where the exponentially decaying synaptic terms ``I_k`` of
  ``SynInput.exp_terms`` are integrated exactly too; coupled ones (an alpha synapse) use
  the matrix exponential of the augmented system, computed once per chunk in ``prepare``.
- ``"exponential_euler"``: every equation linear in its own variable, with coefficients
  that may depend on the other variables, ``t`` and ``I`` (Hodgkin-Huxley gating); each
  variable relaxes exactly towards its fixed point with the others held at their values at
  the start of the step (Brian2's exponential_euler), first order.
- ``"euler"``, ``"rk2"`` (midpoint), ``"rk4"``: explicit Runge-Kutta methods on the whole
  state; ``I`` is held at its value at the start of the step.

Automatic choice (``method=None``): exact if possible, else exponential Euler if possible,
else Euler (Brian2's default order). In all methods but exact the input is held constant
over the step (the synaptic exp_terms are not integrated exactly), as the built-in
non-LIF models do.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

from . import _algebra as A
from ._compile import JNP, compile_tree
from ._expr import num

METHODS = ("exact", "exponential_euler", "euler", "rk2", "rk4")


def _exp_coupling(tau_s, tau_m, dt):
    """The built-in LIF's weight of a decaying input (spark_lab.neurons.lif.exp_coupling)."""
    from ..neurons.lif import exp_coupling
    return exp_coupling(tau_s, tau_m, dt)


def _exact_forms(rhs: dict, params: set):
    """{var: (Lin in the state, Lin of the rest in I)} when the system is linear with
    constant coefficients, else None."""
    states = set(rhs)
    fixed = params | {"dt"}
    out = {}
    for x, tree in rhs.items():
        lin = A.linear(tree, states, lambda ns: ns <= fixed | {"I"})
        if lin is None or any(not (lin.coef(k).names() <= fixed) for k in lin.coefs if k != 1):
            return None
        rest = A.linear(lin.coef(1), {"I"}, lambda ns: ns <= fixed)
        if rest is None:
            return None
        out[x] = (lin, rest)
    return out


def _cond_linear(rhs: dict):
    """{var: coefficient tree of the var in its own equation} when every equation is
    linear in its own variable, else the first variable that is not."""
    out = {}
    for x, tree in rhs.items():
        lin = A.linear(tree, {x}, lambda ns: True)
        if lin is None:
            return x
        out[x] = lin.coef(x)
    return out


def choose(rhs: dict, params: set, method, whr):
    """The integrator for ``rhs`` (see the module docstring). ``whr(var)`` gives the
    Where of a variable's equation for errors; ``method`` None chooses."""
    if method is not None and method not in METHODS:
        from .._params import did_you_mean
        raise whr(None).error(0, f"unknown method {method!r}", f"{did_you_mean(str(method), METHODS)}methods: "
                              f"{', '.join(METHODS)} (or None to choose)")
    if method in (None, "exact"):
        forms = _exact_forms(rhs, params)
        if forms is not None:
            decoupled = all(set(lin.coefs) <= {x, 1} for x, (lin, _) in forms.items())
            return Exact1D(forms) if decoupled else ExactMatrix(forms)
        if method == "exact":
            bad = next(x for x in rhs if _exact_forms({x: rhs[x]}, params) is None) \
                if any(_exact_forms({x: rhs[x]}, params) is None for x in rhs) else next(iter(rhs))
            raise whr(bad).error(0, f"the equation of {bad!r} is not linear with constant coefficients, so it "
                                 "has no exact solution here", "choose method='exponential_euler', 'rk4' or None")
    if method in (None, "exponential_euler"):
        coefs = _cond_linear(rhs)
        if isinstance(coefs, dict):
            return ExpEuler(rhs, coefs)
        if method == "exponential_euler":
            raise whr(coefs).error(0, f"the equation of {coefs!r} is not linear in {coefs!r}",
                                   "exponential Euler needs dx/dt = a*x + b with a, b free of x; choose "
                                   "method='rk4', 'rk2' or 'euler'")
    return RungeKutta(rhs, method or "euler")


def _stages(env: dict, new: dict) -> dict:
    return {**env, **new}


class RungeKutta:
    """Euler, midpoint (rk2) or classical rk4 on the whole state."""

    def __init__(self, rhs: dict, method: str):
        self.method = method
        self.f = {x: compile_tree(t, JNP) for x, t in rhs.items()}

    def prepare(self, p, dt, exp_taus) -> dict:
        return {}

    def _d(self, env):
        return {x: f(env) for x, f in self.f.items()}

    def step(self, env, q, syn, dt, voltage):
        x0 = {x: env[x] for x in self.f}
        t0 = env.get("t")

        def at(k, h):
            out = {x: x0[x] + h * k[x] for x in x0}
            if t0 is not None:
                out["t"] = t0 + h
            return _stages(env, out)

        k1 = self._d(env)
        if self.method == "euler":
            new = {x: x0[x] + dt * k1[x] for x in x0}
        elif self.method == "rk2":
            k2 = self._d(at(k1, 0.5 * dt))
            new = {x: x0[x] + dt * k2[x] for x in x0}
        else:
            k2 = self._d(at(k1, 0.5 * dt))
            k3 = self._d(at(k2, 0.5 * dt))
            k4 = self._d(at(k3, dt))
            new = {x: x0[x] + dt / 6.0 * (k1[x] + 2.0 * k2[x] + 2.0 * k3[x] + k4[x]) for x in x0}
        return _jump(new, syn, voltage)


def _jump(new, syn, voltage):
    if voltage is not None and syn is not None:
        new[voltage] = new[voltage] + syn.jump
    return new


class ExpEuler:
    """Exponential Euler (see the module docstring)."""
    method = "exponential_euler"

    def __init__(self, rhs: dict, coefs: dict):
        self.f = {x: compile_tree(t, JNP) for x, t in rhs.items()}
        self.a = {x: compile_tree(c, JNP) for x, c in coefs.items()}

    def prepare(self, p, dt, exp_taus) -> dict:
        return {}

    def step(self, env, q, syn, dt, voltage):
        new = {}
        for x, f in self.f.items():
            a = self.a[x](env)
            ad = a * dt
            safe = jnp.where(a == 0, 1.0, a)
            phi = jnp.where(jnp.abs(ad) > 1e-6, jnp.expm1(ad) / safe, dt * (1.0 + 0.5 * ad))
            new[x] = env[x] + f(env) * phi
        return _jump(new, syn, voltage)


class Exact1D:
    """Closed form of decoupled linear equations (the built-in LIF's, term for term).
    ``decays``: {var: f(params) -> tau} of the variables that only decay, dx/dt = -x/tau."""
    method = "exact"

    def __init__(self, forms: dict):
        self.parts, self.decays = {}, {}
        for x, (lin, _) in forms.items():
            nx, n1, den = lin.coefs.get(x), lin.coefs.get(1, num(0.0)), lin.den
            if nx is None or A.is_num(nx, 0.0):
                rest = A.linear(lin.coef(1), {"I"}, lambda ns: True)
                self.parts[x] = ("integrate", compile_tree(rest.coef(1), JNP), _maybe(rest, "I"), None)
                continue
            tau = (den if den is not None else num(1.0)) if A.is_num(nx, -1.0) else \
                A.div(A.neg(den if den is not None else num(1.0)), nx)
            x_inf = n1 if A.is_num(nx, -1.0) else A.div(A.neg(n1), nx)
            vl = A.linear(x_inf, {"I"}, lambda ns: True)
            if A.is_num(vl.coef(1), 0.0) and _maybe(vl, "I") is None:
                self.decays[x] = compile_tree(tau, JNP)         # dx/dt = -x/tau: a pure decay
            self.parts[x] = ("relax", compile_tree(vl.coef(1), JNP), _maybe(vl, "I"), compile_tree(tau, JNP))

    def prepare(self, p, dt, exp_taus) -> dict:
        env = {**p, "dt": dt}
        q = {}
        for x, (kind, x0, k, tau) in self.parts.items():
            q[f"_eq_x0_{x}"] = x0(env)
            kv = None if k is None else k(env)
            if kind == "relax":
                tm = tau(env)
                q[f"_eq_a_{x}"] = jnp.exp(-dt / tm)
                cs = tuple(_exp_coupling(ts, tm, dt) for ts in exp_taus)
            else:
                cs = tuple(ts * (1.0 - jnp.exp(-dt / ts)) for ts in exp_taus)
            q[f"_eq_c_{x}"] = cs if kv is None or k is _ONE else tuple(c * kv for c in cs)
            if kv is not None:
                q[f"_eq_k_{x}"] = kv
        return q

    def step(self, env, q, syn, dt, voltage):
        new = {}
        exp_sum = sum((i for i, _ in syn.exp_terms), jnp.zeros_like(env[next(iter(self.parts))])) \
            if syn is not None else None
        for x, (kind, _, k, _) in self.parts.items():
            x0 = q[f"_eq_x0_{x}"]
            if kind == "relax":
                a = q[f"_eq_a_{x}"]
                v = x0 + (env[x] - x0) * a
                if k is not None:
                    drive = syn.current - exp_sum
                    v = v + (drive if k is _ONE else q[f"_eq_k_{x}"] * drive) * (1 - a)
            else:
                v = env[x] + dt * x0
                if k is not None:
                    v = v + dt * q[f"_eq_k_{x}"] * (syn.current - exp_sum)
            if x == voltage and syn is not None:
                v = v + syn.jump
            if k is not None:
                for (i, _), c in zip(syn.exp_terms, q[f"_eq_c_{x}"]):
                    v = v + i * c
            new[x] = v
        return new


def _one(env):
    return 1.0


_ONE = _one


def _maybe(lin, key):
    """The compiled coefficient of ``key`` (``_ONE`` for exactly 1), or None when absent."""
    if key not in lin.coefs:
        return None
    c = lin.coef(key)
    if A.is_num(c, 0.0):
        return None
    return _ONE if A.is_num(c, 1.0) else compile_tree(c, JNP)


class ExactMatrix:
    """Coupled linear equations: x(t+dt) = expm(M dt) applied to the augmented state
    (x, 1, I held, I_k decaying), M built per neuron in ``prepare``."""
    method = "exact"

    def __init__(self, forms: dict):
        self.vars = tuple(forms)
        self.A = [[compile_tree(lin.coef(y), JNP) if y in lin.coefs else None for y in self.vars]
                  for lin, _ in forms.values()]
        self.b0 = [compile_tree(rest.coef(1), JNP) for _, rest in forms.values()]
        self.c = [compile_tree(rest.coef("I"), JNP) if "I" in rest.coefs else None for _, rest in forms.values()]
        self.uses_input = any(c is not None for c in self.c)

    def prepare(self, p, dt, exp_taus) -> dict:
        env = {**p, "dt": dt}
        n = next((jnp.shape(v)[0] for v in p.values() if jnp.ndim(v) == 1), 1)
        k, taus = len(self.vars), tuple(exp_taus) if self.uses_input else ()
        m = k + 2 + len(taus)

        def col(f):
            return jnp.broadcast_to(jnp.asarray(0.0 if f is None else f(env), jnp.float32), (n,))

        rows = []
        for i in range(k):
            c = col(self.c[i])
            rows.append([col(f) for f in self.A[i]] + [col(self.b0[i]), c] + [c] * len(taus))
        zero = jnp.zeros((n,), jnp.float32)
        rows += [[zero] * m, [zero] * m]
        for j, ts in enumerate(taus):
            rows.append([zero] * (k + 2 + j) + [-1.0 / jnp.broadcast_to(ts, (n,))] + [zero] * (len(taus) - j - 1))
        M = jnp.stack([jnp.stack(r, axis=-1) for r in rows], axis=-2) * dt
        P = jax.vmap(jax.scipy.linalg.expm)(M)
        return {"_eq_P": P[:, :k, :]}

    def step(self, env, q, syn, dt, voltage):
        P = q["_eq_P"]
        k = len(self.vars)
        x = jnp.stack([env[v] for v in self.vars], axis=-1)
        out = jnp.einsum("nij,nj->ni", P[:, :, :k], x) + P[:, :, k]
        if self.uses_input and syn is not None:
            exp_sum = sum((i for i, _ in syn.exp_terms), jnp.zeros_like(syn.current))
            out = out + P[:, :, k + 1] * (syn.current - exp_sum)[:, None]
            for j, (i, _) in enumerate(syn.exp_terms):
                out = out + P[:, :, k + 2 + j] * i[:, None]
        return _jump({v: out[:, i] for i, v in enumerate(self.vars)}, syn, voltage)
