"""Lab: the graph editor and the live lab on one network.

    lab = Lab("balanced_ei")          # a Network, a model file, an example name, or None
    lab                                # editor above; run controls, sliders and monitors below

``lab.network`` (the editor's Network) owns every value; the inspector, the sliders and
the running session show it:

* a **slider move** changes the network through its public operations
  (``update_pool`` / ``update_projection``), so the editor and its inspector show it, and
  the session gets it at the next chunk;
* a **parameter edit** in the inspector or in code (``lab.network.update_pool("inh",
  g_inh=3)``: a pool's ``tau_m``, a projection's weight, a synapse's ``tau``, a plasticity
  rule's ``a_plus``, ``g_inh``) is queued on the running session (next chunk: no rebuild,
  no recompile) and the slider of that parameter shows it;
* **structural edits** (adding or deleting a pool or projection, a new neuron model or
  synapse type, a size, a delay, connectivity, what is recorded) need a new simulator.
  The lab says so in its status line; **Rebuild** (or the next **Run**) builds the edited
  network with the values the network holds (the live ones), keeps the time and the state
  of the pools whose model and size did not change, keeps running if it was running, and
  keeps every slider's range and position. Until then the running network is the old one.

The simulation runs on a copy of the network (``Network.copy``), so editing never
disturbs a chunk in flight.
"""
from __future__ import annotations

import html

import ipywidgets as W
import numpy as np

from ..errors import ParameterError, SparkLabError
from ._controls import busy
from ._lab import PLACEHOLDER, LiveLab
from ._values import set_network_value

VIEWS = (("side by side", "side"), ("editor above", "stacked"), ("lab only", "lab"))


