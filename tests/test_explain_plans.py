"""The pieces of explain.py's per-kb plans, each against the plain function it stands for.

tests/test_explain_fast.py compares whole judgements with the reference walk; this file
pins the pieces on their own, on values the corpora may never hold: the split-path lookup
against ``model.lookup``, a line found from known steps against ``line_of``, the compiled
``any_record`` field test against ``holds``, the fit's missing facts for every code, the
faster-built dataclasses against plain frozen ones, and plans never shared between kbs.
"""

from __future__ import annotations

import dataclasses
import pickle
import sys
from collections import UserDict
from typing import Any

import pytest

from engine import explain
from engine.conditions import COMPARISONS, holds
from engine.kbload import load_kb
from engine.jsonsource import read_jsonl
from engine.loader import load_scenarios, scenarios_from_documents
from engine.model import Because, Condition, Finding, KnowledgeBase, Scenario, Source, lookup
from engine.positions import JsonLinePositions, line_of, reaches, steps
from engine.runner import Judge
from tests.conftest import REPO, SCENARIOS
from tests.test_explain_fast import ref_missing_for_fit

sys.path.insert(0, str(REPO / "benchmarks"))
import scenario_gen as gen  # noqa: E402

KB20 = REPO / "benchmarks" / "kb20"


@pytest.fixture(scope="module")
def kb20() -> KnowledgeBase:
    return load_kb(KB20)


@pytest.fixture(scope="module")
def jsonl(tmp_path_factory) -> list[Scenario]:
    path = tmp_path_factory.mktemp("plans") / "g.jsonl"
    path.write_text("".join(gen.to_json(d) + "\n" for d in gen.scenarios(200, seed=21)), encoding="utf-8")
    return [s for s in load_scenarios([str(path)]) if isinstance(s, Scenario)]


def _paths(data: Any, prefix: str = "") -> list[str]:
    """Every path into ``data`` as line_of spells it, and a few that lead nowhere."""
    out = [prefix + "nothing", prefix + "[0]", prefix + "x..y"]
    if isinstance(data, dict):
        for key, value in data.items():
            path = f"{prefix}{key}"
            out += [path] + _paths(value, path + ".")
    elif isinstance(data, list):
        base = prefix[:-1]
        for i, value in enumerate(data):
            out += [f"{base}[{i}]"] + _paths(value, f"{base}[{i}].")
        out.append(f"{base}[{len(data)}]")
    return out


# ---------------------------------------------------------------- lookups and lines

def test_a_split_path_looks_up_what_lookup_does(jsonl):
    odd = {"a": {"b": None, "c": [1], "d": UserDict({"e": 0}), "f": "text"}, "g": UserDict({"h": {"i": 2}})}
    samples = [(odd, p) for p in ("a", "a.b", "a.b.x", "a.c", "a.c.0", "a.d.e", "a.d.z", "a.f.x", "g.h.i",
                                  "g.x", "", "a.", ".a", "z")]
    samples += [(s.facts, p) for s in jsonl[:60] for p in _paths(s.facts)]
    for data, path in samples:
        assert explain._get(data, tuple(path.split("."))) == lookup(data, path), path
    assert explain._get(UserDict({"a": 1}), ("a",)) == 1 and explain._get(None, ("a",)) is None


def test_a_line_from_known_steps_is_the_line_of_the_path(jsonl):
    """JSON line positions and plain tables, on every path of the line and some of none."""
    assert all(isinstance(s.positions, JsonLinePositions) for s in jsonl)
    checked = 0
    for scenario in jsonl[:80]:
        positions = scenario.positions
        table = dict(positions)                   # the general reader's table for this line
        for path in _paths(positions.data) + ["", "records[0]", "records[99].form"]:
            route = steps(path)
            assert line_of(positions, path, route) == line_of(positions, path) == line_of(table, path, route)
            if route is not None:
                assert reaches(positions.data, route) == (path in positions)
            checked += 1
    assert checked > 2000


def _uneven_records() -> Scenario:
    """A JSON line whose records state different fields, one of them null."""
    doc = next(d for d in gen.scenarios(50, seed=5) if len(d.get("records") or []) >= 2)
    doc["records"] = [{"form": "copy"}, {"form": "original", "medium": "film"}, {"medium": None, "form": "copy"}]
    [scenario] = scenarios_from_documents(read_jsonl("u.jsonl", gen.to_json(doc)))
    assert isinstance(scenario, Scenario)
    return scenario


