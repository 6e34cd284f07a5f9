"""From an evaluation trace to what a reviewer reads: findings with their reasons, the verdict
and its missing facts, the derivation tree, and the why-not of a rule that did not fire.

Pure functions: they read the trace (the fact the engine saw, the firings in order) and
re-walk each fired rule's conditions over that same fact to say which parts held, with the
values seen and the scenario lines they came from. Nothing is re-run through the engine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from .conditions import GROUPS, RECORD_OPS, compare, describe, fact_paths, holds, operand_value
from .model import Because, Condition, Finding, KnowledgeBase, Rule, Scenario, Trace, lookup
from .positions import line_of
from .vocabulary import fact_fields

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_.]*)\}")


@dataclass(frozen=True)
class Judgement:
    """The verdict and findings derived from one trace."""

    verdict: str
    missing_facts: tuple[str, ...]
    findings: tuple[Finding, ...]
    fired: tuple[str, ...]


@dataclass(frozen=True)
class Node:
    """One line of the derivation tree: a label and its children."""

    label: str
    children: tuple["Node", ...] = ()


@dataclass(frozen=True)
class Check:
    """One condition of a why-not: what it tests, the value seen, met or not."""

    depth: int
    text: str
    seen: Any
    met: bool


def judge(scenario: Scenario, trace: Trace, kb: KnowledgeBase) -> Judgement:
    """Findings (sorted by severity, topic, rule) and the verdict for one evaluated scenario."""
    fired = _unique(f.rule for f in trace.firings)
    derived_by = _derived_by(trace)
    rules = [r for r in (kb.rule(rid) for rid in fired) if r is not None]
    findings = [_finding(rule, scenario, trace.asserted, kb, derived_by) for rule in rules]
    findings.sort(key=lambda f: (SEVERITY_ORDER[f.severity], f.topic, f.rule))
    verdict, missing = _verdict(rules, scenario, trace.asserted, kb)
    return Judgement(verdict, missing, tuple(findings), tuple(sorted(fired)))


def _unique(items: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return list(seen)


def _derived_by(trace: Trace) -> dict[str, str]:
    out: dict[str, str] = {}
    for firing in trace.firings:
        for name in firing.derived:
            out.setdefault(name, firing.rule)
    return out


def _verdict(rules: list[Rule], scenario: Scenario, facts: Mapping[str, Any],
             kb: KnowledgeBase) -> tuple[str, tuple[str, ...]]:
    effects = {r.verdict for r in rules}
    if "inappropriate" in effects:
        return "inappropriate", ()
    if "needs_review" in effects:
        return "needs-review", tuple(_unique(p for r in rules for p in r.missing))
    if "appropriate" in effects:
        return "appropriate", ()
    return "needs-review", _missing_for_fit(scenario, facts, kb)


def _missing_for_fit(scenario: Scenario, facts: Mapping[str, Any], kb: KnowledgeBase) -> tuple[str, ...]:
    """When no rule decided, the absent facts that the deciding rules for this code read,
    following each derived fact they need back to the rules that derive it."""
    code = lookup(facts, "procedure.code")
    known = fact_fields()
    deciding = [r for r in kb.rules if r.verdict == "appropriate" and (code in r.codes or not r.codes)]
    paths = {p for r in deciding for p in _reads(r.when, kb, set())}
    return tuple(sorted(p for p in paths if p in known and not p.startswith(("code.", "calc."))
                        and lookup(facts, p) in (None, [])))


def _reads(cond: Condition, kb: KnowledgeBase, seen: set[str]) -> list[str]:
    """Fact paths a condition reads at its top level, through the rules behind derived facts."""
    if cond.op in GROUPS:
        return [p for c in cond.children for p in _reads(c, kb, seen)]
    if cond.op in RECORD_OPS:
        return ["records"]
    if cond.op == "derived":
        if cond.name in seen:
            return []
        seen.add(cond.name or "")
        producers = [r for r in kb.rules if cond.name in r.derive]
        return [p for r in producers for p in _reads(r.when, kb, seen)]
    if not cond.operand or "fact" not in cond.operand:
        return []
    return [cond.operand["fact"]]


def _finding(rule: Rule, scenario: Scenario, facts: Mapping[str, Any], kb: KnowledgeBase,
             derived_by: Mapping[str, str]) -> Finding:
    because = tuple(_dedupe(_because(rule.when, scenario, facts, kb, derived_by)))
    return Finding(rule.id, rule.title, rule.topic, rule.severity,
                   render_message(rule.message, scenario, facts), because, rule.recommend, rule.source)


def _dedupe(items: list[Because]) -> list[Because]:
    seen: dict[tuple[str, str], Because] = {}
    for item in items:
        seen.setdefault((item.fact, repr(item.value)), item)
    return list(seen.values())


def render_message(template: str, scenario: Scenario, facts: Mapping[str, Any]) -> str:
    """Fill ``{fact.path}`` placeholders with the facts as written (amounts as dollars)."""
    fields = fact_fields()

    def fill(match: re.Match[str]) -> str:
        path = match.group(1)
        value = scenario.value(path) if not path.startswith(("code.", "calc.")) else lookup(facts, path)
        if value is None:
            return "(not stated)"
        spec = fields.get(path)
        if (spec is not None and spec.type == "money") or _money_calc(path):
            return f"${value:,.2f}"
        return _show(value)
    return _PLACEHOLDER.sub(fill, template)


def _money_calc(path: str) -> bool:
    from .calculations import CALCULATIONS
    calc = CALCULATIONS.get(path[5:]) if path.startswith("calc.") else None
    return bool(calc and calc.money)


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(_show(v) for v in value)
    return str(value)


def _line(scenario: Scenario, path: str) -> int | None:
    return line_of(scenario.positions, path)


def _because(cond: Condition, scenario: Scenario, facts: Mapping[str, Any], kb: KnowledgeBase,
             derived_by: Mapping[str, str], item: int | None = None) -> list[Because]:
    """The facts behind the parts of a condition that held."""
    op = cond.op
    if op in GROUPS:
        parts = [c for c in cond.children if _holds(c, facts, kb, item, derived_by)]
        return [b for c in parts for b in _because(c, scenario, facts, kb, derived_by, item)]
    if op == "derived":
        return [Because(f"derived.{cond.name}", True, None, derived_by.get(cond.name or ""))]
    if op in RECORD_OPS:
        records = facts.get("records") or []
        hits = [i for i, r in enumerate(records) if holds(cond.children[0], facts, kb.tables, r)]
        return [b for i in hits for b in _because(cond.children[0], scenario, facts, kb, derived_by, i)]
    out: list[Because] = []
    for operand in (cond.operand, cond.value):
        if isinstance(operand, dict):
            out.extend(_operand_because(operand, scenario, facts, kb, item))
    return out


def _holds(cond: Condition, facts: Mapping[str, Any], kb: KnowledgeBase, item: int | None,
           derived_by: Mapping[str, str]) -> bool:
    record = (facts.get("records") or [])[item] if item is not None else None
    return holds(cond, facts, kb.tables, record, frozenset(derived_by))


def _operand_because(operand: Mapping[str, Any], scenario: Scenario, facts: Mapping[str, Any],
                     kb: KnowledgeBase, item: int | None) -> list[Because]:
    if "fact" in operand:
        path = operand["fact"] if item is None else f"records[{item}].{operand['fact']}"
        if path.startswith("code."):
            return [Because(path, lookup(facts, path), _line(scenario, "procedure.code"))]
        value = _value_at(scenario.facts, path)
        return [Because(path, value, _line(scenario, path))]
    value = operand_value(operand, facts, kb.tables)
    label = _operand_label(operand)
    inputs = operand.get("days_between") or ([operand["by"]] if "by" in operand else [])
    if "calc" in operand:
        from .calculations import CALCULATIONS
        inputs = [p for p in CALCULATIONS[operand["calc"]].reads if scenario.value(p) is not None]
    out = [Because(p, scenario.value(p), _line(scenario, p)) for p in inputs]
    return out + [Because(label, value, None)]


def _operand_label(operand: Mapping[str, Any]) -> str:
    if "days_between" in operand:
        return "days({}, {})".format(*operand["days_between"])
    if "lookup" in operand:
        return f"{operand['lookup']}[{operand['by']}]"
    if "calc" in operand:
        return f"calc.{operand['calc']}"
    return f"count(records where {describe(operand['count_records'])})"


def _value_at(facts: Mapping[str, Any], path: str) -> Any:
    if path.startswith("records["):
        index = int(path[8:path.index("]")])
        return lookup(facts["records"][index], path[path.index("]") + 2:])
    return lookup(facts, path)


# ---------------------------------------------------------------- derivation and why-not

def derivation(scenario: Scenario, trace: Trace, judgement: Judgement, kb: KnowledgeBase) -> Node:
    """The tree from the verdict down through each fired rule to the scenario's lines."""
    derived_by = _derived_by(trace)
    findings = {f.rule: f for f in judgement.findings}
    children = [_rule_node(rule_id, findings, derived_by, kb, set()) for rule_id in judgement.fired]
    label = f"verdict {judgement.verdict}"
    if judgement.missing_facts:
        label += f" (missing: {', '.join(judgement.missing_facts)})"
    where = f"{scenario.file}:{scenario.line}"
    return Node(f"scenario {scenario.id} ({where})", (Node(label, tuple(children)),))


