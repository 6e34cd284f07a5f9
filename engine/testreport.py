"""Render a test suite's outcomes: text for a person, JSON for programs, JUnit XML for CI.

The same :func:`detail_text` is printed by ``cdt-companion test`` and by the pytest plugin's
``repr_failure``, so a failing scenario reads the same wherever it is run. Nothing here reads
the clock: JUnit XML carries no timestamps or durations, so two runs give identical bytes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any, Sequence

from .expectations import ERROR, FAILED, PASSED, XFAILED, XPASSED, Outcome
from .formats import dumps, stamp, why_not_text
from .model import KnowledgeBase
from .suite import Coverage, SuiteReport, coverage_dict

LABELS = {PASSED: "PASS", FAILED: "FAIL", XFAILED: "XFAIL", XPASSED: "FAIL", ERROR: "ERROR"}
TODO_PASSES = "todo passes now: remove the todo"


def headline(outcome: Outcome) -> str:
    """``PASS id (file:line)`` and its kin: one line per scenario."""
    text = f"{LABELS[outcome.status]} {outcome.scenario} ({outcome.file}:{outcome.line})"
    if outcome.status == XFAILED:
        text += f"  todo: {outcome.todo}"
    if outcome.status == XPASSED:
        text += f"  {TODO_PASSES} ({outcome.todo})"
    return text


def detail_text(outcome: Outcome) -> str:
    """What went wrong: diagnostics, then missing and unexpected apart, then each why-not."""
    lines: list[str] = [str(d) for d in outcome.errors]
    if outcome.status == XPASSED:
        lines.append(f"{TODO_PASSES}: every expectation holds (todo: {outcome.todo})")
    if outcome.missing:
        lines.append("missing (expected, not found):")
        lines.extend(f"  - {m}" for m in outcome.missing)
    if outcome.unexpected:
        lines.append("unexpected (found, though ruled out):")
        lines.extend(f"  - {u}" for u in outcome.unexpected)
    for reason in outcome.why_not:
        lines.extend(why_not_text(reason.rule, False, reason.checks).rstrip("\n").split("\n"))
    return "\n".join(lines) + ("\n" if lines else "")


def outcome_text(outcome: Outcome) -> str:
    """The headline and, unless the case passed, its detail indented beneath it."""
    text = headline(outcome) + "\n"
    if outcome.status in (PASSED, XFAILED):
        return text
    body = detail_text(outcome)
    return text + "".join(f"  {line}\n" for line in body.splitlines())


def summary_line(report: SuiteReport) -> str:
    """``N passed, N failed`` then, when not zero, errors, xfailed and skipped."""
    parts = [f"{report.count(PASSED)} passed", f"{report.count(FAILED)} failed"]
    errors = report.count(ERROR)
    if errors:
        parts.append(f"{errors} error" + ("s" if errors != 1 else ""))
    if report.count(XFAILED):
        parts.append(f"{report.count(XFAILED)} xfailed")
    if report.skipped:
        parts.append(f"{report.skipped} skipped")
    return ", ".join(parts) + "\n"


def coverage_text(cov: Coverage) -> str:
    """Rules no scenario made fire, and seed statements no scenario exercised."""
    lines = [f"rule coverage: {cov.fired_count}/{len(cov.rules)} ({cov.percent:.1f}%)"]
    lines.extend(f"  not fired: {rule}" for rule in cov.unfired)
    done = len(cov.statements) - len(cov.unexercised)
    lines.append(f"seed statements exercised: {done}/{len(cov.statements)}")
    lines.extend(f"  not exercised: {sid} (rules: {', '.join(rids)})" for sid, rids in cov.unexercised)
    return "\n".join(lines) + "\n"


def outcome_dict(outcome: Outcome) -> dict[str, Any]:
    return {"scenario": outcome.scenario, "file": outcome.file, "line": outcome.line,
            "status": outcome.status, "todo": outcome.todo, "missing": list(outcome.missing),
            "unexpected": list(outcome.unexpected), "fired": list(outcome.fired),
            "errors": [d.to_dict() for d in outcome.errors],
            "why_not": [{"rule": w.rule, "conditions": [c.__dict__ for c in w.checks]}
                        for w in outcome.why_not]}


def report_json(report: SuiteReport, kb: KnowledgeBase, cov: Coverage | None) -> str:
    """One JSON document: the stamp, every outcome, the tally and (if asked) coverage."""
    counts = {"passed": report.count(PASSED), "failed": report.count(FAILED),
              "errors": report.count(ERROR), "xfailed": report.count(XFAILED)}
    data: dict[str, Any] = {**stamp(kb), "outcomes": [outcome_dict(o) for o in report.outcomes],
                            "summary": {**counts, "skipped": report.skipped}}
    if cov is not None:
        data["coverage"] = coverage_dict(cov)
    return dumps(data) + "\n"


def junit_xml(report: SuiteReport, kb: KnowledgeBase) -> str:
    """JUnit XML: one testcase per scenario (name = id, classname = file); xfail is skipped."""
    outcomes: Sequence[Outcome] = report.outcomes
    suite = ET.Element("testsuite", {
        "name": "cdt-companion", "tests": str(len(outcomes)),
        "failures": str(report.count(FAILED)), "errors": str(report.count(ERROR)),
        "skipped": str(report.count(XFAILED))})
    props = ET.SubElement(suite, "properties")
    for key, value in sorted(stamp(kb).items()):
        ET.SubElement(props, "property", {"name": key, "value": str(value)})
    for o in outcomes:
        case = ET.SubElement(suite, "testcase", {"name": o.scenario, "classname": o.file,
                                                 "file": o.file, "line": str(o.line)})
        _junit_result(case, o)
    root = ET.Element("testsuites", {"tests": suite.get("tests", "0"),
                                     "failures": suite.get("failures", "0"),
                                     "errors": suite.get("errors", "0"),
                                     "skipped": suite.get("skipped", "0")})
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _junit_result(case: ET.Element, o: Outcome) -> None:
    if o.status == XFAILED:
        ET.SubElement(case, "skipped", {"type": "xfail", "message": f"todo: {o.todo}"})
    elif o.status in (FAILED, XPASSED):
        first = (o.missing + o.unexpected)[:1] or (TODO_PASSES,)
        ET.SubElement(case, "failure", {"message": first[0]}).text = detail_text(o)
    elif o.status == ERROR:
        message = o.errors[0].message if o.errors else "error"
        ET.SubElement(case, "error", {"message": message}).text = detail_text(o)
