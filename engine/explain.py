"""From an evaluation trace to what a reviewer reads: findings with their reasons, the verdict
and its missing facts, the derivation tree, and the why-not of a rule that did not fire.

Pure functions: they read the trace (the fact the engine saw, the firings in order) and
re-walk each fired rule's conditions over that same fact to say which parts held, with the
values seen and the scenario lines they came from. Nothing is re-run through the engine.
"""

from __future__ import annotations

import functools
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
    rules = [r for r in map(kb.rule, fired) if r is not None]
    findings = [_finding(rule, scenario, trace.asserted, kb, derived_by) for rule in rules]
    findings.sort(key=lambda f: (SEVERITY_ORDER[f.severity], f.topic, f.rule))
    verdict, missing = _verdict(rules, scenario, trace.asserted, kb)
    return Judgement(verdict, missing, tuple(findings), tuple(sorted(fired)))


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


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
    because = tuple(_dedupe(_because(rule.when, scenario, facts, kb, derived_by, [])))
    return Finding(rule.id, rule.title, rule.topic, rule.severity,
                   render_message(rule.message, scenario, facts), because, rule.recommend, rule.source)


def _dedupe(items: list[Because]) -> list[Because]:
    """The first of each (fact, value) pair, in order."""
    if len({item.fact for item in items}) == len(items):      # the usual case: nothing twice
        return items
    seen: dict[tuple[str, str], Because] = {}
    for item in items:
        seen.setdefault((item.fact, repr(item.value)), item)
    return list(seen.values())


def render_message(template: str, scenario: Scenario, facts: Mapping[str, Any]) -> str:
    """Fill ``{fact.path}`` placeholders with the facts as written (amounts as dollars)."""
    form, holes = _template(template)
    if not holes:
        return template
    return form.format(*[_fill(hole, scenario, facts) for hole in holes])


@dataclass(frozen=True)
class _Placeholder:
    """One ``{path}`` of a message: computed facts (``code.``, ``calc.``) are read from the
    evaluated fact, the others from the scenario as written."""

    path: str
    computed: bool
    money: bool


@functools.lru_cache(maxsize=1024)     # messages are few and fixed per kb: parse each once
def _template(template: str) -> tuple[str, tuple[_Placeholder, ...]]:
    """The message as a ``str.format`` form (its own braces doubled) and its placeholders."""
    parts = _PLACEHOLDER.split(template)          # literal, path, literal, path, …, literal
    form = "{}".join(p.replace("{", "{{").replace("}", "}}") for p in parts[0::2])
    fields = fact_fields()
    holes = tuple(_Placeholder(path, path.startswith(("code.", "calc.")),
                               _money_field(fields.get(path)) or _money_calc(path)) for path in parts[1::2])
    return form, holes


def _money_field(spec: Any) -> bool:
    return spec is not None and spec.type == "money"


def _fill(placeholder: _Placeholder, scenario: Scenario, facts: Mapping[str, Any]) -> str:
    value = lookup(facts if placeholder.computed else scenario.facts, placeholder.path)
    if value is None:
        return "(not stated)"
    if placeholder.money:
        return f"${value:,.2f}"
    return value if type(value) is str else _show(value)


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
             derived_by: Mapping[str, str], out: list[Because], item: int | None = None) -> list[Because]:
    """Append to ``out`` the facts behind the parts of a condition that held; return ``out``.

    ``cond`` is known to hold: it is a fired rule's ``when`` (the engine and
    ``conditions.holds`` agree, a differential test keeps them so) or a part found to hold.
    So every part of an ``all`` and every record of an ``all_records`` held too; only the
    parts of an ``any`` and the records of an ``any_record`` need checking.
    """
    for part in _held_parts(cond):
        if type(part) is str:                  # a fact compared with a literal
            out.append(_fact_because(part, scenario, facts, item))
            continue
        op = part.op
        if op == "any":
            for c in part.children:
                if _holds(c, facts, kb, item, derived_by):
                    _because(c, scenario, facts, kb, derived_by, out, item)
        elif op == "derived":
            out.append(Because(f"derived.{part.name}", True, None, derived_by.get(part.name or "")))
        elif op in RECORD_OPS:
            child = part.children[0]
            for i, record in enumerate(facts.get("records") or []):
                if op == "all_records" or holds(child, facts, kb.tables, record):
                    _because(child, scenario, facts, kb, derived_by, out, i)
        else:
            for operand in (part.operand, part.value):    # both sides of a comparison of two values
                if isinstance(operand, dict):
                    _operand_because(operand, scenario, facts, kb, item, out)
    return out


