"""The compiler: pure, deterministic, and working around the engine's known bugs."""

from __future__ import annotations

import json

import pytest

from engine.compiler import SHARD_SIZE, CompileError, compile_kb
from engine.conditions import parse
from engine.model import KnowledgeBase, Rule, Source


def rule(when, rule_id="r", derive=()) -> Rule:
    cond = parse(when, "when", {})
    return Rule(rule_id, "t", (), "code_fit", "info", Source("seed", "x"), cond, "m", "f", 1,
                derive=tuple(derive))


def kb_of(*rules: Rule) -> KnowledgeBase:
    return KnowledgeBase(tuple(rules), {}, {}, "0", "d")


def body(compiled, rule_id="r"):
    return next(s[rule_id] for s in compiled.shards if rule_id in s)


def test_compile_is_deterministic_for_the_bundled_kb(kb):
    first, second = compile_kb(kb), compile_kb(kb)
    assert first.to_json() == second.to_json()
    assert first.digest == second.digest


def test_scenario_conditions_form_one_pattern_with_type_test():
    compiled = compile_kb(kb_of(rule([{"fact": "procedure.code", "is": "D9961"}])))
    assert body(compiled) == {"all": [{"m": {"$and": [{"t": "scenario"}, {"procedure.code": "D9961"}]}}]}


def test_derived_facts_are_extra_patterns_not_joins_on_id():
    r = rule([{"fact": "service.kind", "is": "records_duplication"}, {"derived": "x"}])
    producer = rule([{"fact": "procedure.code", "is": "D9961"}], "p", derive=["x"])
    compiled = compile_kb(kb_of(producer, r))
    patterns = body(compiled)["all"]
    assert patterns[1] == {"d0": {"$and": [{"t": "derived"}, {"name": "x"}]}}
    assert '"id"' not in json.dumps(compiled.shards)
    assert compiled.derives["p"] == ("x",)
    assert compiled.consumers == {"x": (0,)}


def test_or_inside_record_test_is_split_into_separate_iany():
    r = rule([{"any_record": {"any": [{"fact": "form", "is": "original"}, {"fact": "kind", "is": "models"}]}}])
    test = body(compile_kb(kb_of(r)))["all"][0]["m"]["$and"][1]
    assert test == {"$or": [{"$iany": {"records": {"$i.form": "original"}}},
                            {"$iany": {"records": {"$i.kind": "models"}}}]}


def test_in_inside_record_test_expands_to_alternatives():
    r = rule([{"any_record": {"all": [{"fact": "form", "is": "copy"}, {"fact": "medium", "in": ["paper", "film"]}]}}])
    test = body(compile_kb(kb_of(r)))["all"][0]["m"]["$and"][1]
    assert len(test["$or"]) == 2
    assert test["$or"][1] == {"$iany": {"records": {"$and": [{"$i.form": "copy"}, {"$i.medium": "film"}]}}}


def test_field_to_field_comparison_is_guarded_against_absent_fields():
    r = rule([{"fact": "service.kind", "is": {"fact": "code.service_kind"}}])
    test = body(compile_kb(kb_of(r)))["all"][0]["m"]["$and"][1]
    assert {"$ex": {"code.service_kind": 1}} in test["$and"]
    assert {"$ex": {"service.kind": 1}} in test["$and"]


def test_computed_operands_become_named_calc_fields():
    r = rule([{"days_between": ["request.received", "request.fulfilled"], "gt": 30}])
    compiled = compile_kb(kb_of(r))
    assert "days__request_received__request_fulfilled" in compiled.calculations
    test = body(compiled)["all"][0]["m"]["$and"][1]
    assert test == {"$gt": {"calc.days__request_received__request_fulfilled": 30}}


def test_derived_inside_any_is_rejected():
    r = rule({"any": [{"derived": "x"}, {"fact": "state", "is": "NY"}]})
    with pytest.raises(CompileError, match="derived fact can only be required at the top"):
        compile_kb(kb_of(r))


def test_all_records_with_alternatives_is_rejected():
    r = rule([{"all_records": {"any": [{"fact": "form", "is": "copy"}, {"fact": "kind", "is": "chart"}]}}])
    with pytest.raises(CompileError, match="all_records"):
        compile_kb(kb_of(r))


def test_rules_are_sharded_to_stay_under_the_engine_limit():
    rules = [rule([{"fact": "procedure.code", "is": "D9961"}], f"r{i}") for i in range(SHARD_SIZE * 2 + 1)]
    compiled = compile_kb(kb_of(*rules))
    assert [len(s) for s in compiled.shards] == [SHARD_SIZE, SHARD_SIZE, 1]
    assert SHARD_SIZE <= 60
