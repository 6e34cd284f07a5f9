"""From an evaluation trace to what a reviewer reads: findings with their reasons, the verdict
and its missing facts, the derivation tree, and the why-not of a rule that did not fire.

Pure functions: they read the trace (the fact the engine saw, the firings in order) and
re-walk each fired rule's conditions over that same fact to say which parts held, with the
values seen and the scenario lines they came from. Nothing is re-run through the engine.

A batch explains the same few rules thousands of times, so what depends on the kb alone is
worked out once per kb (kept in ``rulefit.per_kb``): each rule's plan (the facts it cites,
their split keys and position steps, the parts that need ``holds``, its message form and
sort key), the verdict of each sequence of fired rules, the facts a fit would read per code.
Judging a scenario then only looks values and lines up. tests/test_explain_fast.py and
tests/test_explain_plans.py hold every shortcut to the plain algorithm.
"""

from __future__ import annotations

import functools
import re
from collections import abc as _abc
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, Iterable, Mapping

from .conditions import COMPARISONS, GROUPS, RECORD_OPS, compare, describe, fact_paths, holds, operand_value
from .model import Because, Condition, Finding, KnowledgeBase, Rule, Scenario, Trace, lookup
from .positions import JsonLinePositions, line_of, reaches, steps
from .rulefit import per_kb
from .vocabulary import fact_fields

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_.]*)\}")
_set = object.__setattr__
_new = object.__new__


@dataclass(frozen=True, init=False)
class Judgement:
    """The verdict and findings derived from one trace."""

    verdict: str
    missing_facts: tuple[str, ...]
    findings: tuple[Finding, ...]
    fired: tuple[str, ...]

    def __init__(self, verdict: str, missing_facts: tuple[str, ...], findings: tuple[Finding, ...],
                 fired: tuple[str, ...]) -> None:
        # One per scenario: the instance dict set at once, as model.Because does.
        _set(self, "__dict__", {"verdict": verdict, "missing_facts": missing_facts,
                                "findings": findings, "fired": fired})


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
    names = tuple([f.rule for f in trace.firings])
    known = _firing_sets(kb)
    group = known.get(names) or _firings_of(known, names, kb)
    scene = _Scene(scenario, trace.asserted, kb, _derived_by(trace))
    findings = tuple([_finding(plan, scene) for plan in group.plans])
    verdict, missing = group.decided or ("needs-review", _missing_for_fit(scenario, trace.asserted, kb))
    return Judgement(verdict, missing, findings, group.fired)


@dataclass(frozen=True)
class _Firings:
    """What a trace's fired rule names decide on their own: the plans in finding order, the
    names sorted and, when a rule decided, the verdict and its missing facts. A batch meets
    few such sequences, so each is worked out once per kb."""

    plans: tuple["_Plan", ...]
    fired: tuple[str, ...]
    decided: tuple[str, tuple[str, ...]] | None


def _firing_sets(kb: KnowledgeBase) -> dict[tuple[str, ...], _Firings]:
    memo = per_kb(kb)
    known = memo.get("explain.firings")
    if known is None or len(known) >= 4096:       # bounded: odd batches may meet many sequences
        known = memo["explain.firings"] = {}
    return known


def _firings_of(known: dict[tuple[str, ...], _Firings], names: tuple[str, ...], kb: KnowledgeBase) -> _Firings:
    fired = _unique(names)
    plans = _plans(kb)
    chosen = [p for p in (plans[n] if n in plans else _plan_for(plans, n, kb) for n in fired) if p]
    group = known[names] = _Firings(tuple(sorted(chosen, key=_ORDER)), tuple(sorted(fired)),
                                    _decided([p.rule for p in chosen]))
    return group


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _derived_by(trace: Trace) -> dict[str, str]:
    out: dict[str, str] = {}
    for firing in trace.firings:
        for name in firing.derived:
            out.setdefault(name, firing.rule)
    return out


def _decided(rules: list[Rule]) -> tuple[str, tuple[str, ...]] | None:
    """The verdict and missing facts the fired rules decide; None when none decided (then
    the missing facts are those the deciding rules for the code would read)."""
    effects = {r.verdict for r in rules}
    if "inappropriate" in effects:
        return "inappropriate", ()
    if "needs_review" in effects:
        return "needs-review", tuple(_unique(p for r in rules for p in r.missing))
    if "appropriate" in effects:
        return "appropriate", ()
    return None


def _missing_for_fit(scenario: Scenario, facts: Mapping[str, Any], kb: KnowledgeBase) -> tuple[str, ...]:
    """When no rule decided, the absent facts that the deciding rules for this code read,
    following each derived fact they need back to the rules that derive it."""
    return tuple(p for p, keys in _fit_reads(kb, lookup(facts, "procedure.code"))
                 if _get(facts, keys) in (None, []))


