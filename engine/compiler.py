"""Compile the knowledge base into durable_rules rulesets: a pure, deterministic function.

Each rule becomes one durable rule. Its scenario conditions form one pattern on the
``scenario`` fact; each derived fact it needs is one more pattern on a ``derived`` fact (one
sid holds one scenario, so no join is needed, and none is made on ``id``, which the engine
breaks). Values the engine cannot compute (day counts, record counts, look-ups into facts/)
are named here and computed by enrich.py before the scenario is asserted.

Work-arounds for the engine, measured in ../shared/research/durable-rules-notes.md and here:
- an ``$or`` inside ``$iany`` tests only its first branch, so record conditions are put in
  disjunctive normal form and each conjunction becomes its own ``$iany``;
- comparing two fields (``$m``) succeeds when the right field is absent, so both sides get an
  existence guard;
- one fact may satisfy at most 64 first-level conditions of a ruleset, so rules are sharded
  into rulesets of at most ``SHARD_SIZE``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Mapping

from .conditions import RECORD_OPS, describe
from .model import Condition, KnowledgeBase, Rule

SHARD_SIZE = 40
MAX_CONJUNCTIONS = 32
_CMP = {"gt": "$gt", "gte": "$gte", "lt": "$lt", "lte": "$lte", "is_not": "$neq"}


class CompileError(ValueError):
    """A rule that the engine cannot express; names the rule and the condition's line."""

    def __init__(self, rule: Rule, line: int, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.line = line or rule.line


@dataclass(frozen=True)
class CompiledKb:
    """The durable_rules form of a knowledge base, plus what the evaluator needs around it."""

    shards: tuple[Mapping[str, Any], ...]
    derives: Mapping[str, tuple[str, ...]]
    consumers: Mapping[str, tuple[int, ...]]
    calculations: Mapping[str, Mapping[str, Any]]
    digest: str

    def to_json(self) -> str:
        """Canonical JSON of the rulesets (what the snapshot test pins)."""
        return json.dumps({"shards": list(self.shards), "calculations": self.calculations},
                          sort_keys=True, indent=1, default=_cond_json)


def compile_kb(kb: KnowledgeBase) -> CompiledKb:
    """Compile every rule; raises :class:`CompileError` for a rule the engine cannot express."""
    calculations: dict[str, Mapping[str, Any]] = {}
    compiled = [(rule, _compile_rule(rule, calculations)) for rule in kb.rules]
    shards = [compiled[i:i + SHARD_SIZE] for i in range(0, len(compiled), SHARD_SIZE)]
    shard_defs = tuple({rule.id: body for rule, body in chunk} for chunk in shards)
    consumers: dict[str, set[int]] = {}
    for index, chunk in enumerate(shards):
        for rule, _ in chunk:
            for name in _derived_in(rule.when):
                consumers.setdefault(name, set()).add(index)
    derives = {rule.id: rule.derive for rule in kb.rules}
    text = json.dumps([shard_defs, calculations], sort_keys=True, default=_cond_json)
    return CompiledKb(shard_defs, derives, {k: tuple(sorted(v)) for k, v in sorted(consumers.items())},
                      dict(sorted(calculations.items())), hashlib.sha256(text.encode()).hexdigest())


def _cond_json(value: Any) -> Any:
    if isinstance(value, Condition):
        return describe(value)
    raise TypeError(type(value).__name__)


def _derived_in(cond: Condition) -> list[str]:
    if cond.op == "derived":
        return [cond.name or ""]
    if cond.op == "all":
        return [n for c in cond.children for n in _derived_in(c)]
    return []


def _compile_rule(rule: Rule, calcs: dict[str, Mapping[str, Any]]) -> dict[str, Any]:
    top = list(rule.when.children) if rule.when.op == "all" else [rule.when]
    derived = [c for c in top if c.op == "derived"]
    plain = [c for c in top if c.op != "derived"]
    _forbid_nested_derived(rule, plain)
    patterns: list[dict[str, Any]] = []
    if plain:
        tests = [{"t": "scenario"}] + [_compile(rule, c, calcs) for c in plain]
        patterns.append({"m": {"$and": tests}})
    for i, cond in enumerate(derived):
        patterns.append({f"d{i}": {"$and": [{"t": "derived"}, {"name": cond.name}]}})
    return {"all": patterns}


def _forbid_nested_derived(rule: Rule, conds: list[Condition]) -> None:
    for cond in conds:
        if cond.op == "derived":
            raise CompileError(rule, cond.line, "a derived fact can only be required at the top "
                               "of a rule's conditions, not inside 'any' or a record test")
        _forbid_nested_derived(rule, list(cond.children))


def _compile(rule: Rule, cond: Condition, calcs: dict[str, Mapping[str, Any]]) -> dict[str, Any]:
    if cond.op == "all":
        return {"$and": [_compile(rule, c, calcs) for c in cond.children]}
    if cond.op == "any":
        return {"$or": [_compile(rule, c, calcs) for c in cond.children]}
    if cond.op in RECORD_OPS:
        return _records(rule, cond, calcs)
    return _leaf(cond, _path(cond.operand or {}, calcs, ""), calcs, "")


def _records(rule: Rule, cond: Condition, calcs: dict[str, Mapping[str, Any]]) -> dict[str, Any]:
    conjunctions = _dnf(rule, cond.children[0], calcs)
    if cond.op == "all_records":
        if len(conjunctions) != 1:
            raise CompileError(rule, cond.line, "'all_records' takes only 'all' of plain "
                               "comparisons (no 'any' or 'in' inside it)")
        return {"$iall": {"records": _and(conjunctions[0])}}
    options = [{"$iany": {"records": _and(c)}} for c in conjunctions]
    return options[0] if len(options) == 1 else {"$or": options}


def _and(tests: list[dict[str, Any]]) -> dict[str, Any]:
    return tests[0] if len(tests) == 1 else {"$and": tests}


def _dnf(rule: Rule, cond: Condition, calcs: dict[str, Mapping[str, Any]]) -> list[list[dict[str, Any]]]:
    """A record condition as a list of conjunctions of item tests (``in`` expands to ``is``)."""
    if cond.op == "any":
        out = [conj for c in cond.children for conj in _dnf(rule, c, calcs)]
    elif cond.op == "all":
        out = [[]]
        for child in cond.children:
            out = [a + b for a in out for b in _dnf(rule, child, calcs)]
    elif cond.op == "in":
        path = _path(cond.operand or {}, calcs, "$i.")
        out = [[{path: v}] for v in cond.value]
    else:
        out = [[_leaf(cond, _path(cond.operand or {}, calcs, "$i."), calcs, "$i.")]]
    if len(out) > MAX_CONJUNCTIONS:
        raise CompileError(rule, cond.line, "record condition is too complex for the engine: "
                           f"more than {MAX_CONJUNCTIONS} alternatives")
    return out


def _path(operand: Mapping[str, Any], calcs: dict[str, Mapping[str, Any]], prefix: str) -> str:
    """The fact path an operand is read from; computed operands get a ``calc.`` name."""
    if "fact" in operand:
        return prefix + operand["fact"]
    name = calc_name(operand)
    calcs[name] = operand
    return f"calc.{name}"


def calc_name(operand: Mapping[str, Any]) -> str:
    """A stable field name for a computed operand."""
    if "days_between" in operand:
        return "days__" + "__".join(p.replace(".", "_") for p in operand["days_between"])
    if "calc" in operand:
        return str(operand["calc"])
    if "lookup" in operand:
        return f"lookup__{operand['lookup'].replace('.', '_')}__by__{operand['by'].replace('.', '_')}"
    digest = hashlib.sha1(describe(operand["count_records"]).encode()).hexdigest()[:10]
    return f"count__{digest}"


def _leaf(cond: Condition, path: str, calcs: dict[str, Mapping[str, Any]], prefix: str) -> dict[str, Any]:
    op, value = cond.op, cond.value
    if isinstance(value, dict):
        other = _path(value, calcs, prefix)
        guard = [{"$ex": {path: 1}}, {"$ex": {other: 1}}]
        test = {path: {"$m": other}} if op == "is" else {_CMP[op]: {path: {"$m": other}}}
        return {"$and": guard + [test]}
    if op == "present":
        return {"$ex" if value else "$nex": {path: 1}}
    if op == "is":
        return {path: value}
    if op == "in":
        return {"$or": [{path: v} for v in value]}
    if op == "not_in":
        return {"$and": [{"$neq": {path: v}} for v in value]}
    if op == "has":
        return {"$iany": {path: {"$i": value}}}
    return {_CMP[op]: {path: value}}
