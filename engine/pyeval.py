"""The reference semantics of the knowledge base: which rules fire, computed in plain Python.

durable_rules runs the rules in production (compiler.py → evaluator.py), but its matching is
a compiled network with known quirks that the compiler works around. This module states what a
rule set *means* without any of that machinery, so the two can be held together by a
differential test (tests/test_differential.py) and so benchmarks have a floor to compare with:

- the fact is the scenario as enrichment prepares it (normalised code, ``code.*`` catalog facts),
  built without the compiler's ``calc.*`` fields: every operand, day count, record count,
  look-up and calculation is computed here from the scenario itself by
  :func:`engine.conditions.holds`;
- a rule fires when its ``when`` holds; its derived facts are then known, and rules that need
  them are tried again, until nothing new fires (forward chaining to a fixpoint). Derived
  facts are only ever required, never negated, so the fixpoint is unique and the order in
  which rules are tried does not matter;
- each rule fires at most once per scenario.
"""

from __future__ import annotations

from typing import Any, Mapping

from .conditions import holds
from .enrich import asserted_fact
from .model import KnowledgeBase, Scenario


def fired_rules(kb: KnowledgeBase, fact: Mapping[str, Any]) -> tuple[str, ...]:
    """Ids of the rules that fire for an asserted fact, in knowledge-base order."""
    fired: set[str] = set()
    derived: set[str] = set()
    changed = True
    while changed:
        changed = False
        for rule in kb.rules:
            if rule.id in fired or not holds(rule.when, fact, kb.tables, derived=frozenset(derived)):
                continue
            fired.add(rule.id)
            changed = changed or not set(rule.derive) <= derived
            derived.update(rule.derive)
    return tuple(rule.id for rule in kb.rules if rule.id in fired)


def reference_fact(scenario: Scenario, kb: KnowledgeBase) -> dict[str, Any]:
    """The scenario as the rules see it, without the compiler's precomputed ``calc.*`` fields."""
    return asserted_fact(scenario, kb, {})


def evaluate(scenario: Scenario, kb: KnowledgeBase) -> tuple[str, ...]:
    """The rules that fire for a validated scenario, by the reference semantics."""
    return fired_rules(kb, reference_fact(scenario, kb))
