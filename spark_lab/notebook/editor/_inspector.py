"""The inspector: a form for the selected pool, projection, input, output or interface edge.

Pools: name, neuron model, size, Dale's law, g_inh, then the model's parameters (for a
model written as equations, its text first: ``_equation_form``).
Projections: name, synapse, connectivity and plasticity choosers each followed by
the chosen component's parameters, then weight and delay. Choosing another
component type makes it from its defaults, keeping the values of parameters of the
same name that the new type accepts. Inputs (encoders), outputs (decoders) and their
edges: see ``_io_inspector``. Edits go through the ``actions`` object (the editor),
whose methods raise SparkLabError for edits the network refuses.
"""
from __future__ import annotations

import html

import ipywidgets as W

from ... import _netparams
from ...errors import SparkLabError
from . import _backend, _io_inspector
from ._elements import io_edge_ends
from ._equation_form import EquationForm, base_class
from ._forms import ComponentForm, Field, close_tree, param_field

_DESC = {"description_width": "110px"}
#: the plasticity chooser's value for "no rule" (a Dropdown shows a None value as blank)
NO_RULE = "none"


def _header(text: str) -> W.HTML:
    return W.HTML(f"<b>{html.escape(text)}</b>", layout=W.Layout(margin="6px 0 0 0"))


def convert(component, cls):
    """An instance of ``cls`` from its defaults plus the values of ``component`` that it accepts."""
    if component is not None and type(component) is cls:
        return component
    kept = {}
    if component is not None:
        merged = {**component.values, **component.options}
        kept = {k: v for k, v in merged.items() if k in cls.PARAMS or k in cls.OPTIONS}
    try:
        return cls(**kept)
    except (TypeError, SparkLabError):
        inst = _backend.default_instance(cls)
        if inst is None:
            raise _backend.EditorError(f"{cls.__name__} cannot be made from its defaults; set it from code") from None
        return inst


def _chooser(kind: str, current, allow_none=False) -> W.Dropdown:
    classes = {_backend.label(c): _backend.palette_class(c) for c in _backend.components(kind).values()
               if _backend.default_instance(c) is not None}
    if current is not None:                 # the current class (an equation model's own class)
        classes[_backend.label(type(current))] = type(current)
    opts = ([("(none)", NO_RULE)] if allow_none else []) + [(k, v) for k, v in sorted(classes.items())]
    return W.Dropdown(options=opts, value=NO_RULE if current is None else type(current),
                      description=kind, style=_DESC)