def test_each_cite_is_the_value_and_line_of_the_plain_lookups(jsonl, kb20):
    """A scenario's cites (top-level, computed, record fields, operand inputs) on every path
    of the scenario, on its JSON line positions and on the plain table of the same line."""
    checked = 0
    for scenario in [_uneven_records()] + jsonl[:60]:
        facts = {**scenario.facts, "code": {"nature": "administrative"}}
        for positions in (scenario.positions, dict(scenario.positions)):
            scene = explain._Scene(dataclasses.replace(scenario, positions=positions), facts, kb20, {})
            for path in _paths(scenario.facts) + ["code.nature", "code.unknown"]:
                computed = path.startswith("code.")
                cite = explain._cite_of(path, computed)
                where = "procedure.code" if computed else path
                value = lookup(facts if computed else scenario.facts, path)
                assert explain._cite(cite, scene) == Because(path, value, line_of(positions, where)), path
                assert scene.line(path, cite.route) == line_of(positions, path)
                checked += 1
            for i, record in enumerate(scenario.facts.get("records") or []):
                for field in ("form", "medium", "maintained_electronically", "pages", "nothing", "form.x"):
                    path = f"records[{i}].{field}"
                    assert explain._field_cite(explain._cite_of(field, False), scene, i) == \
                        Because(path, lookup(record, field), line_of(positions, path)), path
                    checked += 1
    assert checked > 2000


def test_a_record_field_is_found_at_the_steps_of_its_path(jsonl):
    """``("records", i, *keys)`` is ``steps(f"records[{i}].{field}")`` for the fields cited."""
    for field in ("form", "medium", "maintained_electronically", "a.b"):
        cite = explain._cite_of(field, False)
        assert cite.plain
        for i in range(3):
            assert ("records", i, *cite.keys) == steps(f"records[{i}].{field}")
    for odd in ("[1]", "a..b", "a[0]"):
        assert not explain._cite_of(odd, False).plain


def test_a_cited_code_fact_is_never_shared_with_an_operand_input_of_that_name():
    assert explain._cite_of("code.nature", True).key == "code.nature"
    assert explain._cite_of("code.nature", False).key is None        # read as written, not computed
    assert explain._cite_of("request.purpose", False).key == "request.purpose"


# ---------------------------------------------------------------- record tests

_VALUES = [None, True, False, 0, 1, 1.0, 2.5, "copy", "original", "", [], ["copy"], ["a", "copy"], {"x": 1}]
_LITERALS = {"is": ["copy", 1, True, 0], "is_not": ["copy", 1, False], "in": [["copy", "film"], [1, True], []],
             "not_in": [["copy"], [0]], "gt": [0, 1.5], "gte": [1], "lt": [1, 0.5], "lte": [0],
             "present": [True, False], "has": ["copy", 1]}


def test_the_compiled_field_test_is_what_holds_does_for_a_record():
    assert set(_LITERALS) == set(COMPARISONS)
    for op, literals in _LITERALS.items():
        for literal in literals:
            for field in ("form", "a.b"):
                cond = Condition(op, operand={"fact": field}, value=literal)
                test = explain._field_test(cond)
                assert test is not None
                for value in _VALUES:
                    for record in ({field: value}, {"a": {"b": value}}, {}, {"a": value}):
                        assert explain.compare(test[0], explain._get(record, test[1]), test[2]) == \
                            holds(cond, {"records": [record]}, {}, record), (op, literal, record)


def test_only_a_field_compared_with_a_literal_is_compiled():
    two_sides = Condition("gt", operand={"fact": "a"}, value={"fact": "b"})
    group = Condition("all", children=(Condition("is", operand={"fact": "a"}, value=1),))
    assert explain._field_test(two_sides) is None and explain._field_test(group) is None


# ---------------------------------------------------------------- memos

def test_the_facts_a_fit_reads_are_those_of_the_plain_walk_for_every_code(kb, kb20):
    scenarios = [s for s in load_scenarios([str(SCENARIOS)]) if isinstance(s, Scenario)][:20]
    for base in (kb, kb20):
        codes = sorted(base.codes) + ["D0000", "d9961", "", None, 9961, "D9961 "]
        with Judge(base) as judge:
            traces = [judge.trace(s)[0] for s in scenarios]
        for trace in traces:
            for code in codes:
                facts = {**trace.asserted, "procedure": {**trace.asserted["procedure"], "code": code}}
                assert explain._missing_for_fit(scenarios[0], facts, base) == ref_missing_for_fit(facts, base), code


