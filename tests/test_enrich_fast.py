"""Enrichment's shortcuts against the plain algorithm they stand for.

asserted_fact computes each named operand through a function made once per kb
(conditions.operand_function) and remembers the ``code.*`` facts per code as billed and year of
service. Both are compared here with the plain walk (conditions.operand_value for every operand,
code_facts built afresh) on the bundled scenarios, the spec's examples and generated ones for
both kbs, value by value with types (``1`` is not ``True``), cold and warm.
"""

from __future__ import annotations

import copy
import dataclasses
from types import MappingProxyType
from typing import Any, Mapping

import pytest

from engine import enrich
from engine.conditions import GROUPS, RECORD_OPS, operand_function, operand_value, path_getter
from engine.enrich import asserted_fact, code_facts, normalize_code
from engine.kbload import compile_checked
from engine.model import Condition, KnowledgeBase, Scenario, lookup
from engine.rulefit import frozen
from tests.test_suggest_fast import _base, _variant, cases, kb20  # noqa: F401  (fixtures)


def ref_asserted_fact(scenario: Scenario, kb: KnowledgeBase,
                      calculations: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """asserted_fact as first written: code facts built and every operand walked afresh."""
    facts = dict(scenario.facts)
    facts["procedure"] = dict(facts["procedure"])
    raw_code = str(facts["procedure"]["code"])
    code = code_facts(raw_code, kb.codes, facts.get("date_of_service"))
    normalized, _ = normalize_code(raw_code)
    if normalized:
        facts["procedure"]["code"] = normalized
    facts["code"] = code
    calc = {}
    for name, operand in calculations.items():
        value = operand_value(operand, facts, kb.tables)
        if value is not None:
            calc[name] = value
    if calc:
        facts["calc"] = calc
    return facts


def _scenario(facts: dict[str, Any], name: str = "s") -> Scenario:
    return Scenario(name, "mem", 0, 1, facts, {})


def _outcome(call: Any) -> Any:
    """A value with its types all the way down, or the error it raised."""
    try:
        return "value", frozen(call())
    except Exception as err:           # the same failure is part of the same behaviour
        return "error", repr(err)


def _operands(cond: Condition, in_record: bool = False) -> list[Mapping[str, Any]]:
    """Every scenario-level operand of a condition (record fields are read from the item)."""
    if cond.op in GROUPS:
        return [o for c in cond.children for o in _operands(c, in_record)]
    if cond.op in RECORD_OPS or in_record:
        return []
    return [o for o in (cond.operand, cond.value) if isinstance(o, dict)]


EXTRA_OPERANDS = [{"fact": "state"}, {"fact": "request"}, {"fact": "records"}, {"fact": "no.such.path"},
                  {"days_between": ["request.received", "date_of_service"]},
                  {"days_between": ["date_of_service", "no.date"]},
                  {"lookup": "states.deadline_days", "by": "state"},
                  {"lookup": "states.deadline_days", "by": "request.requester"},
                  {"lookup": "no_table.field", "by": "state"},
                  {"calc": "total_items"}, {"calc": "state_copy_fee_max"},
                  {"calc": "days_over_state_deadline"},
                  {"count_records": Condition("is", operand={"fact": "form"}, value="original")}]


# ---------------------------------------------------------------- whole facts

def test_asserted_facts_match_the_plain_algorithm_cold_and_warm(cases):
    for name, kb, scenarios in cases:
        calculations = compile_checked(kb).calculations
        assert calculations, name
        enrich._PREPARED.clear()
        for _ in range(2):                               # the second pass answers from the memo
            for scenario in scenarios:
                fast = _outcome(lambda: asserted_fact(scenario, kb, calculations))
                assert fast == _outcome(lambda: ref_asserted_fact(scenario, kb, calculations)), \
                    (name, scenario.id)
        assert any("calc" in asserted_fact(s, kb, calculations) for s in scenarios), name


def test_every_operand_function_gives_what_operand_value_gives(cases):
    for name, kb, scenarios in cases:
        operands = [o for r in kb.rules for o in _operands(r.when)] + EXTRA_OPERANDS
        functions = [(o, operand_function(o, kb.tables)) for o in operands]
        for scenario in scenarios:
            facts = ref_asserted_fact(scenario, kb, {})
            for operand, function in functions:
                assert _outcome(lambda: function(facts)) == \
                    _outcome(lambda: operand_value(operand, facts, kb.tables)), (name, scenario.id, operand)


@pytest.mark.parametrize("facts", [
    {"request": {"received": "2025-13-01", "fulfilled": "2025-01-02"}},     # no such month
    {"request": {"received": 20250101, "fulfilled": "2025-01-02"}},         # not text
    {"request": {"received": "2025-01-01", "fulfilled": ""}},
    {"state": ["NY"]},                                                      # unhashable key
    {"state": "ZZ"},
    {"records": [{"count": "4"}, {"count": None}]},
    {"records": [{"count": "4"}, {"count": 1}]},
])
def test_odd_facts_fail_or_pass_alike(kb, facts):
    for operand in EXTRA_OPERANDS:
        assert _outcome(lambda: operand_function(operand, kb.tables)(facts)) == \
            _outcome(lambda: operand_value(operand, facts, kb.tables)), operand


@pytest.mark.parametrize("path", ["state", "request.requester", "request", "a.b.c", "records.0", "x..y", ""])
def test_a_path_getter_reads_as_lookup_does(path):
    shapes: list[Any] = [{}, {"state": "NY", "request": {"requester": "patient"}},
                         {"request": None}, {"request": ["patient"]}, {"request": "patient"},
                         {"request": MappingProxyType({"requester": "insurer"})},
                         MappingProxyType({"state": "CA", "request": {"requester": "court"}}),
                         {"a": {"b": {"c": 0}}}, {"a": {"b": None}}, {"records": [1]},
                         {"x": {"": {"y": 1}}}, {"": 5}, {"state": None}]
    get = path_getter(path)
    for facts in shapes:
        assert _outcome(lambda: get(facts)) == _outcome(lambda: lookup(facts, path)), facts


def test_an_operand_no_compiler_makes_still_fails_per_scenario(kb):
    odd = {"days_between": ["request.received"]}
    function = enrich._operand_function(odd, kb.tables)     # made without raising
    assert _outcome(lambda: function({})) == _outcome(lambda: operand_value(odd, {}, kb.tables))
    assert _outcome(lambda: function({}))[0] == "error"


def test_total_items_counts_as_the_generator_did(cases):
    """``None in counts`` for ``any(c is None ...)``: alike for every value a fact can hold."""
    from engine.calculations import CALCULATIONS

    def ref(facts: Mapping[str, Any]) -> Any:
        records = facts.get("records")
        if records is None:
            return None
        counts = [r.get("count") for r in records]
        return None if any(c is None for c in counts) else sum(counts)
    odd = [{"records": [{"count": c} for c in counts]} for counts in
           ([0, 0], [0.0, False], [None], [], [1, None, 2], [True, 2], [1.5, 2], [{}], [[None]])]
    for _, kb, scenarios in cases:
        for facts in [s.facts for s in scenarios] + odd + [{}, {"records": [{}]}]:
            fast = _outcome(lambda: CALCULATIONS["total_items"](facts, kb.tables))
            assert fast == _outcome(lambda: ref(facts)), facts


# ---------------------------------------------------------------- the code facts memo

CODE_VARIANTS = [("procedure.code", "d9961"), ("procedure.code", "D 9961"), ("procedure.code", "D9940"),
                 ("procedure.code", "D996"), ("procedure.code", "D1234"), ("procedure.code", "9961"),
                 ("date_of_service", "1999-03-04"), ("date_of_service", "2024-12-31"),
                 ("date_of_service", None), ("date_of_service", ""), ("date_of_service", "20x5-01-01")]


@pytest.mark.parametrize("kb_name", ["bundled", "kb20"])
def test_code_facts_one_fact_away_are_their_own(kb, kb20, kb_name):
    """After the base warms the memo, a scenario whose code or year differs gets its own
    code facts, and one whose year is the same shares them (a fresh dict each time)."""
    one = kb if kb_name == "bundled" else kb20
    calculations = compile_checked(one).calculations
    base = _scenario(_base(one))
    first = asserted_fact(base, one, calculations)
    first["code"]["known"] = "changed by a caller"          # must not reach the memo
    base_code = ref_asserted_fact(base, one, calculations)["code"]
    assert asserted_fact(base, one, calculations)["code"] == base_code
    different = 0
    for path, value in CODE_VARIANTS:
        other = _scenario(_variant(base.facts, path, value))
        fast = _outcome(lambda: asserted_fact(other, one, calculations))
        assert fast == _outcome(lambda: ref_asserted_fact(other, one, calculations)), (path, value)
        different += fast[0] == "value" and dict(fast[1][1])["code"] != frozen(base_code)
    assert different == len(CODE_VARIANTS) - 1              # all but the unreadable year
    same_year = _scenario(_variant(base.facts, "date_of_service", "2025-07-30"))
    assert asserted_fact(same_year, one, calculations)["code"] == base_code


def test_a_second_kb_gets_its_own_code_facts_and_operands(kb):
    calculations = compile_checked(kb).calculations
    base = _scenario(_base(kb))
    assert asserted_fact(base, kb, calculations)["code"]["service_kind"] == "desensitizing_medicament"
    codes = dict(kb.codes)
    codes["D9910"] = dataclasses.replace(codes["D9910"], service_kind="consultation")
    states = copy.deepcopy(kb.tables["states"])
    states["NY"]["free_when"] = ["a changed table"]
    other = dataclasses.replace(kb, codes=codes, tables={**kb.tables, "states": states})
    fast = asserted_fact(base, other, calculations)
    assert fast == ref_asserted_fact(base, other, calculations)
    assert fast["code"]["service_kind"] == "consultation"
    assert fast["calc"]["lookup__states_free_when__by__state"] == ["a changed table"]
    assert asserted_fact(base, kb, calculations) == ref_asserted_fact(base, kb, calculations)


def test_the_code_facts_memo_stays_bounded(cases, monkeypatch):
    monkeypatch.setattr(enrich, "CODE_FACTS_LIMIT", 3)
    enrich._PREPARED.clear()
    for name, kb, scenarios in cases:
        calculations = compile_checked(kb).calculations
        for scenario in scenarios[:60]:
            assert asserted_fact(scenario, kb, calculations) == ref_asserted_fact(scenario, kb, calculations)
        assert 0 < len(enrich._prepared(calculations, kb).by_code) <= 3, name
    enrich._PREPARED.clear()
