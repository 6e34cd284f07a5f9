"""Evaluation through durable_rules: chaining, isolation, faults kept per scenario."""

from __future__ import annotations

import durable_rules_engine

from engine.compiler import compile_kb
from engine.conditions import parse
from engine.evaluator import Evaluator
from engine.model import KnowledgeBase, Rule, Source


def rule(rule_id, when, derive=()):
    return Rule(rule_id, "t", (), "code_fit", "info", Source("seed", "x"), parse(when, "w", {}),
                "m", "f", 1, derive=tuple(derive))


CHAIN = KnowledgeBase((
    rule("a", [{"fact": "x", "gt": 1}], derive=["big"]),
    rule("b", [{"derived": "big"}], derive=["bigger"]),
    rule("c", [{"derived": "bigger"}, {"fact": "y", "is": "on"}]),
), {}, {}, "0", "d")


def fired(evaluator, fact):
    trace = evaluator.evaluate(fact)
    assert trace.error is None
    return [f.rule for f in trace.firings]


def test_forward_chaining_runs_to_completion():
    with Evaluator(compile_kb(CHAIN)) as ev:
        assert fired(ev, {"x": 5, "y": "on"}) == ["a", "b", "c"]
        assert fired(ev, {"x": 5, "y": "off"}) == ["a", "b"]
        assert fired(ev, {"x": 0, "y": "on"}) == []


def test_firings_record_derived_inputs_and_outputs():
    with Evaluator(compile_kb(CHAIN)) as ev:
        trace = ev.evaluate({"x": 5, "y": "on"})
    by_rule = {f.rule: f for f in trace.firings}
    assert by_rule["a"].derived == ("big",)
    assert by_rule["c"].derived_inputs == ("bigger",)


def test_scenarios_do_not_see_each_other():
    with Evaluator(compile_kb(CHAIN)) as ev:
        assert fired(ev, {"x": 5, "y": "off"}) == ["a", "b"]
        # a derived 'bigger' from the previous scenario must not complete rule c here
        assert fired(ev, {"x": 0, "y": "on"}) == []


def test_many_scenarios_stay_under_the_live_sid_cap():
    with Evaluator(compile_kb(CHAIN)) as ev:
        for i in range(1500):           # the engine fails at 1025 live sids per ruleset
            assert len(fired(ev, {"x": i % 3, "y": "on"})) in (0, 3)


def test_engine_fault_is_reported_for_that_scenario_only(monkeypatch):
    with Evaluator(compile_kb(CHAIN)) as ev:
        real = durable_rules_engine.assert_fact
        calls = {"n": 0}

        def flaky(handle, payload):
            calls["n"] += 1
            if calls["n"] == 1:
                raise durable_rules_engine.error("boom")
            return real(handle, payload)
        monkeypatch.setattr("engine.evaluator._dre.assert_fact", flaky)
        bad = ev.evaluate({"x": 5, "y": "on"})
        assert bad.error and "boom" in bad.error
        assert fired(ev, {"x": 5, "y": "on"}) == ["a", "b", "c"]


def test_close_frees_the_rulesets():
    ev = Evaluator(compile_kb(CHAIN))
    ev.close()
    assert ev._handles == []
