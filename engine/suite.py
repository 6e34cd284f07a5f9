"""Run scenarios as a test suite: outcomes per scenario, the tally, and rule coverage.

Shared by ``cdt-companion test`` and the pytest plugin so both judge a scenario the same way.
Only documents with an ``expect:`` block are test cases; the others are counted as skipped.
A document that cannot be loaded is an error (its diagnostics are the outcome), because a
suite that silently drops a broken case would report a pass it never checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from .expectations import ERROR, FAILED, XPASSED, Outcome, outcome_for
from .model import Invalid, KnowledgeBase, Scenario
from .runner import Judge


@dataclass(frozen=True)
class SuiteReport:
    """Every test case's outcome in input order, and how many documents had no ``expect:``."""

    outcomes: tuple[Outcome, ...]
    skipped: int

    def count(self, status: str) -> int:
        """How many outcomes count under ``status`` (a todo that passes counts as failed)."""
        wanted = (FAILED, XPASSED) if status == FAILED else (status,)
        return sum(1 for o in self.outcomes if o.status in wanted)

    @property
    def exit_code(self) -> int:
        """0 all passed, 1 some failure, 2 some document could not be loaded or checked."""
        if self.count(ERROR):
            return 2
        return 1 if self.count(FAILED) else 0


@dataclass(frozen=True)
class Coverage:
    """Which rules the suite made fire, and which seed statements it exercised."""

    rules: tuple[str, ...]
    unfired: tuple[str, ...]
    statements: tuple[str, ...]
    unexercised: tuple[tuple[str, tuple[str, ...]], ...]

    @property
    def fired_count(self) -> int:
        return len(self.rules) - len(self.unfired)

    @property
    def percent(self) -> float:
        """Rule coverage in percent; an empty knowledge base is fully covered."""
        return 100.0 * self.fired_count / len(self.rules) if self.rules else 100.0


def is_case(item: Scenario | Invalid) -> bool:
    """A test case: a loaded scenario with ``expect:``, or a document that failed to load."""
    return isinstance(item, Invalid) or item.expect is not None


def outcome(judge: Judge, item: Scenario | Invalid) -> Outcome:
    """Judge one document and compare it with its expectations."""
    if isinstance(item, Invalid):
        return Outcome(item.id, item.file, item.line, ERROR, errors=item.diagnostics)
    result = judge.result(item)
    return outcome_for(item, result, judge.kb, lambda s: judge.trace(s)[0])


def run_suite(judge: Judge, items: Iterable[Scenario | Invalid]) -> SuiteReport:
    """The outcome of every test case among ``items``, in input order."""
    outcomes: list[Outcome] = []
    skipped = 0
    for item in items:
        if not is_case(item):
            skipped += 1
            continue
        outcomes.append(outcome(judge, item))
    return SuiteReport(tuple(outcomes), skipped)


def coverage(kb: KnowledgeBase, outcomes: Iterable[Outcome]) -> Coverage:
    """Rules no checked scenario made fire, and seed statements none of whose rules fired."""
    fired = {rule for o in outcomes if o.status != ERROR for rule in o.fired}
    rules = tuple(sorted(r.id for r in kb.rules))
    unfired = tuple(r for r in rules if r not in fired)
    statements = _seed_statements(kb)
    unexercised = tuple((sid, rids) for sid, rids in statements
                        if not any(_canonical(kb, r) in fired for r in rids))
    return Coverage(rules, unfired, tuple(sid for sid, _ in statements), unexercised)


def _seed_statements(kb: KnowledgeBase) -> list[tuple[str, tuple[str, ...]]]:
    """Seed statements encoded by rules (``covered_by`` not empty), in the seed's order."""
    seed = kb.tables.get("seed")
    rows = seed.get("statements") if isinstance(seed, Mapping) else None
    out: list[tuple[str, tuple[str, ...]]] = []
    for row in rows or []:
        if isinstance(row, Mapping) and row.get("covered_by"):
            out.append((str(row.get("id")), tuple(str(r) for r in row["covered_by"])))
    return out


def _canonical(kb: KnowledgeBase, rule_id: str) -> str:
    rule = kb.rule(rule_id)
    return rule.id if rule else rule_id


def coverage_dict(cov: Coverage) -> dict[str, Any]:
    """The JSON shape of a coverage report."""
    return {"rules": len(cov.rules), "fired": cov.fired_count, "percent": round(cov.percent, 1),
            "unfired": list(cov.unfired), "seed_statements": len(cov.statements),
            "seed_unexercised": [{"statement": sid, "covered_by": list(rids)}
                                 for sid, rids in cov.unexercised]}


__all__ = ["SuiteReport", "Coverage", "is_case", "outcome", "run_suite", "coverage", "coverage_dict"]
