"""The fast paths of explanations and suggestions against straightforward references.

explain.py takes shortcuts (the parts of an ``all`` that held are not re-tested, messages
are parsed once, the dedupe of ``because`` is skipped when no fact repeats, each rule's plan
of cited paths is worked out once per kb, a fact cited twice in a scenario is looked up once,
an ``any_record`` of one field is compared without ``holds``, the verdict is decided once per
sequence of fired rules and the facts a fit would read once per code), and
suggestions keep per-kb memos (graph proximity, current codes, each code's coding rules,
derivation only for rules that read derived facts). Each is compared here with the plain
algorithm it replaced, on the bundled scenarios and on generated ones, so a divergence
fails a test instead of changing a report.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
from pathlib import Path
from typing import Any, Mapping

import pytest

from engine import explain, formats, graph, rulefit, suggest
from engine.conditions import GROUPS, RECORD_OPS, holds, operand_value
from engine.kbload import load_kb
from engine.loader import load_scenarios, validate
from engine.model import Because, Condition, Finding, Invalid, KnowledgeBase, Scenario, Trace, lookup
from engine.runner import Judge
from engine.vocabulary import fact_fields
from engine.yamlsource import Document
from tests.conftest import REPO, SCENARIOS
from tests.scenariogen import Generator

sys.path.insert(0, str(REPO / "benchmarks"))
import scenario_gen as gen  # noqa: E402

KB20 = REPO / "benchmarks" / "kb20"
SPEC_EXAMPLES = REPO.parent / "shared" / "spec" / "examples"
GENERATED = 300


# ---------------------------------------------------------------- the references

def ref_because(cond: Condition, scenario: Scenario, facts: Mapping[str, Any], kb: KnowledgeBase,
                derived_by: Mapping[str, str], item: int | None = None) -> list[Because]:
    """Every part of a group tested again; the explanation as it was first written."""
    if cond.op in GROUPS:
        record = (facts.get("records") or [])[item] if item is not None else None
        parts = [c for c in cond.children if holds(c, facts, kb.tables, record, frozenset(derived_by))]
        return [b for c in parts for b in ref_because(c, scenario, facts, kb, derived_by, item)]
    if cond.op == "derived":
        return [Because(f"derived.{cond.name}", True, None, derived_by.get(cond.name or ""))]
    if cond.op in RECORD_OPS:
        records = facts.get("records") or []
        hits = [i for i, r in enumerate(records) if holds(cond.children[0], facts, kb.tables, r)]
        return [b for i in hits for b in ref_because(cond.children[0], scenario, facts, kb, derived_by, i)]
    out: list[Because] = []
    for operand in (cond.operand, cond.value):
        if isinstance(operand, dict):
            out.extend(_ref_operand(operand, scenario, facts, kb, item))
    return out


def _ref_operand(operand: Mapping[str, Any], scenario: Scenario, facts: Mapping[str, Any],
                 kb: KnowledgeBase, item: int | None) -> list[Because]:
    if "fact" in operand:
        path = operand["fact"] if item is None else f"records[{item}].{operand['fact']}"
        if path.startswith("code."):
            return [Because(path, lookup(facts, path), _line(scenario, "procedure.code"))]
        if path.startswith("records["):
            index = int(path[8:path.index("]")])
            value = lookup(scenario.facts["records"][index], path[path.index("]") + 2:])
        else:
            value = lookup(scenario.facts, path)
        return [Because(path, value, _line(scenario, path))]
    value = operand_value(operand, facts, kb.tables)
    label = explain._operand_label(operand)
    inputs = operand.get("days_between") or ([operand["by"]] if "by" in operand else [])
    if "calc" in operand:
        from engine.calculations import CALCULATIONS
        inputs = [p for p in CALCULATIONS[operand["calc"]].reads if scenario.value(p) is not None]
    return [Because(p, scenario.value(p), _line(scenario, p)) for p in inputs] + [Because(label, value, None)]


def _line(scenario: Scenario, path: str) -> int | None:
    pos = scenario.positions.get(path)
    return pos[0] if pos else None


def ref_dedupe(items: list[Because]) -> list[Because]:
    seen: dict[tuple[str, str], Because] = {}
    for item in items:
        seen.setdefault((item.fact, repr(item.value)), item)
    return list(seen.values())


def ref_message(template: str, scenario: Scenario, facts: Mapping[str, Any]) -> str:
    """The message filled by a regex substitution per finding."""
    fields = fact_fields()

    def fill(match: re.Match[str]) -> str:
        path = match.group(1)
        value = scenario.value(path) if not path.startswith(("code.", "calc.")) else lookup(facts, path)
        if value is None:
            return "(not stated)"
        spec = fields.get(path)
        if (spec is not None and spec.type == "money") or explain._money_calc(path):
            return f"${value:,.2f}"
        return explain._show(value)
    return re.sub(r"\{([a-z_][a-z0-9_.]*)\}", fill, template)


def ref_findings(scenario: Scenario, trace: Trace, kb: KnowledgeBase) -> list[Finding]:
    derived_by = explain._derived_by(trace)
    out = []
    for rule_id in dict.fromkeys(f.rule for f in trace.firings):
        rule = kb.rule(rule_id)
        if rule is None:
            continue
        because = tuple(ref_dedupe(ref_because(rule.when, scenario, trace.asserted, kb, derived_by)))
        out.append(Finding(rule.id, rule.title, rule.topic, rule.severity,
                           ref_message(rule.message, scenario, trace.asserted), because,
                           rule.recommend, rule.source))
    return sorted(out, key=lambda f: (explain.SEVERITY_ORDER[f.severity], f.topic, f.rule))


def ref_missing_for_fit(facts: Mapping[str, Any], kb: KnowledgeBase) -> tuple[str, ...]:
    """Every deciding rule for the code walked again, every path looked up by name."""
    code = lookup(facts, "procedure.code")
    known = fact_fields()
    deciding = [r for r in kb.rules if r.verdict == "appropriate" and (code in r.codes or not r.codes)]
    paths = {p for r in deciding for p in explain._reads(r.when, kb, set())}
    return tuple(sorted(p for p in paths if p in known and not p.startswith(("code.", "calc."))
                        and lookup(facts, p) in (None, [])))


def ref_judgement(scenario: Scenario, trace: Trace, kb: KnowledgeBase) -> tuple[Any, ...]:
    """(verdict, missing facts, findings, fired) as judge first worked them out, per trace."""
    fired = list(dict.fromkeys(f.rule for f in trace.firings))
    rules = [r for r in map(kb.rule, fired) if r is not None]
    effects = {r.verdict for r in rules}
    if "inappropriate" in effects:
        verdict, missing = "inappropriate", ()
    elif "needs_review" in effects:
        verdict, missing = "needs-review", tuple(dict.fromkeys(p for r in rules for p in r.missing))
    elif "appropriate" in effects:
        verdict, missing = "appropriate", ()
    else:
        verdict, missing = "needs-review", ref_missing_for_fit(trace.asserted, kb)
    return verdict, missing, ref_findings(scenario, trace, kb), tuple(sorted(fired))


def ref_own_rules(code: str, facts: Mapping[str, Any], kb: KnowledgeBase) -> tuple[str, list[str]]:
    """Every rule filtered and every derived fact chained, for every candidate."""
    as_billed = rulefit.with_code(code, facts, kb)
    producers = [r for r in kb.rules if r.derive]
    derived: frozenset[str] = frozenset()
    while True:
        new = {n for r in producers if holds(r.when, as_billed, kb.tables, derived=derived) for n in r.derive}
        if new <= derived:
            break
        derived |= new
    rejected, accepted = [], []
    for rule in kb.rules:
        if rule.topic not in rulefit.CODING_TOPICS or (rule.codes and code not in rule.codes):
            continue
        if rule.verdict in ("inappropriate", "appropriate") and holds(rule.when, as_billed, kb.tables,
                                                                      derived=derived):
            (rejected if rule.verdict == "inappropriate" else accepted).append(rule.id)
    if rejected:
        return "rejected", sorted(rejected)
    return ("accepted", sorted(accepted)) if accepted else ("silent", [])


# ---------------------------------------------------------------- the scenarios

@pytest.fixture(scope="module")
def kb20() -> KnowledgeBase:
    return load_kb(KB20)


def _from_jsonl(tmp_path: Path, docs: list[dict[str, Any]], name: str) -> list[Scenario]:
    """Generated documents loaded as the CLI loads them, so positions (lines) are real."""
    path = tmp_path / f"{name}.jsonl"
    path.write_text("".join(gen.to_json(d) + "\n" for d in docs), encoding="utf-8")
    return [s for s in load_scenarios([str(path)]) if isinstance(s, Scenario)]


def _vocabulary_driven(kb: KnowledgeBase) -> list[Scenario]:
    """Scenarios on the kb's own thresholds, every field alone and in odd combinations."""
    generator = Generator(kb, 20261203)
    out = []
    for i in range(GENERATED):
        item = validate(Document(f"v{i}", 0, 1, generator.scenario(), {}, {}, ()), f"v{i}")
        if not isinstance(item, Invalid):
            out.append(item)
    return out


