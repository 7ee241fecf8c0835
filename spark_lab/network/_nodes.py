"""The input and output nodes of a Network: adding and editing them (a part of ``Network``).

The checks are the interfaces' own (``spark_lab.interfaces.nodes`` and ``.editing``: they
read the network and plan the change); these methods make the change and emit its one
event. All or nothing: a refused change leaves the network as it was.
"""
from __future__ import annotations

from .. import _checks
from ..errors import NetworkError
from ..interfaces import editing as _editing
from ..interfaces import nodes as _nodes


class NodeEdits:
    """The node methods of ``Network`` (it holds ``_inputs``, ``_outputs`` and ``_layout``)."""

    def add_input(self, name: str, encoder, n: int | None = None, target=None):
        """Feed the network through ``encoder`` (see ``spark_lab/interfaces/nodes.py``).

        Rate encoders (PoissonEncoder, PopulationEncoder) get a new PoissonSource pool
        named ``name``; spike encoders (LatencyEncoder, DeltaEncoder) a new SpikeInput pool;
        ``n`` is its size (None: what the encoder needs; PoissonEncoder also takes a
        multiple of ``dims``). A CurrentEncoder makes no pool: it injects into the existing
        pool ``target``. Then ``run(..., inputs={name: values})`` takes the encoder's own
        values (e.g. an angle). Returns the InputNode (in ``self.inputs``). One event
        "add_input" (its ``parts`` hold the "add_pool" of the pool it made).
        """
        pool, model, size = _nodes.plan_input(self, name, encoder, n, target)
        with self.transaction("add_input", name=name):
            if model is not None:
                self.add_pool(name, model, size)
            node = _nodes.InputNode(name, encoder, pool, size)
            self._inputs[name] = node
        return node

    def add_output(self, name: str, decoder, source):
        """Read ``source`` (a pool, a list of pools or a routing such as ``Subset``) with
        ``decoder``; its value appears in ``RunResult.outputs[name]`` and, on request, in
        ``run_chunk(..., outputs=(name,))``. Returns the OutputNode (in ``self.outputs``).
        """
        _checks.name(name, "output")
        if name in self._outputs:
            raise NetworkError(f"an output named {name!r} exists already")
        self.check_free(name, "output")
        node = _nodes.plan_output(self, name, decoder, source)
        with self.transaction("add_output", name=name):
            self._outputs[name] = node
        return node

    def remove_input(self, name: str) -> None:
        """Remove an input node; a pool it made (``add_input`` without target) goes with it,
        with that pool's projections, records and layout entry."""
        nd = _editing.node(self._inputs, name, "input")
        with self.transaction("remove_input", name=name):
            del self._inputs[name]
            if _editing.owns_pool(nd) and nd.pool in self._pools:
                self.remove_pool(nd.pool)
            self._layout.pop(name, None)

    def update_input(self, name: str, encoder=None, n: int | None = None, target=None):
        """Replace an input's encoder, the size of the pool it made (``n``; None keeps the
        size if the encoder takes it, else the encoder's own size) or, for a current
        encoder, its ``target`` pool. Returns the new InputNode."""
        new, model, size = _editing.plan_update_input(self, name, encoder, n, target)
        old_inputs = dict(self._inputs)
        with self.transaction("update_input", name=name):
            self._inputs[name] = new                    # seen by update_pool's checks of the new size
            if size is not None and (model is not None or size != self._pools[new.pool].n):
                try:
                    self.update_pool(new.pool, model=model, n=size)
                except Exception:
                    self._inputs = old_inputs
                    raise
        return new

    def rename_input(self, old: str, new: str) -> None:
        """Rename an input node (and the pool it made, as ``rename_pool`` does)."""
        nd = _editing.node(self._inputs, old, "input")
        if new == old:
            return
        if _editing.owns_pool(nd):
            with self.transaction("rename_input", old=old, new=new):
                self.rename_pool(old, new)              # renames the input with its pool
            return
        self.check_free(new, "input")
        with self.transaction("rename_input", old=old, new=new):
            self._inputs = _editing.renamed_input(self._inputs, old, new)
            self._move_position(old, new)

    def remove_output(self, name: str) -> None:
        """Remove an output node (and its layout entry)."""
        _editing.node(self._outputs, name, "output")
        with self.transaction("remove_output", name=name):
            del self._outputs[name]
            self._layout.pop(name, None)

    def update_output(self, name: str, decoder=None, source=None):
        """Replace an output's decoder and/or source (as in ``add_output``). Returns the new OutputNode."""
        new = _editing.plan_update_output(self, name, decoder, source)
        with self.transaction("update_output", name=name):
            self._outputs[name] = new
        return new

    def rename_output(self, old: str, new: str) -> None:
        """Rename an output node (and its layout entry)."""
        _editing.node(self._outputs, old, "output")
        if new == old:
            return
        self.check_free(new, "output")
        with self.transaction("rename_output", old=old, new=new):
            self._outputs = _editing.renamed_output(self._outputs, old, new)
            self._move_position(old, new)

    def _move_position(self, old: str, new: str) -> None:
        if old in self._layout:
            self._layout[new] = self._layout.pop(old)
