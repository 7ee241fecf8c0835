"""Property-based bad input: mutated model documents and texts end in ModelError or load,
never in another exception and never in a hang (each example has a deadline)."""
from __future__ import annotations

import json
import math
import os
import sys

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spark_lab import model
from spark_lab.errors import ModelError

sys.path.insert(0, os.path.dirname(__file__))
from _model_nets import rich_network  # noqa: E402

BASE = model.to_dict(rich_network(n=6))
TEXT = model.dumps(rich_network(n=6))
SETTINGS = settings(max_examples=150, deadline=3000, suppress_health_check=[HealthCheck.too_slow], derandomize=True)


def paths(obj, prefix=()):
    """Every place in a document: (keys...) tuples, the root excluded."""
    out = []
    items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else ()
    for k, v in items:
        out.append(prefix + (k,))
        out.extend(paths(v, prefix + (k,)))
    return out


PATHS = paths(BASE)

odd_numbers = st.sampled_from([math.nan, math.inf, -math.inf, -1.0, 0.0, -0.0, 1e308, -1e308, 5e-324, 2 ** 63,
                               -(2 ** 63), 10 ** 30, 1e-300, 0.5, 3, -7])
scalars = st.one_of(st.none(), st.booleans(), odd_numbers, st.integers(), st.floats(allow_nan=True),
                    st.text(max_size=12), st.sampled_from(["", "lif", "ℒ𝒾𝒻", "exc", "drive->exc", "\x00", "🧠"]))
values = st.recursive(scalars, lambda c: st.one_of(st.lists(c, max_size=4), st.dictionaries(st.text(max_size=6), c,
                                                                                            max_size=3)),
                      max_leaves=8)


def apply(doc, path, op, value, key):
    """Mutate ``doc`` in place at ``path``: drop, rename, replace, nest, or add a field."""
    *head, last = path
    parent = doc
    for k in head:
        parent = parent[k]
    if op == "drop":
        if isinstance(parent, dict):
            del parent[last]
        else:
            parent.pop(last)
    elif op == "rename" and isinstance(parent, dict):
        parent[key if key not in parent else key + "_"] = parent.pop(last)
    elif op == "nest":
        parent[last] = [parent[last]] if not isinstance(parent[last], list) else {"x": parent[last]}
    elif op == "add" and isinstance(parent[last], dict):
        parent[last][key] = value
    else:
        parent[last] = value


def outcome(fn, *args):
    """Load; a Network or ModelError is fine. A loaded network must save and load again losslessly."""
    try:
        net = fn(*args)
    except ModelError as e:
        assert e.issues and all(str(i) for i in e.issues)
        assert len(e.issues) <= model.MAX_ISSUES + 1 and e.count >= len(e.issues)
        return "error"
    text = model.dumps(net)
    assert model.dumps(model.loads(text)) == text
    return "ok"


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(PATHS), st.sampled_from(["drop", "rename", "set", "nest", "add"]),
                          values, st.text(min_size=1, max_size=8)), min_size=1, max_size=4))
def test_mutated_documents(mutations):
    doc = json.loads(json.dumps(BASE))
    for path, op, value, key in mutations:
        try:
            apply(doc, path, op, value, key)
        except (KeyError, IndexError, TypeError):
            pass                                          # an earlier mutation removed the place
    outcome(model.from_dict, doc)


@SETTINGS
@given(st.sampled_from(PATHS), odd_numbers)
def test_numbers_anywhere(path, number):
    doc = json.loads(json.dumps(BASE))
    apply(doc, path, "set", number, "")
    outcome(model.from_dict, doc)
    try:
        text = json.dumps(doc)                            # NaN/Infinity become non-JSON tokens: refused
    except ValueError:
        return
    outcome(model.loads, text)


@settings(max_examples=80, deadline=3000, derandomize=True)
@given(st.integers(0, len(TEXT)), st.text(max_size=5))
def test_truncated_and_spliced_text(cut, junk):
    assert outcome(model.loads, TEXT[:cut] + junk) == "error" or cut >= len(TEXT) - 1


@settings(max_examples=60, deadline=3000, derandomize=True)
@given(values)
def test_any_json_value_as_a_document(doc):
    outcome(model.from_dict, doc)


def test_the_base_document_loads():
    assert outcome(model.from_dict, json.loads(json.dumps(BASE))) == "ok"


@settings(max_examples=25, deadline=5000, derandomize=True)
@given(st.lists(st.tuples(st.sampled_from([p for p in PATHS if p[0] == "pools" and len(p) > 2]), values),
                min_size=1, max_size=3), st.integers(1, 400))
def test_many_copies_of_a_bad_part_give_a_capped_list_and_the_full_count(mutations, copies):
    """The list stops at MAX_ISSUES entries plus a count, and the count is that of the full list."""
    doc = json.loads(json.dumps(BASE))
    for path, value in mutations:
        try:
            apply(doc, path, "set", value, "")
        except (KeyError, IndexError, TypeError):
            pass
    pools = doc["pools"]
    doc["pools"] = [dict(p, name=f"{p.get('name')}_{k}") if isinstance(p, dict) and isinstance(p.get("name"), str)
                    else p for k in range(copies) for p in pools]
    found = model.validate(doc)
    assert len(found) <= model.MAX_ISSUES + 1
    if len(found) == model.MAX_ISSUES + 1:
        assert isinstance(found[-1], model.MoreIssues)
    every = model.validate(doc, max_issues=10 ** 6)
    assert sum(getattr(i, "count", 1) for i in found) == len(every)      # capped, but counted in full
    assert [str(i) for i in found[:model.MAX_ISSUES]] == [str(i) for i in every[:model.MAX_ISSUES]]
