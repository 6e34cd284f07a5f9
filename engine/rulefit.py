"""Would another code pass its own rules for these facts? The "fit" signal of suggestions.

A suggestion should not be a code that the knowledge base would reject just as firmly as the
one billed (D9961 for the office's own backup copies, D9911 for a desensitizing varnish). So
for each candidate the scenario's facts are re-judged in plain Python (the reference semantics
of engine/conditions.py, no rules engine) as if the candidate had been billed: first the derived
facts by forward chaining, then the rules about coding (fit, validity, originals) that name the
candidate or any code. Rules about paperwork, consent or fees are left out on purpose: a missing
authorization makes a disclosure non-compliant, it does not make D9961 the wrong code.
"""

from __future__ import annotations

from typing import Any, Mapping

from .conditions import holds
from .enrich import code_facts
from .model import KnowledgeBase, Rule

CODING_TOPICS = ("code_fit", "code_validity", "originals")


def own_rules(code: str, facts: Mapping[str, Any], kb: KnowledgeBase) -> tuple[str, list[str]]:
    """("accepted" | "rejected" | "silent", the deciding rule ids) for ``code`` on these facts."""
    as_billed = with_code(code, facts, kb)
    derived = derive(as_billed, kb)
    rejected, accepted = [], []
    for rule in kb.rules:
        if rule.topic not in CODING_TOPICS or (rule.codes and code not in rule.codes):
            continue
        if rule.verdict not in ("inappropriate", "appropriate"):
            continue
        if holds(rule.when, as_billed, kb.tables, derived=derived):
            (rejected if rule.verdict == "inappropriate" else accepted).append(rule.id)
    if rejected:
        return "rejected", sorted(rejected)
    if accepted:
        return "accepted", sorted(accepted)
    return "silent", []


def with_code(code: str, facts: Mapping[str, Any], kb: KnowledgeBase) -> dict[str, Any]:
    """The scenario's facts as if ``code`` had been billed (catalog facts recomputed)."""
    out = dict(facts)   # shallow: only these two keys change, and conditions never write
    out["procedure"] = {**(out.get("procedure") or {}), "code": code}
    out["code"] = code_facts(code, kb.codes, out.get("date_of_service"))
    return out


def derive(facts: Mapping[str, Any], kb: KnowledgeBase) -> frozenset[str]:
    """Every derived fact these facts lead to, by forward chaining until nothing new appears."""
    derived: frozenset[str] = frozenset()
    producers: list[Rule] = [r for r in kb.rules if r.derive]
    while True:
        new = {name for rule in producers if not set(rule.derive) <= derived
               and holds(rule.when, facts, kb.tables, derived=derived) for name in rule.derive}
        if new <= derived:
            return derived
        derived = derived | new
