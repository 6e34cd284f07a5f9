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

from .conditions import derived_names, holds
from .enrich import code_facts
from .model import KnowledgeBase, Rule

CODING_TOPICS = ("code_fit", "code_validity", "originals")


def own_rules(code: str, facts: Mapping[str, Any], kb: KnowledgeBase) -> tuple[str, list[str]]:
    """("accepted" | "rejected" | "silent", the deciding rule ids) for ``code`` on these facts."""
    rules, reads_derived = _coding_rules(kb, code)
    if not rules:                         # nothing could accept or reject it: no need to re-judge
        return "silent", []
    as_billed = with_code(code, facts, kb)
    # Conditions only ever test that a derived fact is present, so chaining is needed only
    # when one of these rules reads a derived fact.
    derived = derive(as_billed, kb) if reads_derived else frozenset()
    rejected, accepted = [], []
    for rule in rules:
        if holds(rule.when, as_billed, kb.tables, derived=derived):
            (rejected if rule.verdict == "inappropriate" else accepted).append(rule.id)
    if rejected:
        return "rejected", sorted(rejected)
    if accepted:
        return "accepted", sorted(accepted)
    return "silent", []


def _coding_rules(kb: KnowledgeBase, code: str) -> tuple[tuple[Rule, ...], bool]:
    """The rules that decide whether ``code`` fits (coding topics, naming it or any code, with
    a verdict), in kb order, and whether any of them reads a derived fact. Once per kb and
    catalog code (a code written any other way is not kept, so the memo cannot grow)."""
    memo = per_kb(kb) if code in kb.codes else {}
    key = ("coding_rules", code)
    if key not in memo:
        rules = tuple(r for r in kb.rules if r.topic in CODING_TOPICS and (not r.codes or code in r.codes)
                      and r.verdict in ("inappropriate", "appropriate"))
        memo[key] = rules, any(derived_names(r.when) for r in rules)
    return memo[key]


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


_PER_KB: dict[int, tuple[KnowledgeBase, dict[Any, Any]]] = {}


def per_kb(kb: KnowledgeBase) -> dict[Any, Any]:
    """A memo for values that depend only on this knowledge base (its rules, codes, tables),
    so suggestions for a batch work them out once. Keyed on the kb object itself: a kb is
    never changed once loaded (a changed one is a new object), and the entry holds the kb
    so its id cannot be reused by another while it is cached."""
    hit = _PER_KB.get(id(kb))
    if hit is None or hit[0] is not kb:
        if len(_PER_KB) >= 8:            # tests load many small kbs; a batch uses one
            _PER_KB.clear()
        hit = _PER_KB[id(kb)] = (kb, {})
    return hit[1]