class Inspector:
    """``widget`` shows the form of ``selected`` (a pool or projection name, or None)."""

    def __init__(self, actions):
        self.actions = actions
        self.widget = W.VBox(layout=W.Layout(width="330px", flex="0 0 330px", padding="0 0 0 8px", overflow="auto",
                                             max_height="520px"))
        self.widget.add_class("sl-ed-inspector")
        self.message = W.HTML()
        self.fields: dict[str, Field] = {}       # "name", "n", "tau_m", "synapse.tau", ... (for tests)
        self.choosers: dict[str, W.Dropdown] = {}
        self.equation_forms: dict = {}           # "model", "synapse": the EquationForm shown
        self.selected = None
        self.show(None)

    # ------------------------------------------------------------------ building
    def show(self, name) -> None:
        """Rebuild the form for ``name`` (a node, projection or interface edge; None: a hint)."""
        net = self.actions.network
        self.selected = name
        self.fields, self.choosers, self.equation_forms = {}, {}, {}
        self.message.value = ""
        ends = io_edge_ends(name)
        if name in net.inputs and (net.inputs[name].pool == name or net.inputs[name].pool in net.pools):
            rows = _io_inspector.input_rows(self, name)
        elif name in net.outputs:
            rows = _io_inspector.output_rows(self, name)
        elif ends is not None:
            rows = _io_inspector.io_edge_rows(self, name, ends)
        elif name in net.pools:
            rows = self._pool_rows(name)
        elif name in net.projections:
            rows = self._projection_rows(name)
        else:
            self.selected = None
            rows = [W.HTML("<i style='color:#57606a'>Click a node or an edge to edit it. Add nodes from the "
                           "palette; <b>Connect</b>, then click source and target, to add a projection.</i>")]
        old = [c for c in self.widget.children if c is not self.message]
        self.widget.children = rows + [self.message]
        for w in old:                       # free the old form's widgets (kernel and notebook state)
            close_tree(w)

    def text_field(self, key: str, label: str, value: str, commit):
        """A text box row labelled ``label`` showing ``value``; an edit calls ``commit(text)``
        (a SparkLabError marks the box and shows in the message). Kept in ``fields[key]``."""
        w = W.Text(value=value, description=label, continuous_update=False, style=_DESC)
        self.fields[key] = Field(w, commit, message=self.message, on_error=self.actions.status_error)
        return self.fields[key].row

    def _pool_rows(self, name):
        net = self.actions.network
        pool = net.pools[name]
        rows = [_header(f"Pool {name}"),
                self.text_field("name", "name", name, lambda v: self.actions.rename(self.selected, v))]
        model = _chooser("neuron", pool.model)
        model.observe(lambda ch: self._choose_model(ch["new"]), names="value")
        self.choosers["model"] = model
        rows.append(model)
        n = W.IntText(value=pool.n, description="n", style=_DESC, layout=W.Layout(width="230px"))
        self.fields["n"] = Field(n, lambda v: self.actions.update_pool(self.selected, n=int(v)),
                                 "number of neurons (>= 1)", "neurons", self.message, self.actions.status_error)
        rows.append(self.fields["n"].row)
        dale = _dale_value(pool.excitatory)
        opts = [("none (signed weights)", "none"), ("excitatory", "exc"), ("inhibitory", "inh")]
        if dale == "mixed":
            opts.append(("mixed (set from code)", "mixed"))
        dw = W.Dropdown(options=opts, value=dale, description="Dale's law", style=_DESC)
        self.fields["excitatory"] = Field(
            dw, lambda v: self.actions.update_pool(self.selected,
                                                   excitatory=_DALE[v](self.actions.network, self.selected)),
            "excitatory or inhibitory neurons: weights leaving the pool are magnitudes", "", self.message,
            self.actions.status_error)
        rows.append(self.fields["excitatory"].row)
        self.fields["g_inh"] = param_field("g_inh", _netparams.G_INH, pool.g_inh,
                                           lambda v: self.actions.update_pool(self.selected, g_inh=v),
                                           self.message, self.actions.status_error)
        rows.append(self.fields["g_inh"].row)
        if base_class(pool.model) is not None:
            rows.append(_header("Equations"))
            rows.append(self._equation_form("model", pool.model,
                                            lambda m: self.actions.update_pool(self.selected, model=m),
                                            lambda: self.actions.network.pools[self.selected].model))
        rows.append(_header(f"{type(pool.model).__name__} parameters"))
        form = ComponentForm(pool.model, lambda m: self.actions.update_pool(self.selected, model=m), self.message,
                             self.actions.status_error)
        self.fields.update(form.fields)
        rows.append(form.widget)
        return rows

    def _projection_rows(self, name):
        net = self.actions.network
        pr = net.projections[name]
        rows = [_header(f"Projection {pr.pre} → {pr.post}"),
                self.text_field("name", "name", name, lambda v: self.actions.rename(self.selected, v))]
        for slot, kind, current in (("synapse", "synapse", pr.synapse),
                                    ("connectivity", "connectivity", pr.connectivity),
                                    ("plasticity", "plasticity", pr.plasticity[0] if pr.plasticity else None)):
            dd = _chooser(kind, current, allow_none=slot == "plasticity")
            dd.observe(lambda ch, s=slot: self._choose_component(s, ch["new"]), names="value")
            self.choosers[slot] = dd
            rows.append(dd)
            if current is not None and base_class(current) is not None:
                rows.append(self._equation_form(slot, current, lambda c, s=slot: self._apply_component(s, c),
                                                lambda: self.actions.network.projections[self.selected].synapse))
            if current is not None:
                form = ComponentForm(current, lambda c, s=slot: self._apply_component(s, c), self.message,
                                     self.actions.status_error)
                self.fields.update({f"{slot}.{k}": f for k, f in form.fields.items()})
                rows.append(form.widget)
            if slot == "plasticity" and len(pr.plasticity) > 1:
                rows.append(W.HTML(f"<i>and {len(pr.plasticity) - 1} more rule(s), set from code</i>"))
        rows.append(_header("Weight and delay"))
        decls = _netparams.projection_params(net, name)
        if pr.connectivity.explicit_weights() is not None:
            rows.append(W.HTML(f"<i>weights come from {type(pr.connectivity).__name__}</i>"))
        else:
            self.fields["weight"] = param_field(
                "weight", decls["weight"], pr.weight, lambda v: self.actions.update_projection(self.selected, weight=v),
                self.message, self.actions.status_error)
            rows.append(self.fields["weight"].row)
        self.fields["delay"] = param_field("delay", decls["delay"], pr.delay,
                                           lambda v: self.actions.update_projection(self.selected, delay=v),
                                           self.message, self.actions.status_error)
        rows.append(self.fields["delay"].row)
        return rows

    def _equation_form(self, slot: str, component, apply, current) -> W.Widget:
        """The text form of a model written as equations (kept in ``equation_forms[slot]``);
        a good edit rebuilds the inspector (the parameters may have changed)."""
        form = EquationForm(component, apply, self.message, self.actions.status_error,
                            on_applied=lambda: self.show(self.selected), current=current)
        self.equation_forms[slot] = form
        return form.widget

    # ------------------------------------------------------------------ choosers
    def report_and_show(self, fn) -> None:
        """Apply a chooser's change (a refusal goes to the message) and rebuild the form."""
        self._report(fn)
        self.show(self.selected)

    def _report(self, fn) -> bool:
        try:
            fn()
        except SparkLabError as e:
            self.message.value = f"<span style='color:#d00000'>{html.escape(str(e))}</span>"
            self.actions.status_error(str(e))
            return False
        return True

    def _choose_model(self, cls) -> None:
        pool = self.actions.network.pools[self.selected]
        self._report(lambda: self.actions.update_pool(self.selected, model=convert(pool.model, cls)))
        self.show(self.selected)        # the new model's parameters, or the old chooser value back

    def _apply_component(self, slot, component) -> None:
        pr = self.actions.network.projections[self.selected]
        if slot == "plasticity":
            rules = ([component] + list(pr.plasticity[1:])) if component is not None else list(pr.plasticity[1:])
            self.actions.update_projection(self.selected, plasticity=rules)
        else:
            self.actions.update_projection(self.selected, **{slot: component})

    def _choose_component(self, slot, cls) -> None:
        pr = self.actions.network.projections[self.selected]
        current = {"synapse": pr.synapse, "connectivity": pr.connectivity,
                   "plasticity": pr.plasticity[0] if pr.plasticity else None}[slot]
        self._report(lambda: self._apply_component(slot, None if cls == NO_RULE else convert(current, cls)))
        self.show(self.selected)


def _dale_value(mask) -> str:
    if mask is None:
        return "none"
    return "exc" if mask.all() else "inh" if not mask.any() else "mixed"


_DALE = {"none": lambda net, name: None, "exc": lambda net, name: True, "inh": lambda net, name: False,
         "mixed": lambda net, name: net.pools[name].excitatory}

