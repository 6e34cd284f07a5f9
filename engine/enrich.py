"""Turn a validated scenario into the fact the engine sees.

Adds what rules need but the engine cannot compute: the billed code normalised and looked up
in the catalog (``code.*``), and the values of computed operands (``calc.*``: day counts,
record counts, look-ups into facts/), named by the compiler.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from .conditions import operand_value
from .model import CodeEntry, KnowledgeBase, Scenario

_CODE = re.compile(r"D[0-9]{4}")
_SEPARATORS = re.compile(r"[\s\-_.]+")


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
    normalized, reformatted = normalize_code(raw)
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
