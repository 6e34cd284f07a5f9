"""The engine's view of a scenario (engine/payload.py): short fields, the same firings.

The evaluator asserts each scenario projected onto short field names, against rulesets
renamed to match. Here the renamed rulesets are checked against the readable ones they came
from, run through durable_rules side by side on the full facts, for every bundled scenario,
generated ones and both knowledge bases; and the projection is checked field by field.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import durable_rules_engine as dre
import pytest

from engine import evaluator
from engine.compiler import compile_kb
from engine.conditions import parse
from engine.enrich import asserted_fact
from engine.jsonsource import read_jsonl
from engine.kbload import load_kb
from engine.loader import load_scenarios, scenarios_from_documents
from engine.model import KnowledgeBase, Rule, Scenario, Source, lookup
from engine.payload import lower
from engine.runner import Judge
from tests.conftest import REPO, SCENARIOS

sys.path.insert(0, str(REPO / "benchmarks"))
import scenario_gen as gen  # noqa: E402

KB20 = REPO / "benchmarks" / "kb20"


def _scenarios() -> list[Scenario]:
    bundled = load_scenarios([str(SCENARIOS)])
    text = "".join(gen.to_json(d) + "\n" for d in gen.scenarios(600, seed=11))
    generated = scenarios_from_documents(read_jsonl("g.jsonl", text))
    return [s for s in bundled + generated if isinstance(s, Scenario)]


def _fired(shards, payloads) -> list[list[str]]:
    """Each payload's fired rules through durable's C binding, one fresh ruleset set."""
    sentinel = {evaluator.SENTINEL: evaluator._SENTINEL_RULE}
    handles = [dre.create_ruleset(f"payload-test{id(shards)}s{i}", json.dumps({**s, **sentinel}))
               for i, s in enumerate(shards)]
    out = []
    try:
        for number, payload in enumerate(payloads, start=1):
            sid, fired = str(number), []
            text = json.dumps({**payload, "sid": sid, "t": "scenario"})
            for handle in handles:
                code, state = dre.assert_fact(handle, text)
                if code != 0:
                    continue
                started = dre.start_action_for_state(handle, state)
                message = started[1] if started else None
                while message:
                    fired.append(message[2:message.index('"', 2)])
                    message = dre.complete_and_start_action(handle, state)
            for handle in handles:
                dre.delete_state(handle, sid)
            out.append(sorted(set(fired) - {evaluator.SENTINEL}))
    finally:
        for handle in handles:
            dre.delete_ruleset(handle)
    return out


@pytest.mark.parametrize("kb_dir", [None, KB20], ids=["bundled", "kb20"])
def test_short_fields_fire_what_the_readable_rulesets_fire(kb_dir):
    """Derived facts are left out on both sides: this compares the scenario patterns alone."""
    kb = load_kb(kb_dir, None)
    compiled = compile_kb(kb)
    form = lower(compiled)
    facts = [asserted_fact(s, kb, compiled.calculations) for s in _scenarios()]
    readable = _fired(compiled.shards, facts)
    short = _fired(form.shards, [form.project(f) for f in facts])
    assert len(facts) > 600
    assert sum(map(len, readable)) > len(facts)              # rules do fire, so this can differ
    assert short == readable


@pytest.mark.parametrize("kb_dir", [None, KB20], ids=["bundled", "kb20"])
def test_the_projection_holds_each_read_path_and_nothing_else(kb_dir):
    kb = load_kb(kb_dir, None)
    compiled = compile_kb(kb)
    form = lower(compiled)
    names = set(form.fields.values())
    items = dict(form.record_fields)
    for scenario in _scenarios():
        fact = asserted_fact(scenario, kb, compiled.calculations)
        payload = form.project(fact)
        assert payload.pop("t") == "scenario"
        assert set(payload) <= names
        for path, name in form.fields.items():
            value = lookup(fact, path)
            if path != "records" or not items:
                assert payload.get(name) == value, (scenario.id, path)
            elif value is None:
                assert name not in payload
            else:
                assert payload[name] == [{items[k]: r[k] for k in items if k in r} for r in value]


def test_lowered_rulesets_name_no_fact_path():
    kb = load_kb()
    form = lower(compile_kb(kb))
    text = json.dumps(form.shards)
    for path in form.fields:
        assert f'"{path}"' not in text, path
    for field in dict(form.record_fields):
        assert f'"$i.{field}"' not in text, field
    assert '"t": "scenario"' in text and '"t": "derived"' in text


def _rule(when, rule_id="r") -> Rule:
    return Rule(rule_id, "t", (), "code_fit", "info", Source("seed", "x"), parse(when, "when", {}),
                "m", "f", 1)


def test_fields_are_named_in_path_order_and_records_are_trimmed():
    kb = KnowledgeBase((_rule([{"fact": "service.kind", "is": {"fact": "code.service_kind"}},
                               {"any_record": {"fact": "form", "is": "copy"}},
                               {"fact": "claim.denial_reasons", "has": "non_covered"}]),), {}, {}, "0", "d")
    form = lower(compile_kb(kb))
    assert form.fields == {"claim.denial_reasons": "f0", "code.service_kind": "f1", "records": "f2",
                           "service.kind": "f3"}
    assert form.record_fields == (("form", "r0"),)
    fact = {"service": {"kind": "x", "other": 1}, "code": {"service_kind": "x"},
            "claim": {"denial_reasons": ["non_covered", "other"], "status": "denied"},
            "records": [{"form": "copy", "kind": "chart"}, {"kind": "models"}], "state": "NY"}
    assert form.project(fact) == {"t": "scenario", "f0": ["non_covered", "other"], "f1": "x",
                                  "f2": [{"r0": "copy"}, {}], "f3": "x"}
    test = form.shards[0]["r"]["all"][0]["m"]["$and"]
    assert {"$iany": {"f2": {"$i.r0": "copy"}}} in test
    assert {"$iany": {"f0": {"$i": "non_covered"}}} in test
    assert {"f3": {"$m": "f1"}} in test[1]["$and"]


def test_the_judge_asserts_the_projection_and_explains_from_the_full_fact():
    kb = load_kb(KB20, None)
    scenario = next(s for s in _scenarios() if s.facts.get("request", {}).get("received"))
    with Judge(kb) as judge:
        fact = asserted_fact(scenario, kb, judge.compiled.calculations)
        trace = judge.evaluator.evaluate(fact)
        assert trace.asserted == fact and "request" in trace.asserted
        assert [f.rule for f in trace.firings] == \
            [f.rule for f in judge.evaluator.evaluate(fact, judge.evaluator.form.project(fact)).firings]