def _fit_reads(kb: KnowledgeBase, code: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The scenario facts (sorted, with their keys) that the deciding rules for ``code`` read.

    They depend on the kb and the code alone, so they are worked out once per kb for each code
    that a deciding rule names; every other code has the same rules (those naming no code)."""
    memo = per_kb(kb)
    named, by_code = memo.get("explain.fit_reads") or memo.setdefault(
        "explain.fit_reads", ({c for r in kb.rules if r.verdict == "appropriate" for c in r.codes}, {}))
    key = code if type(code) is str and code in named else None
    reads = by_code.get(key)
    if reads is None:
        rules = [r for r in kb.rules if r.verdict == "appropriate" and (key in r.codes or not r.codes)]
        known = fact_fields()
        paths = {p for r in rules for p in _reads(r.when, kb, set())}
        reads = by_code[key] = tuple((p, tuple(p.split("."))) for p in sorted(paths)
                                     if p in known and not p.startswith(("code.", "calc.")))
    return reads


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


# ---------------------------------------------------------------- explanation plans

@dataclass(frozen=True)
class _Cite:
    """A fact a finding cites with its value and line: a plain fact test of a fired rule, a
    fact compared with another value, or an input of a computed operand."""

    path: str
    keys: tuple[str, ...]                  # ``path.split(".")``: the steps model.lookup takes
    route: tuple[str | int, ...] | None    # ``steps(path)``: the steps its line is found by
    computed: bool                         # a ``code.`` fact: from the evaluated fact, at the code's line
    plain: bool                            # keys == route: a record's field is at ("records", i, *keys)
    key: str | None                        # under which a scenario's findings share the entry


def _cite_of(path: str, computed: bool) -> _Cite:
    """The cite of ``path``; the odd input of a computed operand named ``code.``, read as
    written unlike a cited ``code.`` fact, is never shared (key None)."""
    keys, route = tuple(path.split(".")), steps(path)
    return _Cite(path, keys, route, computed, route == keys,
                 path if computed == path.startswith("code.") else None)


@dataclass(frozen=True)
class _Operand:
    """A computed operand (days, a look-up, a calculation, a count): its inputs, then its value."""

    operand: Mapping[str, Any]
    label: str
    inputs: tuple[_Cite, ...]
    stated_only: bool                      # a calculation cites only the inputs the scenario states


@dataclass(frozen=True)
class _Plan:
    """How to explain one rule's firing, worked out once per kb and rule: the parts of its
    condition that hold whenever it does, its message form and where its finding sorts."""

    rule: Rule
    parts: tuple["_Part", ...]
    form: str
    holes: tuple["_Placeholder", ...]
    order: tuple[int, str, str]
    distinct: bool               # each part cites one fact, no two the same: nothing to dedupe
    fields: Mapping[str, Any]    # the finding's instance dict, message and because left to fill


@dataclass(frozen=True)
class _Records:
    """A record test: the held parts of its record condition and, for an ``any_record`` whose
    condition is one field compared with a literal, that comparison (op, keys, literal), which
    is all ``holds`` does for a record then."""

    every: bool                  # all_records: every record held
    child: Condition
    parts: tuple["_Part", ...]
    field_test: tuple[str, tuple[str, ...], Any] | None


_Part = Any      # _Cite | _Operand | _Records | _Derived | an any group (a Condition)
_ORDER = attrgetter("order")
_CODE_LINE = "procedure.code"              # where the computed code. facts are cited
_CODE_ROUTE = ("procedure", "code")


def _plans(kb: KnowledgeBase) -> dict[str, _Plan | None]:
    """This kb's plans by fired rule name (an id or an alias; None for a name it lacks).
    Kept in the kb's own memo, so another kb never sees them."""
    memo = per_kb(kb)
    plans = memo.get("explain.plans")
    if plans is None:
        plans = memo["explain.plans"] = {}
    return plans


def _plan_for(plans: dict[str, _Plan | None], name: str, kb: KnowledgeBase) -> _Plan | None:
    rule = kb.rule(name)
    plan = plans[name] = None if rule is None else _plan(rule)
    return plan


def _plan(rule: Rule) -> _Plan:
    form, holes = _template(rule.message)
    parts = _held_parts(rule.when)
    labels = [p.path if type(p) is _Cite else p.label for p in parts if type(p) in (_Cite, _Derived)]
    fields = vars(Finding(rule.id, rule.title, rule.topic, rule.severity, "", (), rule.recommend, rule.source))
    return _Plan(rule, parts, form, holes, (SEVERITY_ORDER[rule.severity], rule.topic, rule.id),
                 len(labels) == len(parts) == len(set(labels)), fields)


class _Scene:
    """One scenario being explained: what its findings read again and again, found once, and
    the facts already cited, so a finding citing what another did shares its entry (entries
    are frozen; equal values, shared or not)."""

    __slots__ = ("scenario", "data", "facts", "positions", "json", "kb", "derived_by", "derived",
                 "cited", "cited_fields")

    def __init__(self, scenario: Scenario, facts: Mapping[str, Any], kb: KnowledgeBase,
                 derived_by: Mapping[str, str]) -> None:
        self.scenario, self.data, self.facts, self.kb = scenario, scenario.facts, facts, kb
        positions = self.positions = scenario.positions
        # A line of JSON Lines: a path has a line (the document's) when its steps reach a value.
        self.json = type(positions) is JsonLinePositions and not positions.of_keys
        self.derived_by = derived_by
        self.derived: frozenset[str] | None = None                # the derived names, when an any needs them
        self.cited: dict[str, Because] = {}                       # by fact path
        self.cited_fields: dict[str, Because] = {}                # by record field path (records[i].f)

    def line(self, path: str, route: tuple[str | int, ...] | None) -> int | None:
        """``line_of(positions, path)`` of a path whose steps are known."""
        if self.json:
            positions = self.positions
            return positions.line if route is not None and reaches(positions.data, route) else None
        return line_of(self.positions, path, route)


def _finding(plan: _Plan, scene: _Scene) -> Finding:
    rule = plan.rule
    because = _because(plan.parts, scene, [])
    because = tuple(because if plan.distinct else _dedupe(because))
    fields = plan.fields.copy()                  # Finding(...) of the rule's fields, made from
    fields["message"] = plan.form.format(*[_fill(h, scene.scenario, scene.facts) for h in plan.holes]) \
        if plan.holes else rule.message          # its instance dict (in field order): half the cost
    fields["because"] = because
    finding = _new(Finding)
    _set(finding, "__dict__", fields)
    return finding


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
    keys: tuple[str, ...]


@functools.lru_cache(maxsize=1024)     # messages are few and fixed per kb: parse each once
def _template(template: str) -> tuple[str, tuple[_Placeholder, ...]]:
    """The message as a ``str.format`` form (its own braces doubled) and its placeholders."""
    parts = _PLACEHOLDER.split(template)          # literal, path, literal, path, …, literal
    form = "{}".join(p.replace("{", "{{").replace("}", "}}") for p in parts[0::2])
    fields = fact_fields()
    holes = tuple(_Placeholder(path, path.startswith(("code.", "calc.")),
                               _money_field(fields.get(path)) or _money_calc(path), tuple(path.split(".")))
                  for path in parts[1::2])
    return form, holes


def _money_field(spec: Any) -> bool:
    return spec is not None and spec.type == "money"


def _fill(placeholder: _Placeholder, scenario: Scenario, facts: Mapping[str, Any]) -> str:
    value = _get(facts if placeholder.computed else scenario.facts, placeholder.keys)
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


def _get(data: Any, keys: tuple[str, ...]) -> Any:
    """``model.lookup`` of a path already split into its keys (plans split each path once)."""
    value = data
    for key in keys:
        if type(value) is dict:               # facts are plain dicts: an absent key gives None
            value = value.get(key)
        elif value is None or not isinstance(value, _abc.Mapping) or key not in value:
            return None
        else:
            value = value[key]
    return value


def _because(parts: tuple[_Part, ...], scene: _Scene, out: list[Because],
             item: int | None = None) -> list[Because]:
    """Append to ``out`` the facts behind ``parts`` (the held parts of a condition that held);
    return ``out``.

    The condition is known to hold: it is a fired rule's ``when`` (the engine and
    ``conditions.holds`` agree, a differential test keeps them so) or a part found to hold.
    So every part of an ``all`` and every record of an ``all_records`` held too; only the
    parts of an ``any`` and the records of an ``any_record`` need checking.
    """
    for part in parts:
        kind = type(part)
        if kind is _Cite:
            if item is not None:
                out.append(_field_cite(part, scene, item))
            elif part.key is None:
                out.append(_cite(part, scene))
            else:
                hit = scene.cited.get(part.key)
                out.append(hit if hit is not None else scene.cited.setdefault(part.key, _cite(part, scene)))
        elif kind is _Operand:
            _operand_because(part, scene, out)
        elif kind is _Records:
            _records_because(part, scene, out)
        elif kind is _Derived:
            out.append(part.because(scene.derived_by.get(part.name)))
        else:                                   # an any group
            for c in part.children:
                if _holds(c, scene, item):
                    _because(_held_parts(c), scene, out, item)
    return out


def _records_because(part: _Records, scene: _Scene, out: list[Because]) -> None:
    """The facts behind each record that held (every record, for ``all_records``)."""
    facts, tables, test = scene.facts, scene.kb.tables, part.field_test
    for i, record in enumerate(facts.get("records") or []):
        if part.every:
            held = True
        elif test is not None and record is not None:
            held = compare(test[0], _get(record, test[1]), test[2])
        else:
            held = holds(part.child, facts, tables, record)
        if held:
            _because(part.parts, scene, out, i)


def _held_parts(cond: Condition) -> tuple[_Part, ...]:
    """``cond`` with its ``all`` groups flattened, each fact it cites as a :class:`_Cite` and
    each computed operand as an :class:`_Operand`: the parts that hold whenever ``cond`` does.
    Worked out once per condition object."""
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
# What is cached depends on the condition alone (tables are read when judging), so a
# condition shared by two kbs may share its entry.
_HELD_PARTS: dict[int, tuple[Condition, tuple[_Part, ...]]] = {}


def _flatten(cond: Condition) -> list[_Part]:
    if cond.op == "all":
        return [p for c in cond.children for p in _flatten(c)]
    if cond.op in RECORD_OPS:
        child = cond.children[0]
        return [_Records(cond.op == "all_records", child, _held_parts(child), _field_test(child))]
    if cond.op == "derived":
        return [_Derived(cond.name)]
    if cond.op in GROUPS:
        return [cond]
    return [_compiled(o) for o in (cond.operand, cond.value) if isinstance(o, dict)]


def _field_test(cond: Condition) -> tuple[str, tuple[str, ...], Any] | None:
    """(op, keys, literal) when ``cond`` compares one field with a literal, else None."""
    operand = cond.operand
    if cond.op in COMPARISONS and isinstance(operand, dict) and "fact" in operand \
            and not isinstance(cond.value, dict):
        return cond.op, tuple(operand["fact"].split(".")), cond.value
    return None


def _compiled(operand: Mapping[str, Any]) -> _Cite | _Operand:
    if "fact" in operand:
        path = operand["fact"]
        return _cite_of(path, path.startswith("code."))
    inputs = operand.get("days_between") or ([operand["by"]] if "by" in operand else [])
    if "calc" in operand:
        from .calculations import CALCULATIONS
        inputs = CALCULATIONS[operand["calc"]].reads
    cites = tuple(_cite_of(p, False) for p in inputs)
    return _Operand(operand, _operand_label(operand), cites, "calc" in operand)


def _holds(cond: Condition, scene: _Scene, item: int | None) -> bool:
    facts = scene.facts
    record = (facts.get("records") or [])[item] if item is not None else None
    if scene.derived is None:
        scene.derived = frozenset(scene.derived_by)
    return holds(cond, facts, scene.kb.tables, record, scene.derived)


def _operand_because(part: _Operand, scene: _Scene, out: list[Because]) -> None:
    for cite in part.inputs:
        value = _get(scene.data, cite.keys)
        if value is not None or not part.stated_only:
            out.append(Because(cite.path, value, scene.line(cite.path, cite.route)))
    out.append(Because(part.label, operand_value(part.operand, scene.facts, scene.kb.tables), None))


def _cite(cite: _Cite, scene: _Scene) -> Because:
    """A fact as written in the scenario; the computed ``code.`` facts come from the
    evaluated fact, cited at the code's line."""
    if cite.computed:
        return Because(cite.path, _get(scene.facts, cite.keys), scene.line(_CODE_LINE, _CODE_ROUTE))
    value = _get(scene.data, cite.keys)
    route = cite.route
    if scene.json:                            # scene.line, written out: most cites come here
        positions = scene.positions
        return Because(cite.path, value, positions.line if route is not None and reaches(positions.data, route)
                       else None)
    return Because(cite.path, value, line_of(scene.positions, cite.path, route))


def _field_cite(cite: _Cite, scene: _Scene, item: int) -> Because:
    """A field of the ``item``-th record as written in the scenario."""
    path = f"records[{item}].{cite.path}"
    hit = scene.cited_fields.get(path)
    if hit is None:
        route = ("records", item, *cite.keys) if cite.plain else steps(path)
        hit = scene.cited_fields[path] = Because(path, _get(scene.data["records"][item], cite.keys),
                                                 scene.line(path, route))
    return hit


class _Derived:
    """A derived fact a rule tests, cited as true with the rule that derived it. The entry
    depends on that rule alone, so each is made once and shared by every scenario."""

    __slots__ = ("name", "label", "made")

    def __init__(self, name: str | None) -> None:
        self.name, self.label = name or "", f"derived.{name}"
        self.made: dict[str | None, Because] = {}          # by deriving rule: a handful at most

    def because(self, derived_by: str | None) -> Because:
        hit = self.made.get(derived_by)
        if hit is None:
            hit = self.made[derived_by] = Because(self.label, True, None, derived_by)
        return hit


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
