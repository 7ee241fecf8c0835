"""Lab: the graph editor and the live lab on one network.

    lab = Lab("balanced_ei")          # a Network, a model file, an example name, or None
    lab                                # editor above; run controls, sliders and monitors below

Edits in the editor reach the running simulation in two ways:

* **parameter edits** (a number in the inspector: a pool's ``tau_m``, a projection's
  weight, a synapse's ``tau``, a plasticity rule's ``a_plus``, ``g_inh``) are queued on the
  running session and apply at the next chunk, like a slider: no rebuild, no recompile;
* **structural edits** (adding or deleting a pool or projection, a new neuron model or
  synapse type, a size, a delay, connectivity, what is recorded) need a new simulator.
  The lab says so in its status line; the next **Run** (or **Rebuild**) builds the edited
  network and starts it from t = 0. Until then the running network is the old one.

The simulation runs on a copy of the network (``Network.copy``), so editing never
disturbs a chunk in flight.
"""
from __future__ import annotations

import ipywidgets as W
import numpy as np

from ..errors import SparkLabError
from ._lab import LiveLab


class Lab:
    """Graph editor + live lab (see the module docstring).

    model:  a Network (edited in place), a model-file path, an example name, or None.
    params: slider addresses for the live part (see ``LiveLab``); addresses of pools or
            projections that no longer exist after an edit are dropped.
    Other keywords go to ``LiveLab`` (chunk, raster, traces, speed, ...).
    """

    def __init__(self, model=None, params=None, **live_kw):
        from .editor import GraphEditor

        self.editor = GraphEditor(model)
        self.network = self.editor.network
        self._params = params
        self._live_kw = live_kw
        self.live: LiveLab | None = None
        self._built = None                     # the copy the running simulator was built from
        self.needs_rebuild = False
        self.live_edits = 0                    # parameter edits applied to the running network
        self.status = W.HTML()
        self.rebuild_button = W.Button(description="Rebuild", icon="refresh", layout=W.Layout(width="auto"),
                                       tooltip="build the edited network and start it from t = 0")
        self.rebuild_button.on_click(lambda _: self.rebuild())
        self._live_box = W.VBox(layout=W.Layout(width="100%"))
        self.network.observe(self._on_change)
        self.widget = W.VBox([self.editor.widget, W.HBox([self.rebuild_button, self.status]), self._live_box],
                             layout=W.Layout(width="100%"))
        self.widget.add_class("spark-lab-lab")
        if self.network.pools:
            self.rebuild()
        else:
            self._say("add pools in the editor, then press Rebuild or Run")

    def _repr_mimebundle_(self, **kw):
        return self.widget._repr_mimebundle_(**kw)

    @property
    def session(self):
        return None if self.live is None else self.live.session

    # ------------------------------------------------------------------ building
    def rebuild(self) -> bool:
        """Build the edited network and show its live lab (the old session stops). False, with
        the reason in the status line, when the network cannot be built."""
        try:
            built = self.network.copy()
            sim = built.build()
        except SparkLabError as e:
            self._say(f"cannot build: {e}", error=True)
            return False
        if self.live is not None:
            self.live.close()
        params = self._params
        if params is not None:
            params = [p for p in params if (p[0] if isinstance(p, tuple) else p) in built.pools
                      or (p[0] if isinstance(p, tuple) else p) in built.projections]
        self.live = LiveLab(sim, params=params, before_run=self._before_run, **self._live_kw)
        self._built = built
        self.needs_rebuild = False
        self._live_box.children = (self.live.widget,)
        self._say(f"running network: {len(built.pools)} pools, {len(built.projections)} projections")
        return True

    def _before_run(self):
        """Run pressed: with structural edits pending, rebuild first and run the new network."""
        if not self.needs_rebuild:
            return True
        if self.rebuild():
            self.live.session.run()
        return False

    # ------------------------------------------------------------------ edits
    def _on_change(self, event: dict) -> None:
        op = event.get("op")
        if op == "layout" or self._built is None:
            return
        changes = None
        if op == "update_pool":
            changes = self._pool_changes(event["name"])
        elif op == "update_projection":
            changes = self._projection_changes(event["name"])
        if changes is None:
            self._structural(op)
            return
        if not changes:
            return
        try:
            self.live.session.set_params(changes)
        except SparkLabError as e:            # e.g. a per-synapse weight for a one-weight projection
            self._structural(op, f" ({e})")
            return
        self.live_edits += len(changes)
        self._sync_built(op, event["name"])
        names = ", ".join(f"{t}.{n}" for t, n in changes)
        self._say(f"applied to the running network: {names}")

    def _structural(self, op, why=""):
        self.needs_rebuild = True
        self._say(f"structure changed ({op}){why}: Run or Rebuild builds the edited network", error=False)

    def _sync_built(self, op, name):
        """Keep the built copy's components equal to the edited ones (same structure)."""
        if op == "update_pool":
            self._built.pools[name].model = self.network.pools[name].model
            self._built.pools[name].g_inh = self.network.pools[name].g_inh
        else:
            new, old = self.network.projections[name], self._built.projections[name]
            old.weight, old.synapse, old.plasticity = new.weight, new.synapse, new.plasticity

    def _pool_changes(self, name):
        """{(pool, param): value} when only numbers of pool ``name`` changed, else None."""
        old, new = self._built.pools.get(name), self.network.pools.get(name)
        if old is None or new is None or not _same_kind(old.model, new.model) or old.n != new.n:
            return None
        if (old.excitatory is None) != (new.excitatory is None) or (
                old.excitatory is not None and not np.array_equal(old.excitatory, new.excitatory)):
            return None
        out = _changed_values(name, "", old.model, new.model)
        if old.g_inh != new.g_inh:
            out[(name, "g_inh")] = new.g_inh
        return out

    def _projection_changes(self, name):
        """{(projection, param): value} when only numbers of projection ``name`` changed, else None."""
        old, new = self._built.projections.get(name), self.network.projections.get(name)
        if old is None or new is None or (old.pre, old.post, old.delay) != (new.pre, new.post, new.delay):
            return None
        if not (old.connectivity is new.connectivity or old.connectivity == new.connectivity):
            return None
        if not _same_kind(old.synapse, new.synapse) or len(old.plasticity) != len(new.plasticity):
            return None
        shared = [p for p in self._built.projections.values() if p is not old and p.synapse is old.synapse]
        if shared and new.synapse is not old.synapse:      # a shared receptor would be split: structure
            return None
        if any(not _same_kind(a, b) for a, b in zip(old.plasticity, new.plasticity)):
            return None
        out = _changed_values(name, "", old.synapse, new.synapse)
        for a, b in zip(old.plasticity, new.plasticity):
            out.update(_changed_values(name, f"{b.name}.", a, b))
        if not _equal(old.weight, new.weight):
            out[(name, "weight")] = new.weight
        return out

    def _say(self, text, error=False):
        colour = "#b00020" if error else "#555"
        self.status.value = f"<span style='color:{colour}'>{_escape(text)}</span>"

    def close(self):
        self.network.unobserve(self._on_change)
        if self.live is not None:
            self.live.close()
        self.editor.close()


def _same_kind(a, b) -> bool:
    return type(a) is type(b) and a.options == b.options


def _changed_values(target, prefix, old, new) -> dict:
    return {(target, prefix + k): v for k, v in new.values.items() if not _equal(v, old.values.get(k))}


def _equal(a, b) -> bool:
    if hasattr(a, "sample") or hasattr(b, "sample"):
        return a == b
    try:
        return np.array_equal(np.asarray(a), np.asarray(b))
    except (TypeError, ValueError):
        return False


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
