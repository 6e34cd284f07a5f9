"""Compare what a scenario's ``expect:`` block asks for with what the engine concluded.

Pure functions: a :class:`Result` (and, for the why-nots, the evaluation :class:`Trace`) in,
an :class:`Outcome` value out. A failure keeps what was *missing* (expected but absent) apart
from what was *unexpected* (present but ruled out), so a reader sees at once whether a rule
stopped firing or started firing. A ``todo:`` marks a known gap: the failure is expected
(xfail), and a todo that passes is itself reported, so the mark does not outlive the gap.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

from .errors import Diagnostic
from .explain import Check, why_not
from .model import Condition, Expect, KnowledgeBase, Result, Scenario, Trace
from .spelling import did_you_mean

PASSED, FAILED, XFAILED, XPASSED, ERROR = "passed", "failed", "xfailed", "xpassed", "error"


@dataclass(frozen=True)
class WhyNot:
    """Why an expected rule did not fire: each of its conditions, met or not, with the value seen."""

    rule: str
    checks: tuple[Check, ...]


@dataclass(frozen=True)
class Outcome:
    """The verdict of a test case: passed, failed, xfailed, xpassed (a todo that passes) or error."""

    scenario: str
    file: str
    line: int
    status: str
    missing: tuple[str, ...] = ()
    unexpected: tuple[str, ...] = ()
    why_not: tuple[WhyNot, ...] = ()
    errors: tuple[Diagnostic, ...] = ()
    todo: str | None = None
    fired: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when this case does not fail the suite (passed or a known, still-open gap)."""
        return self.status in (PASSED, XFAILED)


def unknown_rules(scenario: Scenario, kb: KnowledgeBase) -> tuple[Diagnostic, ...]:
    """An expectation naming a rule that is neither a kb rule id nor an alias is an error."""
    expect = scenario.expect
    if expect is None:
        return ()
    names = [r.id for r in kb.rules] + [a for r in kb.rules for a in r.aliases]
    out: list[Diagnostic] = []
    for key in ("fired", "not_fired"):
        for i, rule_id in enumerate(getattr(expect, key)):
            if kb.rule(rule_id) is None:
                line, col = scenario.positions.get(f"expect.{key}[{i}]", (expect.line or scenario.line, 1))
                out.append(Diagnostic(scenario.file, line, col,
                                      f"expect.{key} names rule '{rule_id}', which is not in the "
                                      "knowledge base", did_you_mean(rule_id, names)))
    return tuple(out)


def compare(scenario: Scenario, result: Result, kb: KnowledgeBase,
            trace: Trace | None = None) -> Outcome:
    """The outcome of one scenario with ``expect:``; ``trace`` feeds the why-nots of failures."""
    expect = scenario.expect
    base = Outcome(scenario.id, scenario.file, scenario.line, PASSED,
                   todo=expect.todo if expect else None, fired=result.fired)
    problems = unknown_rules(scenario, kb)
    if result.error or problems:
        return replace(base, status=ERROR, errors=tuple(result.error) + problems)
    if expect is None:
        return base
    missing, unexpected = differences(expect, result, kb)
    failed = bool(missing or unexpected)
    reasons = _why_nots(expect, result, scenario, trace, kb) if failed else ()
    if expect.todo:
        status = XFAILED if failed else XPASSED
    else:
        status = FAILED if failed else PASSED
    return replace(base, status=status, missing=missing, unexpected=unexpected, why_not=reasons)


def differences(expect: Expect, result: Result, kb: KnowledgeBase) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What was expected but absent, and what was present but ruled out, as readable lines."""
    missing: list[str] = []
    unexpected: list[str] = []
    if expect.verdict is not None and expect.verdict != result.verdict:
        missing.append(f"verdict {expect.verdict} (got {result.verdict})")
    fired = set(result.fired)
    for rule_id in expect.fired:
        if _canonical(rule_id, kb) not in fired:
            missing.append(f"rule {rule_id} to fire (it did not)")
    for rule_id in expect.not_fired:
        if _canonical(rule_id, kb) in fired:
            unexpected.append(f"rule {rule_id} fired (expected not to)")
    for topic, severity in expect.findings:
        if not any(_matches(f.topic, f.severity, topic, severity) for f in result.findings):
            missing.append(f"a finding {_pair(topic, severity)} (got {_findings_text(result)})")
    got = tuple(s.code for s in result.suggestions[: len(expect.suggestions)])
    if expect.suggestions and got != expect.suggestions:
        shown = ", ".join(s.code for s in result.suggestions) or "none"
        missing.append(f"suggestions starting {', '.join(expect.suggestions)} (got {shown})")
    if expect.missing_facts is not None:
        want, have = set(expect.missing_facts), set(result.missing_facts)
        missing.extend(f"missing fact {p} (not reported missing)" for p in sorted(want - have))
        unexpected.extend(f"missing fact {p} reported (not expected)" for p in sorted(have - want))
    return tuple(missing), tuple(unexpected)


def _canonical(rule_id: str, kb: KnowledgeBase) -> str:
    rule = kb.rule(rule_id)
    return rule.id if rule else rule_id


def _matches(topic: str, severity: str, want_topic: str | None, want_severity: str | None) -> bool:
    return (want_topic is None or topic == want_topic) and (want_severity is None or severity == want_severity)


def _pair(topic: str | None, severity: str | None) -> str:
    return f"{topic or 'any topic'}/{severity or 'any severity'}"


def _findings_text(result: Result) -> str:
    return ", ".join(f"{f.topic}/{f.severity}" for f in result.findings) or "no findings"


def _why_nots(expect: Expect, result: Result, scenario: Scenario, trace: Trace | None,
              kb: KnowledgeBase) -> tuple[WhyNot, ...]:
    if trace is None:
        return ()
    derived = {name for firing in trace.firings for name in firing.derived}
    queue = [r for r in (kb.rule(rid) for rid in expect.fired) if r is not None and r.id not in result.fired]
    out: list[WhyNot] = []
    seen: set[str] = set()
    while queue:
        rule = queue.pop(0)
        if rule.id in seen:
            continue
        seen.add(rule.id)
        out.append(WhyNot(rule.id, tuple(why_not(rule, scenario, trace, kb))))
        # a derived fact that was never derived: show why its rules did not fire either
        missing = {name for name in _derived_names(rule.when) if name not in derived}
        queue.extend(r for r in kb.rules if missing & set(r.derive) and r.id not in result.fired)
    return tuple(out)


def _derived_names(cond: Condition) -> list[str]:
    if cond.op == "derived":
        return [cond.name] if cond.name else []
    return [name for child in cond.children for name in _derived_names(child)]


def needs_trace(scenario: Scenario, result: Result, kb: KnowledgeBase) -> bool:
    """Whether some expected rule did not fire, so the outcome wants the trace for its why-not."""
    expect = scenario.expect
    if expect is None or result.error:
        return False
    return any(kb.rule(r) is not None and kb.rule(r).id not in result.fired for r in expect.fired)


def outcome_for(scenario: Scenario, result: Result, kb: KnowledgeBase,
                trace_of: Callable[[Scenario], Trace]) -> Outcome:
    """Compare, asking ``trace_of`` for the trace only when a why-not is needed."""
    trace = trace_of(scenario) if needs_trace(scenario, result, kb) else None
    return compare(scenario, result, kb, trace)


__all__ = ["Outcome", "WhyNot", "compare", "differences", "unknown_rules", "outcome_for",
           "needs_trace", "PASSED", "FAILED", "XFAILED", "XPASSED", "ERROR"]
