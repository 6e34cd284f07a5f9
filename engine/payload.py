"""The scenario as the engine reads it: short field names for exactly the paths rules test.

durable_rules parses every asserted fact, stores it, and copies it whole into the message of
every action it queues (each firing, and the sentinel's). Its cost per scenario grows with the
fact's size: the full enriched scenario is ~800 bytes of JSON, of which the rules read about a
third, under long dotted names. So the evaluator asserts a flat projection instead: each fact
path a compiled rule reads becomes one top-level field (``f0``, ``f1``, …, in path order), each
record field read inside a record test one item field (``r0``, …), and nothing else is sent.
On the benchmark kb that cut the engine's own time per scenario by about a third (issue 8).

The compiled knowledge base keeps its readable dotted paths (``compiler.py``, what the
snapshot test and people read); :func:`lower` renames them in one pass, and :class:`EngineForm`
projects each enriched fact onto the same names. The explanation still reads the full fact.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from .compiler import CompiledKb

_RECORD = "$i."                 # how a record test names an item's field
_RECORDS = "records"            # the one list of mappings in the vocabulary
_KEPT = frozenset({"t"})        # the fact type: asserted as it is


Leaves = tuple[tuple[str, str], ...]          # (key, field name) pairs of one mapping


@dataclass(frozen=True)
class EngineForm:
    """Rulesets over short field names, and the projection that feeds them."""

    shards: tuple[Mapping[str, Any], ...]
    fields: Mapping[str, str]                 # dotted fact path -> field name
    record_fields: Leaves                     # (record field, item field name), in name order
    plan: tuple[tuple[tuple[str, ...], Leaves], ...]   # (path to a mapping, its leaves)

    def project(self, fact: Mapping[str, Any]) -> dict[str, Any]:
        """The flat scenario fact to assert: a field per path a rule reads (and its type), absent
        paths left out. Record items keep only the fields record tests read; any other list is
        kept whole (a ``has`` test looks at its items as they are)."""
        out: dict[str, Any] = {"t": "scenario"}
        for steps, leaves in self.plan:       # one look-up per mapping, then its leaves
            node: Any = fact
            for step in steps:
                node = node.get(step) if type(node) is dict else None
            if type(node) is dict:
                for key, name in leaves:
                    value = node.get(key)
                    if value is not None:
                        out[name] = value
        records = self.fields.get(_RECORDS)
        if records in out and self.record_fields and type(out[records]) is list:
            out[records] = [self._item(item) for item in out[records]]
        return out

    def _item(self, item: Any) -> Any:
        if type(item) is not dict:
            return item
        return {name: item[key] for key, name in self.record_fields if key in item}


def lower(compiled: CompiledKb) -> EngineForm:
    """Rename every fact path of the scenario patterns to a short field (a pure function)."""
    paths: set[str] = set()
    record: set[str] = set()
    for shard in compiled.shards:
        for body in shard.values():
            _collect(_scenario_test(body), paths, record)
    fields = {path: f"f{i}" for i, path in enumerate(sorted(paths))}
    record_fields = {name: f"r{i}" for i, name in enumerate(sorted(record))}
    shards = tuple({rule: _lower_rule(body, fields, record_fields) for rule, body in shard.items()}
                   for shard in compiled.shards)
    return EngineForm(shards, fields, tuple(record_fields.items()), _plan(fields))


def _scenario_test(body: Mapping[str, Any]) -> Any:
    """The test of a rule's pattern on the scenario fact (the ``m`` alias), or None."""
    for pattern in body["all"]:
        if "m" in pattern:
            return pattern["m"]
    return None


def _collect(test: Any, paths: set[str], record: set[str]) -> None:
    if isinstance(test, list):
        for part in test:
            _collect(part, paths, record)
        return
    if not isinstance(test, dict):
        return
    for key, value in test.items():
        if key == "$m":
            _name(value, paths, record)
        elif key.startswith(_RECORD) or not key.startswith("$") and key not in _KEPT:
            _name(key, paths, record)
        _collect(value, paths, record)


def _name(path: str, paths: set[str], record: set[str]) -> None:
    if path.startswith(_RECORD):
        record.add(path[len(_RECORD):])
    else:
        paths.add(path)


def _lower_rule(body: Mapping[str, Any], fields: Mapping[str, str],
                record_fields: Mapping[str, str]) -> dict[str, Any]:
    patterns = [{"m": _rename(p["m"], fields, record_fields)} if "m" in p else p for p in body["all"]]
    return {**body, "all": patterns}


def _rename(test: Any, fields: Mapping[str, str], record_fields: Mapping[str, str]) -> Any:
    if isinstance(test, list):
        return [_rename(part, fields, record_fields) for part in test]
    if not isinstance(test, dict):
        return test
    out = {}
    for key, value in test.items():
        if key == "$m":
            out[key] = _field(value, fields, record_fields)
        else:
            name = key if key.startswith("$") and not key.startswith(_RECORD) or key in _KEPT \
                else _field(key, fields, record_fields)
            out[name] = _rename(value, fields, record_fields)
    return out


def _field(path: str, fields: Mapping[str, str], record_fields: Mapping[str, str]) -> str:
    if path.startswith(_RECORD):
        return _RECORD + record_fields[path[len(_RECORD):]]
    return fields[path]


def _plan(fields: Mapping[str, str]) -> tuple[tuple[tuple[str, ...], Leaves], ...]:
    """The fields grouped by the mapping that holds them, so each mapping is found once."""
    groups: dict[tuple[str, ...], list[tuple[str, str]]] = {}
    for path, name in fields.items():
        *steps, key = path.split(".")
        groups.setdefault(tuple(steps), []).append((key, name))
    return tuple((steps, tuple(leaves)) for steps, leaves in groups.items())


__all__ = ["EngineForm", "lower"]
