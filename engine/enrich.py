"""Turn a validated scenario into the fact the engine sees.

Adds what rules need but the engine cannot compute: the billed code normalised and looked up
in the catalog (``code.*``), and the values of computed operands (``calc.*``: day counts,
record counts, look-ups into facts/), named by the compiler.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from .conditions import operand_function, operand_value
from .model import CodeEntry, KnowledgeBase, Scenario

_CODE = re.compile(r"D[0-9]{4}")
_SEPARATORS = re.compile(r"[\s\-_.]+")
Operand = Callable[[Mapping[str, Any]], Any]


def normalize_code(raw: str) -> tuple[str | None, bool]:
    """(the code in canonical form or None if malformed, whether it needed reformatting).

    Only harmless differences are repaired: case, surrounding spaces, separators
    (``d9961``, `` D9961 ``, ``d-9961``). A missing prefix or digit is not guessed.
    """
    if _CODE.fullmatch(raw):
        return raw, False
    cleaned = _SEPARATORS.sub("", raw).upper()
    if _CODE.fullmatch(cleaned):
        return cleaned, True
    return None, False


def code_facts(raw: str, codes: Mapping[str, CodeEntry], date_of_service: str | None) -> dict[str, Any]:
    """The ``code.*`` facts for a billed code."""
    return _code_facts(normalize_code(raw), codes, date_of_service)


def _code_facts(normalized_code: tuple[str | None, bool], codes: Mapping[str, CodeEntry],
                date_of_service: str | None) -> dict[str, Any]:
    normalized, reformatted = normalized_code
    facts: dict[str, Any] = {"malformed": normalized is None, "reformatted": reformatted,
                             "known": normalized in codes}
    entry = codes.get(normalized or "")
    if entry is not None:
        facts.update(nature=entry.nature, added=entry.added, removed=entry.removed,
                     service_kind=entry.service_kind)
    if date_of_service:
        facts["dos_year"] = int(date_of_service[:4])
    return {k: v for k, v in facts.items() if v is not None}


def asserted_fact(scenario: Scenario, kb: KnowledgeBase, calculations: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The scenario fact handed to the engine (the scenario's own facts are not changed)."""
    # Only ``procedure`` is changed and ``code``/``calc`` added: a shallow copy of those keeps the
    # scenario untouched without the deep copy that cost a third of enrichment.
    facts = dict(scenario.facts)
    procedure = facts["procedure"] = dict(facts["procedure"])
    normalized = normalize_code(str(procedure["code"]))
    prepared = _prepared(calculations, kb)
    code = prepared.code_facts(normalized, facts.get("date_of_service"))
    if normalized[0]:
        procedure["code"] = normalized[0]
    facts["code"] = code
    calc = {}
    for name, value_of in prepared.operands:
        value = value_of(facts)
        if value is not None:
            calc[name] = value
    if calc:
        facts["calc"] = calc
    return facts


CODE_FACTS_LIMIT = 1024      # (code as billed, year) pairs; a batch bills a few dozen


@dataclass
class _Prepared:
    """What enrichment works out once for a kb and its named operands."""

    codes: Mapping[str, CodeEntry]
    operands: tuple[tuple[str, Operand], ...]
    by_code: dict[tuple[Any, ...], dict[str, Any]] = field(default_factory=dict)

    def code_facts(self, normalized: tuple[str | None, bool], date_of_service: Any) -> dict[str, Any]:
        """_code_facts, remembered by the code as read and all it reads of the date (whether
        there is one and its first four characters); a fresh dict each time, as the engine
        is handed it."""
        if type(date_of_service) is not str and date_of_service is not None:
            return _code_facts(normalized, self.codes, date_of_service)
        key = (*normalized, date_of_service and date_of_service[:4])
        hit = self.by_code.get(key)
        if hit is None:
            if len(self.by_code) >= CODE_FACTS_LIMIT:
                self.by_code.clear()
            hit = self.by_code[key] = _code_facts(normalized, self.codes, date_of_service)
        return dict(hit)


_PREPARED: dict[tuple[int, int], tuple[Mapping[str, Any], KnowledgeBase, _Prepared]] = {}


def _prepared(calculations: Mapping[str, Mapping[str, Any]], kb: KnowledgeBase) -> _Prepared:
    """The preparation for these calculations and kb, made once (the entry holds both, so
    their ids cannot be reused by others while it is kept; another kb gets its own)."""
    hit = _PREPARED.get((id(calculations), id(kb)))
    if hit is None or hit[0] is not calculations or hit[1] is not kb:
        if len(_PREPARED) >= 8:          # tests make many kbs; a batch uses one
            _PREPARED.clear()
        operands = tuple((name, _operand_function(operand, kb.tables))
                         for name, operand in calculations.items())
        hit = _PREPARED[(id(calculations), id(kb))] = calculations, kb, _Prepared(kb.codes, operands)
    return hit[2]


def _operand_function(operand: Mapping[str, Any], tables: Mapping[str, Any]) -> Operand:
    """conditions.operand_function; an operand of a shape the compiler never makes is left to
    operand_value, so it fails for each scenario as it did, not for the batch."""
    try:
        return operand_function(operand, tables)
    except Exception:
        return lambda facts: operand_value(operand, facts, tables)
