"""Seeded scenario generators for the differential and property tests.

Valid scenarios are drawn from the vocabulary itself (engine/vocabulary.py), not from a list of
realistic cases, so every field and value appears, alone and in odd combinations, and facts are
as often absent as present (absence is where rule semantics are subtle). Numbers are drawn
near the thresholds the knowledge base compares with (a rule's ``gt: 30`` gives 29, 30, 31) and
the values of its reference tables, and dates are placed at those distances from each other, so
that boundary cases are common rather than lucky.
"""

from __future__ import annotations

import copy
import datetime as _dt
import random
from typing import Any, Iterator, Mapping

from engine.model import Condition, KnowledgeBase
from engine.vocabulary import SCENARIO, Field

SECTION_ODDS = 0.6            # each optional section is present this often
FIELD_ODDS = 0.55             # each field of a present section is present this often
ODD_CODES = ("d9961", " D9961 ", "d-9961", "D 9961", "D996", "9961", "X1234", "D0000", "D99610")
DATE_FIELDS = ("date_of_service", "request.received", "request.fulfilled")


def kb_numbers(kb: KnowledgeBase) -> list[float]:
    """Numbers the rules and tables compare with, and their neighbours."""
    found: set[float] = set()
    for rule in kb.rules:
        _condition_numbers(rule.when, found)
    _table_numbers(kb.tables, found)
    near = {n + d for n in found for d in (-1, -0.01, 0, 0.01, 1)}
    return sorted(x for x in near if 0 <= x < 10_000)


def _condition_numbers(cond: Condition, found: set[float]) -> None:
    values = cond.value if isinstance(cond.value, list) else [cond.value]
    found.update(v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool))
    for child in cond.children:
        _condition_numbers(child, found)
    operand = cond.operand or {}
    if isinstance(operand.get("count_records"), Condition):
        _condition_numbers(operand["count_records"], found)


def _table_numbers(value: Any, found: set[float]) -> None:
    if isinstance(value, Mapping):
        for item in value.values():
            _table_numbers(item, found)
    elif isinstance(value, list):
        for item in value:
            _table_numbers(item, found)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        found.add(value)


class Generator:
    """Draws valid scenario documents (plain data, as YAML would give them) from a seed."""

    def __init__(self, kb: KnowledgeBase, seed: int) -> None:
        self.rng = random.Random(seed)
        self.codes = sorted(kb.codes) + list(ODD_CODES)
        self.numbers = kb_numbers(kb)
        carc = kb.tables.get("carc", {})
        rows = carc.get("carc", []) if isinstance(carc, Mapping) else []
        self.carc = [r["code"] for r in rows if isinstance(r, Mapping) and isinstance(r.get("code"), int)] or [96]

    def scenario(self) -> dict[str, Any]:
        """One valid document: ``procedure.code`` always, everything else by chance."""
        doc = self.section(SCENARIO, top=True)
        doc.setdefault("procedure", {})["code"] = self.value(SCENARIO["procedure"].fields["code"])
        self._dates(doc)
        return doc

    def section(self, fields: Mapping[str, Field], top: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, spec in fields.items():
            if key in ("id", "title"):
                continue
            odds = SECTION_ODDS if top else FIELD_ODDS
            if spec.required or self.rng.random() < odds:
                out[key] = self.value(spec)
        return out

    def value(self, spec: Field) -> Any:
        """A valid value of a field's type."""
        rng, kind = self.rng, spec.type
        if kind == "section":
            return self.section(spec.fields)
        if kind == "records":
            return [self.section(spec.fields) for _ in range(rng.choice((0, 1, 1, 2, 3)))]
        if kind in ("enum", "state"):
            return rng.choice(spec.values)
        if kind == "enum_list":
            return rng.sample(list(spec.values), rng.randint(0, 2))
        if kind == "int_list":
            return rng.sample(self.carc, min(len(self.carc), rng.randint(0, 2)))
        if kind == "code":
            return rng.choice(self.codes)
        if kind in ("bool", "tri"):
            return rng.choice((True, False, "unknown") if kind == "tri" else (True, False))
        if kind == "money":
            return round(rng.choice(self.numbers + [0, 6.5, 25, 150.0]), 2)
        if kind == "count":
            return int(rng.choice([n for n in self.numbers if n == int(n)] + [0, 1, 3, 40]))
        if kind == "date":
            return _dt.date(2026, 1, 1) + _dt.timedelta(days=rng.randint(-3000, 1500))
        return rng.choice(("copies", "x", "Zoë's file", "a long note " * 3))

    def _dates(self, doc: dict[str, Any]) -> None:
        """Put the dates of a document at kb-relevant distances from the date of service."""
        anchor = doc.get("date_of_service") or _dt.date(2026, 3, 2)
        request = doc.get("request")
        if not isinstance(request, dict):
            return
        gaps = [int(n) for n in self.numbers if n == int(n) and n < 400] + [0, 1, 2]
        if "received" in request:
            request["received"] = anchor - _dt.timedelta(days=self.rng.choice(gaps))
        if "fulfilled" in request:
            start = request.get("received", anchor)
            request["fulfilled"] = start + _dt.timedelta(days=self.rng.choice(gaps))

    def mutate(self, doc: Mapping[str, Any], steps: int) -> dict[str, Any]:
        """A valid variant of a valid document: fields dropped, replaced or added."""
        out = copy.deepcopy(dict(doc))
        for _ in range(steps):
            path = self.rng.choice(list(_leaf_specs(SCENARIO)))
            self._set(out, path, SCENARIO)
        out.setdefault("procedure", {}).setdefault("code", "D9961")
        return out

    def _set(self, doc: dict[str, Any], path: tuple[str, ...], fields: Mapping[str, Field]) -> None:
        for key in path[:-1]:
            fields = fields[key].fields
            doc = doc.setdefault(key, {})
            if not isinstance(doc, dict):
                return
        key = path[-1]
        if key in doc and self.rng.random() < 0.4:
            if not fields[key].required:
                del doc[key]
            return
        doc[key] = self.value(fields[key])


def _leaf_specs(fields: Mapping[str, Field], prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for key, spec in fields.items():
        if key in ("id", "title"):
            continue
        if spec.type == "section":
            yield from _leaf_specs(spec.fields, prefix + (key,))
        else:
            yield prefix + (key,)
