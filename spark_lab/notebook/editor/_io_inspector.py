"""Inspector forms of input nodes (encoders), output nodes (decoders) and their edges.

Input: name; for an encoder with its own pool the pool size (field "pool size": the
encoder may have a parameter ``n`` of its own; editable when the
encoder takes copies, i.e. any multiple of ``dims``), for a CurrentEncoder the target
pool; then the encoder's parameters and options from its declarations.
Output: name, the pools it reads, how it reads them (all their neurons, or a seeded
random subset with its ``k`` and ``seed``), then the decoder's parameters and options.
A source that code made in another shape (nested routings) is shown, not edited.
"""
from __future__ import annotations

import html

import ipywidgets as W

from ...interfaces import Concat, Routing, Subset
from ._forms import ComponentForm, Field

_DESC = {"description_width": "110px"}
ALL, SUBSET, CODE = "all", "subset", "code"


def _header(text: str) -> W.HTML:
    return W.HTML(f"<b>{html.escape(text)}</b>", layout=W.Layout(margin="6px 0 0 0"))


def _note(text: str) -> W.HTML:
    return W.HTML(f"<span style='color:#57606a'>{html.escape(text)}</span>")


def routing_mode(source) -> str:
    """ALL (all neurons of plain pools), SUBSET (a Subset of such pools) or CODE (anything else)."""
    def plain(r):
        return isinstance(r, str) or (type(r) is Concat and all(isinstance(s, str) for s in r.sources))
    if plain(source):
        return ALL
    if type(source) is Subset and len(source.sources) == 1 and plain(source.sources[0]):
        return SUBSET
    return CODE


def input_rows(ins, name) -> list:
    net, act = ins.actions.network, ins.actions
    nd = net.inputs[name]
    enc = nd.encoder
    rows = [_header(f"Input {name} ({type(enc).__name__})"),
            ins.text_field("name", "name", name, lambda v: act.rename(ins.selected, v))]
    if enc.OUTPUT == "current":
        dd = W.Dropdown(options=list(net.pools), value=nd.pool, description="target", style=_DESC)
        ins.fields["target"] = Field(dd, lambda v: act.update_input(ins.selected, target=v),
                                     "the pool the current is injected into", "", ins.message, act.status_error)
        rows += [ins.fields["target"].row,
                 _note(f"current in the input unit of {nd.pool!r} ({net.pools[nd.pool].model.INPUT_UNIT})")]
    else:
        w = W.IntText(value=nd.n, description="pool size", style=_DESC, layout=W.Layout(width="230px"),
                      disabled=not enc.COPIES)
        tip = (f"neurons of its pool: a multiple of dims = {enc.dims} (copies)" if enc.COPIES
               else "neurons of its pool, fixed by the encoder's parameters")
        ins.fields["pool size"] = Field(w, lambda v: act.update_input(ins.selected, n=int(v)), tip, "neurons",
                                        ins.message, act.status_error)
        model = type(net.pools[nd.pool].model).__name__
        rows += [ins.fields["pool size"].row, _note(f"makes pool {nd.pool!r} ({model}); connect it to pools")]
    rows.append(_header(f"{type(enc).__name__} parameters"))
    form = ComponentForm(enc, lambda e: act.update_input(ins.selected, encoder=e), ins.message, act.status_error)
    ins.fields.update(form.fields)
    rows.append(form.widget)
    return rows


def output_rows(ins, name) -> list:
    net, act = ins.actions.network, ins.actions
    nd = net.outputs[name]
    rows = [_header(f"Output {name} ({type(nd.decoder).__name__})"),
            ins.text_field("name", "name", name, lambda v: act.rename(ins.selected, v)),
            _note(f"reads {', '.join(nd.source.pools())} ({nd.n} neurons); connect a pool to it to add one, "
                  f"delete an edge into it to drop one")]
    mode = routing_mode(nd.source)
    opts = [("all neurons", ALL), ("random subset", SUBSET)] + ([("set from code", CODE)] if mode == CODE else [])
    dd = W.Dropdown(options=opts, value=mode, description="neurons", style=_DESC, disabled=mode == CODE)
    dd.observe(lambda ch: ins.report_and_show(lambda: _choose_routing(ins, ch["new"])), names="value")
    ins.choosers["routing"] = dd
    rows.append(dd)
    if mode == SUBSET:
        form = ComponentForm(nd.source, lambda r: act.update_output(ins.selected, source=r), ins.message,
                             act.status_error)
        ins.fields.update({f"routing.{k}": f for k, f in form.fields.items()})
        rows.append(form.widget)
    elif mode == CODE:
        rows.append(_note(repr(nd.source)))
    rows.append(_header(f"{type(nd.decoder).__name__} parameters"))
    form = ComponentForm(nd.decoder, lambda d: act.update_output(ins.selected, decoder=d), ins.message,
                         act.status_error)
    ins.fields.update(form.fields)
    rows.append(form.widget)
    return rows


def _choose_routing(ins, mode: str) -> None:
    net = ins.actions.network
    nd = net.outputs[ins.selected]
    pools = nd.source.pools()
    inner = pools[0] if len(pools) == 1 else Concat(*pools)
    if mode == SUBSET:
        ks = [k for k in range(min(10, nd.n), 0, -1) if _fits(nd.decoder, k)]
        source: Routing = Subset(inner, k=ks[0] if ks else min(10, nd.n), seed=0)
    else:
        source = Concat(*pools)
    ins.actions.update_output(ins.selected, source=source)


def _fits(decoder, n: int) -> bool:
    """The decoder can read ``n`` neurons."""
    from ...errors import SparkLabError
    try:
        decoder.init(n)
    except SparkLabError:
        return False
    return True


def io_edge_rows(ins, edge_id: str, ends) -> list:
    net = ins.actions.network
    a, b = ends
    if b in net.outputs:
        label = routing_mode(net.outputs[b].source)
        how = "a random subset of " if label == SUBSET else ""
        text = f"{b!r} reads {how}the spikes of {a!r}. Delete drops {a!r} from its source."
    else:
        text = f"{a!r} injects its current into {b!r}. Choose another target in {a!r}'s inspector."
    return [_header(f"{a} → {b}"), _note(text)]