def _rule_node(rule_id: str, findings: Mapping[str, Finding], derived_by: Mapping[str, str],
               kb: KnowledgeBase, seen: set[str]) -> Node:
    finding = findings[rule_id]
    rule = kb.rule(rule_id)
    effect = f", verdict {rule.verdict}" if rule and rule.verdict else ""
    label = f"{rule_id} [{finding.topic}/{finding.severity}{effect}] {finding.title}"
    kids: list[Node] = []
    for b in finding.because:
        if b.derived_by and b.derived_by in findings and b.derived_by not in seen:
            sub = _rule_node(b.derived_by, findings, derived_by, kb, seen | {rule_id})
            kids.append(Node(f"{b.fact} ← {b.derived_by}", (sub,)))
        else:
            where = f" (line {b.line})" if b.line else ""
            kids.append(Node(f"{b.fact} = {_show(b.value)}{where}"))
    return Node(label, tuple(kids))


def why_not(rule: Rule, scenario: Scenario, trace: Trace, kb: KnowledgeBase) -> list[Check]:
    """Each condition of ``rule``, met or not, with the value seen in the evaluated fact."""
    derived = frozenset(_derived_by(trace))
    return _checks(rule.when, trace.asserted, kb, derived, 0)


def _checks(cond: Condition, facts: Mapping[str, Any], kb: KnowledgeBase, derived: frozenset[str],
            depth: int) -> list[Check]:
    met = holds(cond, facts, kb.tables, None, derived)
    if cond.op in GROUPS:
        head = Check(depth, "all of:" if cond.op == "all" else "any of:", None, met)
        return [head] + [c for child in cond.children for c in _checks(child, facts, kb, derived, depth + 1)]
    if cond.op == "derived":
        return [Check(depth, describe(cond), cond.name in derived, met)]
    if cond.op in RECORD_OPS:
        return [Check(depth, describe(cond), _record_values(cond.children[0], facts), met)]
    seen_value = operand_value(cond.operand or {}, facts, kb.tables)
    if isinstance(cond.value, dict):          # show both sides of a comparison of two values
        other = operand_value(cond.value, facts, kb.tables)
        return [Check(depth, describe(cond), f"{_show(seen_value)} vs {_show(other)}", met)]
    return [Check(depth, describe(cond), seen_value, met)]


def _record_values(cond: Condition, facts: Mapping[str, Any]) -> Any:
    """What each record holds in the fields a record condition reads (one value per record
    when it reads one field), so a why-not shows values, not bare true/false."""
    records = facts.get("records") or []
    if not records:
        return "no records"
    fields = _unique(p.split(".", 1)[1] for p in fact_paths(cond, True))
    if len(fields) == 1:
        return [r.get(fields[0]) for r in records]
    return [{f: r.get(f) for f in fields} for r in records]


__all__ = ["Judgement", "Node", "Check", "judge", "derivation", "why_not", "render_message", "compare"]
