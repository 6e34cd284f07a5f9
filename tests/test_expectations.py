"""engine/expectations.py: a Result against its scenario's expect: block, as an Outcome value."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from engine.expectations import ERROR, FAILED, PASSED, XFAILED, XPASSED, compare, outcome_for
from engine.kbload import load_kb
from engine.loader import scenarios_from_documents
from engine.model import Finding, Result, Scenario, Source, Suggestion
from engine.runner import Judge
from engine.yamlsource import read_documents

FIXTURE_KB = Path(__file__).resolve().parent / "fixtures" / "suite_kb"
BASE = "id: case\nprocedure: {code: D9961}\n"
SRC = Source("research", "test")


@pytest.fixture(scope="module")
def demo_kb():
    return load_kb(FIXTURE_KB / "kb", FIXTURE_KB / "facts")


@pytest.fixture(scope="module")
def demo_judge(demo_kb):
    with Judge(demo_kb) as j:
        yield j


def scenario(text: str) -> Scenario:
    (item,) = scenarios_from_documents(read_documents("case.yaml", text))
    assert isinstance(item, Scenario), item
    return item


def result(**kw) -> Result:
    base = dict(scenario="case", file="case.yaml", line=1, code="D9961", normalized_code="D9961",
                verdict="appropriate")
    return Result(**{**base, **kw})


def finding(rule: str, topic: str, severity: str) -> Finding:
    return Finding(rule, rule, topic, severity, "m", (), (), SRC)


def test_all_expectations_met_is_passed(demo_kb):
    s = scenario(BASE + "expect:\n  verdict: appropriate\n  fired: [demo-fits]\n"
                 "  not_fired: [demo-internal]\n  findings: [{topic: code_fit}]\n  suggestions: [D9961]\n"
                 "  missing_facts: []\n")
    r = result(fired=("demo-fits",), findings=(finding("demo-fits", "code_fit", "info"),),
               suggestions=(Suggestion("D9961", "n", 0.9, "r"), Suggestion("D9910", "n", 0.2, "r")))
    got = compare(s, r, demo_kb)
    assert (got.status, got.missing, got.unexpected) == (PASSED, (), ())
    assert got.ok


def test_verdict_and_rule_misses_are_missing_not_unexpected(demo_kb):
    s = scenario(BASE + "expect: {verdict: appropriate, fired: [demo-fits]}\n")
    got = compare(s, result(verdict="needs-review"), demo_kb)
    assert got.status == FAILED and not got.ok
    assert got.missing == ("verdict appropriate (got needs-review)", "rule demo-fits to fire (it did not)")
    assert got.unexpected == ()


def test_rule_ruled_out_that_fired_is_unexpected(demo_kb):
    s = scenario(BASE + "expect: {not_fired: [demo-internal]}\n")
    got = compare(s, result(fired=("demo-internal",)), demo_kb)
    assert got.missing == ()
    assert got.unexpected == ("rule demo-internal fired (expected not to)",)


def test_aliases_resolve_to_the_rule(demo_kb):
    s = scenario(BASE + "expect: {fired: [demo-old-fits]}\n")
    assert compare(s, result(fired=("demo-fits",)), demo_kb).status == PASSED
    assert compare(s, result(fired=()), demo_kb).status == FAILED


def test_finding_pair_matches_topic_and_severity_together(demo_kb):
    s = scenario(BASE + "expect:\n  findings: [{topic: fee_limit, severity: error}]\n")
    r = result(findings=(finding("x", "fee_limit", "warning"), finding("y", "code_fit", "error")))
    got = compare(s, r, demo_kb)
    assert got.missing == ("a finding fee_limit/error (got fee_limit/warning, code_fit/error)",)


def test_suggestions_are_compared_in_order(demo_kb):
    s = scenario(BASE + "expect: {suggestions: [D9961, D9910]}\n")
    swapped = (Suggestion("D9910", "n", 0.9, "r"), Suggestion("D9961", "n", 0.8, "r"))
    got = compare(s, result(suggestions=swapped), demo_kb)
    assert got.missing == ("suggestions starting D9961, D9910 (got D9910, D9961)",)


def test_missing_facts_split_into_missing_and_unexpected(demo_kb):
    s = scenario(BASE + "expect: {missing_facts: [request.requester, service.kind]}\n")
    r = result(verdict="needs-review", missing_facts=("service.kind", "procedure.fee"))
    got = compare(s, r, demo_kb)
    assert got.missing == ("missing fact request.requester (not reported missing)",)
    assert got.unexpected == ("missing fact procedure.fee reported (not expected)",)


def test_missing_facts_not_stated_are_not_compared(demo_kb):
    s = scenario(BASE + "expect: {verdict: needs-review}\n")
    r = result(verdict="needs-review", missing_facts=("service.kind",))
    assert compare(s, r, demo_kb).status == PASSED


def test_todo_turns_a_failure_into_xfail_and_a_pass_into_xpass(demo_kb):
    s = scenario(BASE + "expect: {verdict: inappropriate, todo: rule not written yet}\n")
    failing = compare(s, result(verdict="appropriate"), demo_kb)
    assert (failing.status, failing.todo, failing.ok) == (XFAILED, "rule not written yet", True)
    assert failing.missing  # the difference is kept for whoever closes the gap
    passing = compare(s, result(verdict="inappropriate"), demo_kb)
    assert (passing.status, passing.ok) == (XPASSED, False)


def test_unknown_rule_is_an_error_at_its_line_with_did_you_mean(demo_kb):
    s = scenario(BASE + "expect:\n  fired: [demo-fits]\n  not_fired: [demo-interal]\n")
    got = compare(s, result(fired=("demo-fits",)), demo_kb)
    assert got.status == ERROR
    (diag,) = got.errors
    assert (diag.path, diag.line, diag.col) == ("case.yaml", 5, 15)
    assert "demo-interal" in diag.message
    assert diag.hint == "did you mean 'demo-internal'?"


def test_result_error_is_an_error(demo_kb):
    from engine.errors import Diagnostic
    s = scenario(BASE + "expect: {verdict: appropriate}\n")
    boom = Diagnostic("case.yaml", 1, 1, "engine failed")
    got = compare(s, result(verdict=None, error=(boom,)), demo_kb)
    assert (got.status, got.errors) == (ERROR, (boom,))


def test_why_not_names_each_condition_with_the_value_seen(demo_kb, demo_judge):
    s = scenario(BASE + "service: {kind: consultation}\nrequest: {requester: patient}\n"
                 "expect: {fired: [demo-fits, demo-outside-request]}\n")
    calls = []

    def trace_of(item):
        calls.append(item.id)
        return demo_judge.trace(item)[0]

    got = outcome_for(s, demo_judge.result(s), demo_kb, trace_of)
    assert calls == ["case"]
    (reason,) = got.why_not
    assert reason.rule == "demo-fits"
    checks = {c.text: (c.seen, c.met) for c in reason.checks}
    assert checks["service.kind is records_duplication"] == ("consultation", False)
    assert checks["procedure.code is D9961"] == ("D9961", True)
    assert checks["derived fact 'outside'"] == (True, True)


def test_why_not_follows_a_derived_fact_to_the_rule_that_did_not_derive_it(demo_kb, demo_judge):
    s = scenario(BASE + "service: {kind: records_duplication}\nrequest: {requester: practice_itself}\n"
                 "expect: {fired: [demo-fits]}\n")
    got = outcome_for(s, demo_judge.result(s), demo_kb, lambda item: demo_judge.trace(item)[0])
    assert [w.rule for w in got.why_not] == ["demo-fits", "demo-outside-request"]
    fits, outside = ({c.text: (c.seen, c.met) for c in w.checks} for w in got.why_not)
    assert fits["derived fact 'outside'"] == (False, False)
    assert outside["request.requester in [patient, dentist, attorney]"] == ("practice_itself", False)


def test_no_trace_is_taken_when_every_expected_rule_fired(demo_kb, demo_judge):
    s = scenario(BASE + "request: {requester: patient}\n"
                 "expect: {fired: [demo-outside-request], verdict: appropriate}\n")
    got = outcome_for(s, demo_judge.result(s), demo_kb, lambda item: pytest.fail("trace asked for"))
    assert got.status == FAILED and got.why_not == ()


def test_scenario_without_expect_passes_trivially(demo_kb):
    s = replace(scenario(BASE), expect=None)
    assert compare(s, result(), demo_kb).status == PASSED