def test_a_changed_knowledge_base_never_gets_the_plans_of_another(kb):
    """Plans, verdicts per fired sequence and fit reads are the kb's own: a copy with another
    message, severity, verdict or code list explains by its own rules."""
    scenarios = [s for s in load_scenarios([str(SCENARIOS)]) if isinstance(s, Scenario)]
    with Judge(kb) as judge:
        pairs = [(s, judge.trace(s)[0]) for s in scenarios]
    scenario, trace = next((s, t) for s, t in pairs if t.firings and explain.judge(s, t, kb).findings)
    before = explain.judge(scenario, trace, kb)
    rule = kb.rule(before.findings[0].rule)
    assert rule is not None
    changed = dataclasses.replace(rule, message="changed {procedure.code}", severity="info",
                                  verdict="needs_review", missing=("request.received",))
    other = dataclasses.replace(kb, rules=tuple(changed if r is rule else r for r in kb.rules))
    after = explain.judge(scenario, trace, other)
    mine = next(f for f in after.findings if f.rule == rule.id)
    assert mine.message.startswith("changed ") and mine.severity == "info"
    if before.verdict != "inappropriate":
        assert after.verdict == "needs-review"
    assert explain.judge(scenario, trace, kb) == before            # the original keeps its plans

    undecided = next(((s, t) for s, t in pairs if explain.judge(s, t, kb).verdict == "needs-review"
                      and explain.judge(s, t, kb).missing_facts and not any(
                          (kb.rule(f.rule) or rule).verdict for f in t.firings)), None)
    if undecided is not None:
        s, t = undecided
        no_fit = dataclasses.replace(kb, rules=tuple(r for r in kb.rules if r.verdict != "appropriate"))
        assert explain.judge(s, t, no_fit).missing_facts == ()
        assert explain.judge(s, t, kb).missing_facts != ()


# ---------------------------------------------------------------- the dataclasses

@dataclasses.dataclass(frozen=True)
class PlainBecause:
    fact: str
    value: Any
    line: int | None = None
    derived_by: str | None = None


def test_because_and_finding_behave_as_plain_frozen_dataclasses():
    """Their faster __init__ keeps fields, defaults, equality, hash, repr, replace and pickling."""
    source = Source("law", "ref")
    items = [Because("a", 1), Because("a", 1, 3), Because("b", [1], None, "r"), Because("a", True)]
    plain = [PlainBecause("a", 1), PlainBecause("a", 1, 3), PlainBecause("b", [1], None, "r"),
             PlainBecause("a", True)]
    for item, ref in zip(items, plain):
        assert repr(item) == repr(ref).replace("PlainBecause", "Because")
        assert dataclasses.astuple(item) == dataclasses.astuple(ref)
        assert item == Because(*dataclasses.astuple(ref)) and item != ref
        assert pickle.loads(pickle.dumps(item)) == item
        assert dataclasses.replace(item, line=9).line == 9
    assert [f.name for f in dataclasses.fields(Because)] == [f.name for f in dataclasses.fields(PlainBecause)]
    assert hash(Because("a", 1, 3)) == hash(Because("a", 1, 3)) != hash(Because("a", 1, 4))
    assert Because(fact="a", value=2).to_dict() == {"fact": "a", "value": 2, "line": None, "derived_by": None}
    with pytest.raises(dataclasses.FrozenInstanceError):
        items[0].line = 4                                          # type: ignore[misc]
    with pytest.raises(TypeError):
        Because("a")                                               # type: ignore[call-arg]

    finding = Finding("r", "t", "topic", "error", "m", (items[0],), ("x",), source)
    assert finding == Finding(rule="r", title="t", topic="topic", severity="error", message="m",
                              because=(Because("a", 1),), recommend=("x",), source=source)
    assert pickle.loads(pickle.dumps(finding)) == finding and hash(finding) == hash(dataclasses.replace(finding))
    assert list(vars(finding)) == [f.name for f in dataclasses.fields(Finding)]
    assert repr(finding).startswith("Finding(rule='r', title='t', topic='topic', severity='error', message='m'")
    judgement = explain.Judgement("appropriate", (), (finding,), ("r",))
    assert judgement == explain.Judgement(verdict="appropriate", missing_facts=(), findings=(finding,), fired=("r",))
    assert list(vars(judgement)) == [f.name for f in dataclasses.fields(explain.Judgement)]
    with pytest.raises(dataclasses.FrozenInstanceError):
        judgement.verdict = "x"                                    # type: ignore[misc]


def test_scenarios_judged_in_another_order_get_the_same_judgements(jsonl, kb20):
    """Sharing a fact's entry is per scenario: no scenario sees another's values or lines."""
    with Judge(kb20) as judge:
        pairs = [(s, judge.trace(s)[0]) for s in jsonl[:120]]
    forward = [explain.judge(s, t, kb20) for s, t in pairs]
    backward = [explain.judge(s, t, kb20) for s, t in reversed(pairs)][::-1]
    assert forward == backward
    assert len({b.line for j in forward for f in j.findings for b in f.because}) > 20



def test_findings_made_from_a_plan_are_findings_made_by_their_class(jsonl, kb20):
    """judge fills a copy of each rule's instance dict instead of calling Finding(...)."""
    names = [f.name for f in dataclasses.fields(Finding)]
    with Judge(kb20) as judge:
        findings = [f for s in jsonl[:40] for f in judge.trace(s)[1].findings]
    assert len(findings) > 40
    for finding in findings:
        plain = Finding(*(getattr(finding, n) for n in names))
        assert type(finding) is Finding and list(vars(finding)) == names
        assert finding == plain and repr(finding) == repr(plain)       # (values may be lists: no hash)
        assert pickle.loads(pickle.dumps(finding)) == finding and finding.to_dict() == plain.to_dict()