def _from_yaml(tmp_path: Path, docs: list[dict[str, Any]], name: str) -> list[Scenario]:
    """The same as one multi-document YAML file: positions are a table, not a JSON line."""
    path = tmp_path / f"{name}.yaml"
    path.write_text("---\n".join(gen.to_yaml(d) for d in docs), encoding="utf-8")
    return [s for s in load_scenarios([str(path)]) if isinstance(s, Scenario)]


def _spec_examples() -> list[Scenario]:
    if not SPEC_EXAMPLES.is_dir():          # the contract sits beside the repository
        return []
    return [s for s in load_scenarios([str(SPEC_EXAMPLES)]) if isinstance(s, Scenario)]


@pytest.fixture(scope="module")
def cases(kb, kb20, tmp_path_factory) -> list[tuple[str, KnowledgeBase, list[Scenario]]]:
    tmp = tmp_path_factory.mktemp("fast")
    bundled = [s for s in load_scenarios([str(SCENARIOS)]) if isinstance(s, Scenario)]
    examples = _spec_examples()
    return [("bundled", kb, bundled),
            ("generated/bundled kb", kb, _from_jsonl(tmp, gen.scenarios(GENERATED, seed=1), "g1")),
            ("vocabulary/bundled kb", kb, _vocabulary_driven(kb)),
            ("generated/kb20", kb20, _from_jsonl(tmp, gen.scenarios(GENERATED, seed=2), "g2")),
            ("vocabulary/kb20", kb20, _vocabulary_driven(kb20)),
            ("generated yaml/kb20", kb20, _from_yaml(tmp, gen.scenarios(GENERATED // 2, seed=3), "g3")),
            ("generated yaml/bundled kb", kb, _from_yaml(tmp, gen.scenarios(GENERATED // 2, seed=4), "g4")),
            ("bundled/kb20", kb20, bundled)] + \
        [(f"spec examples/{n}", k, examples) for n, k in (("bundled kb", kb), ("kb20", kb20)) if examples]


def _traces(kb: KnowledgeBase, scenarios: list[Scenario]) -> list[tuple[Scenario, Trace]]:
    with Judge(kb) as judge:
        pairs = [(s, judge.trace(s)[0]) for s in scenarios]
    return [(s, t) for s, t in pairs if t.error is None]


# ---------------------------------------------------------------- explanations

def test_judgements_match_the_reference_walk(cases):
    """Findings, verdict, missing facts and fired rules, each scenario judged twice: the
    second time every plan and memo is warm, as in a batch."""
    assert len(cases) >= 8 + 2 * bool(_spec_examples())
    for name, kb, scenarios in cases:
        pairs = _traces(kb, scenarios)
        assert len(pairs) > 0.9 * len(scenarios), name
        fired = 0
        for _ in range(2):
            for scenario, trace in pairs:
                fast = explain.judge(scenario, trace, kb)
                expected = ref_judgement(scenario, trace, kb)
                assert (fast.verdict, fast.missing_facts, list(fast.findings), fast.fired) == expected, \
                    (name, scenario.id)
                fired += len(fast.findings)
        assert fired > len(pairs) / 2, name      # the comparison saw findings, not just empties


def test_the_comparison_saw_every_kind_of_verdict_and_position(cases):
    """Every verdict, missing facts both from rules and from a fit, and both kinds of
    positions (a JSON line's, a table's) met the comparison above."""
    verdicts: set[str] = set()
    missing = {"rules": False, "fit": False}
    positions: set[str] = set()
    for _, kb, scenarios in cases:
        for scenario, trace in _traces(kb, scenarios[:150]):
            judgement = explain.judge(scenario, trace, kb)
            verdicts.add(judgement.verdict)
            decided = {r.verdict for r in map(kb.rule, judgement.fired) if r is not None}
            if judgement.missing_facts:
                missing["fit" if not decided & {"inappropriate", "needs_review", "appropriate"} else "rules"] = True
            positions.add(type(scenario.positions).__name__)
    assert verdicts == {"appropriate", "inappropriate", "needs-review"}
    assert all(missing.values()), missing
    assert positions == {"JsonLinePositions", "dict"}


def test_the_comparison_covers_every_kind_of_condition(cases):
    """any groups, record tests (any and all), derived facts and computed operands all fired,
    so the shortcuts for each were exercised above."""
    seen: set[str] = set()
    for _, kb, scenarios in cases:
        for scenario, trace in _traces(kb, scenarios[:150]):
            for rule_id in {f.rule for f in trace.firings}:
                rule = kb.rule(rule_id)
                if rule is not None:
                    seen |= _kinds(rule.when)
    assert {"any", "any_record", "all_records", "derived", "computed"} <= seen


def _kinds(cond: Condition) -> set[str]:
    out = {cond.op} | {k for c in cond.children for k in _kinds(c)}
    if any(isinstance(o, dict) and "fact" not in o for o in (cond.operand, cond.value)):
        out.add("computed")
    return out


def test_a_repeated_fact_is_kept_once_per_distinct_value():
    items = [Because("a", 1), Because("b", "x"), Because("a", True), Because("a", 1, 7),
             Because("a", 1.0), Because("b", "x"), Because("c", [1]), Because("c", [1])]
    assert explain._dedupe(items) == ref_dedupe(items)
    assert [(b.fact, b.value) for b in explain._dedupe(items)] == [
        ("a", 1), ("b", "x"), ("a", True), ("a", 1.0), ("c", [1])]
    distinct = [Because("a", 1), Because("b", 1)]
    assert explain._dedupe(distinct) == ref_dedupe(distinct)


@pytest.mark.parametrize("template", [
    "no placeholders at all",
    "",
    "{request.requester} asked",
    "asked by {request.requester}",
    "{request.requester}{request.purpose}",
    "fee {fees.charged} of {calc.state_copy_fee_max} for {code.service_kind}",
    "braces {{request.requester}} and {not a path} and {Upper} and { }",
    "a record {records[0].form} is not a placeholder here",
    "unknown {nothing.here} and {state}",
    "{",
    "}{}",
])
def test_messages_fill_as_the_regex_did(kb, template):
    scenarios = [s for s in load_scenarios([str(SCENARIOS)]) if isinstance(s, Scenario)]
    with Judge(kb) as judge:
        for scenario in scenarios[:25]:
            trace, _ = judge.trace(scenario)
            assert explain.render_message(template, scenario, trace.asserted) == \
                ref_message(template, scenario, trace.asserted)


# ---------------------------------------------------------------- suggestions

def test_own_rules_match_the_reference_for_every_code(cases):
    for name, kb, scenarios in cases:
        for scenario in scenarios[:120]:
            for code in sorted(kb.codes):
                assert rulefit.own_rules(code, scenario.facts, kb) == \
                    ref_own_rules(code, scenario.facts, kb), (name, scenario.id, code)


def test_memoised_graph_and_catalog_match_a_fresh_computation(kb):
    for code in sorted(kb.codes):
        assert suggest._proximity(kb, code) == graph.proximity(kb, code)
    current = [kb.codes[c] for c in sorted(kb.codes) if kb.codes[c].removed is None]
    assert list(suggest._current(kb)) == current


def test_a_changed_knowledge_base_never_gets_the_memo_of_another(kb):
    """Memos are per kb object: a kb with other edges, codes or rules gets its own answers."""
    facts = {"procedure": {"code": "D9920"}, "service": {"kind": "records_duplication"}}
    before = suggest.for_scenario("D9920", facts, kb)
    assert suggest._proximity(kb, "D9961")

    no_edges = dataclasses.replace(kb, tables={**kb.tables, "graph": {**kb.tables["graph"], "edges": []}})
    assert suggest._proximity(no_edges, "D9961") == {} == graph.proximity(no_edges, "D9961")

    first = sorted(kb.codes)[0]
    fewer = dataclasses.replace(kb, codes={c: e for c, e in kb.codes.items() if c != first})
    assert first not in [e.code for e in suggest._current(fewer)]

    scenarios = [s for s in load_scenarios([str(SCENARIOS)]) if isinstance(s, Scenario)]
    decided = next(s.facts for s in scenarios if rulefit.own_rules("D9961", s.facts, kb)[0] != "silent")
    others = tuple(r for r in kb.rules if r.topic not in rulefit.CODING_TOPICS)
    no_coding = dataclasses.replace(kb, rules=others)      # derivations kept, coding rules gone
    assert rulefit.own_rules("D9961", decided, no_coding) == ("silent", [])
    assert suggest.for_scenario("D9920", facts, kb) == before       # the original is untouched


def test_suggestions_match_with_memos_cleared(cases):
    """The same ranking whether the per-kb memos are warm or just emptied."""
    for name, kb, scenarios in cases:
        with Judge(kb) as judge:
            results = [judge.result(s) for s in scenarios[:150]]
        rulefit._PER_KB.clear()
        with Judge(kb) as judge:
            again = [judge.result(s) for s in scenarios[:150]]
        assert [r.suggestions for r in results] == [r.suggestions for r in again], name
        assert any(r.suggestions for r in results), name


# ---------------------------------------------------------------- rendering

def test_canonical_json_is_what_json_dumps_gives(cases):
    name, kb, scenarios = cases[1]
    with Judge(kb) as judge:
        for scenario in scenarios[:100]:
            result = judge.result(scenario)
            data = {**result.to_dict(), "stamp": formats.stamp(kb)}
            assert formats.run_jsonl_line(result, kb) == \
                json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n"