def _held_parts(cond: Condition) -> tuple[Condition | str, ...]:
    """``cond`` with its ``all`` groups flattened, each plain fact test as just its fact path:
    the parts that hold whenever ``cond`` does. Worked out once per condition object."""
    hit = _HELD_PARTS.get(id(cond))
    if hit is not None and hit[0] is cond:
        return hit[1]
    parts = tuple(_flatten(cond))
    if len(_HELD_PARTS) >= 4096:         # a kb has a few hundred conditions; tests load many kbs
        _HELD_PARTS.clear()
    _HELD_PARTS[id(cond)] = (cond, parts)
    return parts


# Keyed on id(): conditions hold mappings, so they cannot be hashed. Each entry keeps its
# condition alive, so the id cannot be reused by another condition while it is cached.
_HELD_PARTS: dict[int, tuple[Condition, tuple[Condition | str, ...]]] = {}


def _flatten(cond: Condition) -> list[Condition | str]:
    if cond.op == "all":
        return [p for c in cond.children for p in _flatten(c)]
    operand = cond.operand
    if isinstance(operand, dict) and "fact" in operand and not isinstance(cond.value, dict):
        return [operand["fact"]]
    return [cond]


def _holds(cond: Condition, facts: Mapping[str, Any], kb: KnowledgeBase, item: int | None,
           derived_by: Mapping[str, str]) -> bool:
    record = (facts.get("records") or [])[item] if item is not None else None
    return holds(cond, facts, kb.tables, record, frozenset(derived_by))


def _operand_because(operand: Mapping[str, Any], scenario: Scenario, facts: Mapping[str, Any],
                     kb: KnowledgeBase, item: int | None, out: list[Because]) -> None:
    if "fact" in operand:
        out.append(_fact_because(operand["fact"], scenario, facts, item))
        return
    value = operand_value(operand, facts, kb.tables)
    label = _operand_label(operand)
    inputs = operand.get("days_between") or ([operand["by"]] if "by" in operand else [])
    if "calc" in operand:
        from .calculations import CALCULATIONS
        inputs = [p for p in CALCULATIONS[operand["calc"]].reads if scenario.value(p) is not None]
    out.extend(Because(p, scenario.value(p), _line(scenario, p)) for p in inputs)
    out.append(Because(label, value, None))


def _fact_because(name: str, scenario: Scenario, facts: Mapping[str, Any], item: int | None) -> Because:
    """A fact as written in the scenario (a record's field when ``item`` is given); the
    computed ``code.`` facts come from the evaluated fact, cited at the code's line."""
    if item is not None:
        path = f"records[{item}].{name}"
        return Because(path, lookup(scenario.facts["records"][item], name), _line(scenario, path))
    if name.startswith("code."):
        return Because(name, lookup(facts, name), _line(scenario, "procedure.code"))
    return Because(name, lookup(scenario.facts, name), _line(scenario, name))


def _operand_label(operand: Mapping[str, Any]) -> str:
    if "days_between" in operand:
        return "days({}, {})".format(*operand["days_between"])
    if "lookup" in operand:
        return f"{operand['lookup']}[{operand['by']}]"
    if "calc" in operand:
        return f"calc.{operand['calc']}"
    return f"count(records where {describe(operand['count_records'])})"


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