class Lab:
    """Graph editor + live lab (see the module docstring).

    model:  a Network (edited in place), a model-file path, an example name, or None.
    params: slider addresses for the live part (see ``LiveLab``); addresses of pools or
            projections that no longer exist after an edit are dropped.
    view:   "side" (editor and live lab side by side), "stacked" (editor above) or "lab"
            (editor hidden); the toggle above the lab changes it.
    Other keywords go to ``LiveLab`` (chunk, raster, traces, speed, ...).
    """

    def __init__(self, model=None, params=None, view: str = "side", **live_kw):
        from .editor import GraphEditor

        if view not in dict(VIEWS).values():
            raise ParameterError("Lab", "view", f"got {view!r}", "give 'side', 'stacked' or 'lab'")
        self.editor = GraphEditor(model)
        self.network = self.editor.network
        self._params = params
        self._live_kw = live_kw
        self.live: LiveLab | None = None
        self._applied = None                   # (structure signature, values) of what the session runs
        self._held = None                      # events collected while a slider move changes the network
        self.needs_rebuild = False
        self.live_edits = 0                    # parameter edits applied to the running network
        self.status = W.HTML()
        self.rebuild_button = W.Button(description="Rebuild", icon="refresh", layout=W.Layout(width="auto"),
                                       tooltip="build the edited network and continue with its current values")
        self.rebuild_button.on_click(lambda _: self.rebuild())
        self.progress = W.HTML()               # "rebuilding... N s" while a rebuild takes over a second
        self.view = W.ToggleButtons(options=VIEWS, value=view, tooltips=["editor and live lab next to each other",
                                                                         "the editor above the live lab",
                                                                         "hide the editor"],
                                    style={"button_width": "110px"}, layout=W.Layout(width="auto"))
        self._editor_box = W.VBox([self.editor.widget])
        self._live_box = W.VBox(layout=W.Layout(width="100%"))
        self._body = W.Box([self._editor_box, self._live_box])
        self.view.observe(lambda ch: self._lay_out(), "value")
        self._lay_out()
        self.network.observe(self._on_change)
        self.widget = W.VBox([W.HBox([self.rebuild_button, self.view, self.status, self.progress],
                                     layout=W.Layout(align_items="center", flex_flow="row wrap")), self._body],
                             layout=W.Layout(width="100%"))
        self.widget.add_class("spark-lab-lab")
        if self.network.pools:
            self.rebuild()
        else:
            self._say("add pools in the editor, then press Rebuild or Run")

    def _lay_out(self) -> None:
        """Arrange editor and live lab as ``view.value`` says: "side" (next to each other, so an
        inspector edit and the raster it changes are in view together on a 1366 x 768 screen),
        "stacked" (editor above) or "lab" (editor hidden)."""
        mode = self.view.value
        side = mode == "side"
        # side by side fits from ~790 px of output width (a 1366 px laptop screen with JupyterLab's side
        # bar open gives ~930): the editor (narrow: its inspector goes below the canvas when its column
        # is under ~740 px) takes two thirds of the room above 440 px, the lab one third above 340 px;
        # narrower still, the lab wraps below the editor
        self._body.layout = W.Layout(width="100%", display="flex", flex_flow="row wrap" if side else "column",
                                     align_items="flex-start")
        self._editor_box.layout = W.Layout(flex="2 1 440px" if side else "0 0 auto",
                                           min_width="440px" if side else "0", width="auto" if side else "100%",
                                           display="none" if mode == "lab" else "flex")
        self._live_box.layout = W.Layout(flex="1 1 340px" if side else "0 0 auto", width="auto" if side else "100%",
                                         min_width="340px" if side else "0", padding="0 0 0 8px" if side else "0")
        self.editor.arrange(narrow=side)
        if self.live is not None:
            self.live.arrange(narrow=side)

    def _repr_mimebundle_(self, **kw):
        bundle = self.widget._repr_mimebundle_(**kw)
        if isinstance(bundle, dict):      # a saved notebook shows this until the cell runs again
            bundle["text/plain"] = PLACEHOLDER.format(name="Lab")
        return bundle

    @property
    def session(self):
        """The running ``Session`` (None until the first build)."""
        return None if self.live is None else self.live.session

    # ------------------------------------------------------------------ building
    def rebuild(self) -> bool:
        """Build the edited network and show its live lab; False, with the reason in the status
        line, when the network cannot be built (the old lab keeps running).

        The new session takes every value from the network (which holds the live ones), the
        time and the state of the pools whose model kind and size did not change from the old
        session, and runs if the old one was running; sliders keep their range and position."""
        if self.live is not None:
            self._say("rebuilding the edited network")
        with busy(self.progress, "rebuilding" if self.live is not None else "building"):
            return self._rebuild()

    def _rebuild(self) -> bool:
        try:
            built = self.network.copy()
            sim = built.build()
        except SparkLabError as e:
            self._say(f"cannot build: {e}", error=True)
            return False
        old, spans, was_running = self.live, {}, False
        if old is not None:
            was_running = old.session.running
            old.session.pause()
            carry_state(old.session.sim, sim)
            spans = {k: s.span for k, s in old.sliders.sliders.items()}
            old.close()
        params = self._params
        if params is not None:
            params = [p for p in params if (p[0] if isinstance(p, tuple) else p) in built.pools
                      or (p[0] if isinstance(p, tuple) else p) in built.projections]
        kw = dict(self._live_kw)
        if kw.get("sweep") is True:            # the sweep panel sweeps the network that owns the values
            kw["sweep"] = self.network.copy
        self.live = LiveLab(sim, params=params, before_run=self._before_run, commit=self._slider_moved, **kw)
        self.live.session.add_monitor(self.editor.activity_monitor())     # rates on the editor's nodes
        for key, slider in self.live.sliders.sliders.items():
            if key in spans:
                slider.widen(*spans[key])
        self._applied = (built.structure_signature(), built.values())
        self.needs_rebuild = False
        self.live.arrange(narrow=self.view.value == "side")
        self._live_box.children = (self.live.widget,)
        self._say(f"running network: {len(built.pools)} pools, {len(built.projections)} projections")
        if was_running:
            self.live.session.run()
        return True

    def _before_run(self):
        """Run pressed: with structural edits pending, rebuild first and run the new network."""
        if not self.needs_rebuild:
            return True
        if self.rebuild():
            self.live.session.run()
        return False

    # ------------------------------------------------------------------ edits
    def _slider_moved(self, target: str, name: str, value) -> None:
        """A slider's ``commit``: the value goes to the network (its public operations), whose
        events then reach the session; a refusal raises and the slider goes back."""
        self._held = []
        try:
            set_network_value(self.network, target, name, value)
        finally:
            events, self._held = self._held, None
        if events:
            self._apply(events)

    def _on_change(self, event: dict) -> None:
        if self._held is not None:             # a slider move: applied once its edits are done
            self._held.append(event)
            return
        self._apply([event])

    def _apply(self, events: list) -> None:
        """Queue the value changes of ``events`` on the session and show them on the sliders;
        a change of the network's structure (``Network.structure_signature``: the one rule of
        what needs a rebuild) marks the lab as needing a rebuild instead."""
        events = [e for e in events if e.get("op") != "layout"]
        if not events or self._applied is None:
            return
        structure, applied = self._applied
        if self.network.structure_signature() != structure:
            self._structural(events[-1]["op"])
            return
        changes = {k: v for k, v in self.network.values().items() if not _equal(v, applied.get(k))}
        if not changes:
            return
        try:
            self.live.session.set_params(changes)
        except SparkLabError as e:            # e.g. a per-synapse weight for a one-weight projection
            self._structural(events[-1]["op"], f" ({e})")
            return
        self.live_edits += len(changes)
        applied.update(changes)
        self._show(changes)
        names = ", ".join(f"{t}.{n}" for t, n in changes)
        self._say(f"applied to the running network: {names}")

    def _show(self, changes: dict) -> None:
        """Sliders of the changed parameters show the session's new value (not sent back)."""
        sim, session = self.live.session.sim, self.live.session
        changed = {sim.param_key(t, n) for t, n in changes}
        for (t, n), slider in self.live.sliders.sliders.items():
            if sim.param_key(t, n) in changed:
                slider.show(session.get_param(t, n))

    def _structural(self, op, why=""):
        self.needs_rebuild = True
        self._say(f"structure changed ({op}){why}: Run or Rebuild builds the edited network", error=False)

    def _say(self, text, error=False):
        colour = "#b00020" if error else "#555"
        self.status.value = f"<span style='color:{colour}'>{html.escape(text)}</span>"

    def close(self):
        """Stop the session, close the live lab and the editor, and stop observing the network."""
        self.network.unobserve(self._on_change)
        if self.live is not None:
            self.live.close()
        self.editor.close()


def carry_state(old, new) -> None:
    """Give simulator ``new`` the state of simulator ``old`` for every pool of the same name,
    model kind and size, and ``old``'s time (``set_state_tree``)."""
    st = old.state
    for name, pool in new.net.pools.items():
        prev = old.net.pools.get(name)
        if prev is None or prev.n != pool.n or not _same_kind(prev.model, pool.model):
            continue
        for var, value in st["pools"].get(name, {}).items():
            if var in pool.model.STATE:
                new.set_state(name, var, value)
    new.set_state_tree(new.get_state_tree(), st["t"])


def _same_kind(a, b) -> bool:
    return type(a) is type(b) and a.options == b.options


def _equal(a, b) -> bool:
    if hasattr(a, "sample") or hasattr(b, "sample"):
        return a == b
    try:
        return np.array_equal(np.asarray(a), np.asarray(b))
    except (TypeError, ValueError):
        return False
