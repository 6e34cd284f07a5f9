"""Would another code pass its own rules for these facts? The "fit" signal of suggestions.

A suggestion should not be a code that the knowledge base would reject just as firmly as the
one billed (D9961 for the office's own backup copies, D9911 for a desensitizing varnish). So
for each candidate the scenario's facts are re-judged in plain Python (the reference semantics
of engine/conditions.py, no rules engine) as if the candidate had been billed: first the derived
facts by forward chaining, then the rules about coding (fit, validity, originals) that name the
candidate or any code. Rules about paperwork, consent or fees are left out on purpose: a missing
authorization makes a disclosure non-compliant, it does not make D9961 the wrong code.

A batch re-judges the same few candidates again and again, so each outcome is remembered per
kb, keyed on the candidate and exactly the fact values its rules (and the derivations they
need) read, with their types; facts a key cannot stand for are judged afresh.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from .conditions import GROUPS, RECORD_OPS, derived_names, holds
from .enrich import code_facts
from .model import Condition, KnowledgeBase, Rule, lookup

CODING_TOPICS = ("code_fit", "code_validity", "originals")
MEMO_LIMIT = 4096          # entries per memo table; a batch repeats a few dozen fact patterns


def own_rules(code: str, facts: Mapping[str, Any], kb: KnowledgeBase) -> tuple[str, list[str]]:
    """("accepted" | "rejected" | "silent", the deciding rule ids) for ``code`` on these facts.

    Remembered per kb, keyed on the code and exactly the values its rules (and, when they read
    a derived fact, the derivations) can read: a batch re-judges the same few candidates for
    scenarios that differ only in facts these rules never look at (issue 8)."""
    memo = per_kb(kb)
    reads = _reads(kb, code)
    if not reads.decides:                 # nothing could accept or reject it: no need to re-judge
        return "silent", []
    key = reads.key(code, facts)
    if key is None:                       # facts of a shape the key cannot hold: judge afresh
        return judge_as_billed(code, facts, kb)
    table = _bounded(memo, "own_rules")
    hit = table.get(key)
    if hit is None:
        verdict, ids = judge_as_billed(code, facts, kb)
        hit = table[key] = verdict, tuple(ids)
    return hit[0], list(hit[1])


def judge_as_billed(code: str, facts: Mapping[str, Any], kb: KnowledgeBase) -> tuple[str, list[str]]:
    """The plain re-judgement behind :func:`own_rules`, with no memo."""
    rules, reads_derived = _coding_rules(kb, code)
    if not rules:
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


@dataclass(frozen=True)
class _Reads:
    """What a code's coding rules (and the derivations they need) can read of the facts."""

    decides: bool                           # it has coding rules at all
    keyable: bool                           # no calculation is read (its inputs are only declared)
    paths: tuple[str, ...]                  # scenario fact paths, as in the scenario's own facts
    record_fields: tuple[str, ...] | None   # fields of each record (and their order and number)
    year: bool                              # ``code.dos_year``: the year of service

    def key(self, code: str, facts: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The memo key of :func:`own_rules`: the code and every value its re-judgement can
        read, each with its type (``True`` and ``1`` compare alike but ``gt`` tells them
        apart). None when a calculation is read or the facts have an odd shape."""
        procedure = facts.get("procedure")
        if not self.keyable or (procedure is not None and type(procedure) is not dict):
            return None
        try:
            key = [code, *[frozen(lookup(facts, p)) for p in self.paths]]
            date_of_service = facts.get("date_of_service")
            if self.year:
                key.append(_year_key(date_of_service))
            elif date_of_service and not _year_readable(date_of_service):
                return None              # with_code would fail on it: let it, every time
            if self.record_fields is not None:
                key.append(_record_values(facts.get("records"), self.record_fields))
        except TypeError:                    # a value of an unexpected type or shape
            return None
        return tuple(key)


@dataclass
class _Found:
    """What a walk over conditions has seen them read so far."""

    paths: set[str] = field(default_factory=set)
    record_fields: set[str] = field(default_factory=set)
    records: bool = False
    calculation: bool = False


def fit_key(code: str, facts: Mapping[str, Any], kb: KnowledgeBase) -> tuple[Any, ...] | None:
    """The key own_rules remembers ``code`` on these facts by (None: it judges afresh)."""
    return _reads(kb, code).key(code, facts)


def _year_key(date_of_service: Any) -> Any:
    """All that enrich.code_facts reads of the date of service: whether there is one and, for
    text, its first four characters (the year); anything else is kept whole."""
    if type(date_of_service) is str:
        return "year", date_of_service[:4]
    return frozen(date_of_service)


def _year_readable(date_of_service: Any) -> bool:
    """Whether enrich.code_facts can read a year from this (truthy) date of service."""
    try:
        int(date_of_service[:4])
    except Exception:
        return False
    return True


def _record_values(records: Any, fields: tuple[str, ...]) -> Any:
    """The fields of every record, in order; records of another shape make no key."""
    if records is None:
        return None
    if type(records) is not list or any(type(r) is not dict for r in records):
        raise TypeError("records of an unexpected shape")
    return tuple(tuple(frozen(lookup(r, f)) for f in fields) for r in records)


def frozen(value: Any) -> Any:
    """A hashable stand-in for a fact value that equals another only for the same value of the
    same type, all the way down (so a memo keyed on it cannot confuse ``1`` with ``True``)."""
    kind = type(value)
    if kind is dict:
        return kind, tuple((k, frozen(v)) for k, v in value.items())
    if kind is list:
        return kind, tuple(frozen(v) for v in value)
    hash(value)                          # anything else must be hashable as it is
    return kind, value


def _reads(kb: KnowledgeBase, code: str) -> _Reads:
    """What judge_as_billed(code) reads of the facts, once per kb and catalog code (a code
    written any other way is not kept, so the memo cannot grow)."""
    memo = per_kb(kb) if code in kb.codes else {}
    key = ("reads", code)
    if key not in memo:
        rules, _ = _coding_rules(kb, code)
        found = _Found()
        for rule in [*rules, *_producers_read(kb, rules)]:
            _collect(rule.when, found)
        memo[key] = _as_reads(found, bool(rules))
    return memo[key]


def _producers_read(kb: KnowledgeBase, rules: tuple[Rule, ...]) -> list[Rule]:
    """The rules that derive a fact these rules test, and those that derive the facts they
    test in turn. Conditions only test that a derived fact is present, so whether one is
    derived depends on these rules alone. derive() still runs the others, so they may be
    left out of the key only if no facts can make them fail; else all producers are read."""
    wanted = {name for rule in rules for name in derived_names(rule.when)}
    if not wanted:
        return []
    chosen: list[Rule] = []
    grew = True
    while grew:
        grew = False
        for rule in kb.rules:
            if rule.derive and rule not in chosen and wanted & set(rule.derive):
                chosen.append(rule)
                wanted |= set(derived_names(rule.when))
                grew = True
    others = [r for r in kb.rules if r.derive and r not in chosen]
    return chosen if all(_cannot_fail(r.when) for r in others) else [r for r in kb.rules if r.derive]


def _cannot_fail(cond: Condition) -> bool:
    """Whether holds() returns for any facts: only groups, derived facts and a fact compared
    with a literal (no dates to parse, tables to index, records to walk or calculations)."""
    if cond.op in GROUPS:
        return all(_cannot_fail(c) for c in cond.children)
    if cond.op == "derived":
        return True
    operand = cond.operand or {}
    return cond.op not in RECORD_OPS and set(operand) == {"fact"} and not isinstance(cond.value, dict)


def _as_reads(found: _Found, decides: bool) -> _Reads:
    """Paths as with_code leaves them: ``procedure.code`` is the candidate itself, and
    ``code.*`` follows from it and the catalog, but for ``code.dos_year`` (the date of service)."""
    code_paths = {p for p in found.paths if p == "code" or p.startswith("code.")}
    constant = {p for p in found.paths if p == "procedure.code" or p.startswith("procedure.code.")}
    year = any(p in ("code", "code.dos_year") or p.startswith("code.dos_year.") for p in code_paths)
    return _Reads(decides, not found.calculation, tuple(sorted(found.paths - code_paths - constant)),
                  tuple(sorted(found.record_fields)) if found.records else None, year)


def _collect(cond: Condition, found: _Found, in_record: bool = False) -> None:
    """Note what ``cond`` reads, as conditions.holds evaluates it."""
    if cond.op in GROUPS:
        for child in cond.children:
            _collect(child, found, in_record)
    elif cond.op in RECORD_OPS:
        found.records = True
        _collect(cond.children[0], found, True)
    elif cond.op != "derived":
        for operand in (cond.operand, cond.value):
            if isinstance(operand, dict):
                _collect_operand(operand, found, in_record)


def _collect_operand(operand: Mapping[str, Any], found: _Found, in_record: bool) -> None:
    if "fact" in operand:
        (found.record_fields if in_record else found.paths).add(operand["fact"])
    elif "days_between" in operand:
        found.paths.update(operand["days_between"])
    elif "count_records" in operand:
        found.records = True
        _collect(operand["count_records"], found, True)
    elif "calc" in operand:
        found.calculation = True
    elif "by" in operand:
        found.paths.add(operand["by"])


def memo_table(kb: KnowledgeBase, name: str, limit: int | None = None) -> dict[Any, Any]:
    """A named memo of this kb, emptied when it reaches ``limit`` (default MEMO_LIMIT) entries
    so it stays bounded."""
    return _bounded(per_kb(kb), name, limit)


def _bounded(memo: dict[Any, Any], name: str, limit: int | None = None) -> dict[Any, Any]:
    table = memo.get(name)
    if table is None or len(table) >= (MEMO_LIMIT if limit is None else limit):
        table = memo[name] = {}
    return table


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
