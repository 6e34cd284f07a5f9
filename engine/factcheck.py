"""Validation of the reference tables rules read through look-ups and calculations:
facts/states.yaml (fee figures, deadlines, sources) and facts/carc.yaml (denial reasons and
their claim adjustment reason codes).

kbload accepts any mapping as a table, so a mistyped key or a figure without a source would
otherwise only show up as a rule that silently never fires. Pure: documents in, diagnostics
(with file and line) out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from .errors import Diagnostic
from .vocabulary import DENIAL_REASONS, PURPOSES, US_STATES
from .yamlsource import Document, read_file

STATE_KEYS = ("state", "name", "applies_to", "statute", "figures_year", "confidence", "sources",
              "deadline_days", "deadline_unit", "deadline_extendable", "deadline_note", "paper", "electronic",
              "films_and_models", "base_fee", "fixed_fees", "free_when",
              "withholding_for_unpaid_balance", "notes", "reference_only", "delivery_extra")
REQUIRED_STATE_KEYS = ("state", "name", "statute", "figures_year", "confidence", "sources")
CONFIDENCE = ("C", "G", "U")


class _Report:
    """Collect problems at positions of one document."""

    def __init__(self, doc: Document, out: list[Diagnostic]) -> None:
        self.doc, self.out = doc, out

    def __call__(self, where: str, message: str) -> None:
        line, col = self.doc.positions.get(where) or self.doc.positions.get(where.rsplit(".", 1)[0]) \
            or (self.doc.line, 1)
        self.out.append(Diagnostic(self.doc.path, line, col, message))


def _document(path: Path, out: list[Diagnostic]) -> Document | None:
    if not path.is_file():
        out.append(Diagnostic(str(path), 1, 1, "reference table is missing"))
        return None
    docs = [d for d in read_file(str(path)) if d.data is not None]
    if len(docs) != 1 or not isinstance(docs[0].data, dict):
        out.append(Diagnostic(str(path), 1, 1, "expected one YAML mapping"))
        return None
    return docs[0]


def check_facts(facts_dir: Path) -> list[Diagnostic]:
    """Problems in states.yaml and carc.yaml, in file order."""
    out: list[Diagnostic] = []
    states = _document(facts_dir / "states.yaml", out)
    if states is not None:
        _states(states, _Report(states, out))
    carc = _document(facts_dir / "carc.yaml", out)
    if carc is not None:
        _carc(carc, _Report(carc, out))
    return out


def _states(doc: Document, at: _Report) -> None:
    seen: set[str] = set()
    for i, row in enumerate(doc.data.get("states") or []):
        where = f"states[{i}]"
        if not isinstance(row, Mapping):
            at(where, "each state row must be a mapping")
            continue
        code = str(row.get("state"))
        for key in row:
            if key not in STATE_KEYS:
                at(f"{where}.{key}", f"state {code}: unknown key '{key}'")
        missing = [k for k in REQUIRED_STATE_KEYS if k not in row]
        if missing:
            at(where, f"state {code}: lacks {', '.join(missing)} (every figure needs its statute, year and source)")
        if code not in US_STATES:
            at(f"{where}.state", f"'{code}' is not a US state code")
        elif code in seen:
            at(f"{where}.state", f"state {code} is listed twice")
        seen.add(code)
        if row.get("confidence") not in CONFIDENCE:
            at(f"{where}.confidence", f"state {code}: confidence must be one of C, G, U")
        if not row.get("sources"):
            at(f"{where}.sources", f"state {code}: no source given")
        _figures(row, where, code, at)


def _figures(row: Mapping[str, Any], where: str, code: str, at: _Report) -> None:
    paper = row.get("paper")
    if paper is not None and not isinstance(paper, Mapping):
        at(f"{where}.paper", f"state {code}: 'paper' is a mapping with 'tiers', or null")
        return
    tiers = paper.get("tiers") if isinstance(paper, Mapping) else []
    if tiers is not None and not isinstance(tiers, list):
        at(f"{where}.paper.tiers", f"state {code}: 'tiers' is a list of page bands")
        return
    last_end = 0
    for j, tier in enumerate(tiers or []):
        first = tier.get("first") if isinstance(tier, Mapping) else None
        per_page = tier.get("per_page") if isinstance(tier, Mapping) else None
        if not isinstance(first, int) or not _amount(per_page) or first <= last_end:
            at(f"{where}.paper.tiers[{j}]", f"state {code}: page bands need ascending 'first' pages and a 'per_page' amount")
            return
        last_end = tier.get("last") if isinstance(tier.get("last"), int) else first
    fees = row.get("fixed_fees") or []
    if not isinstance(fees, list):
        at(f"{where}.fixed_fees", f"state {code}: 'fixed_fees' is a list")
        fees = []
    for j, fee in enumerate(fees):
        if not isinstance(fee, Mapping) or not fee.get("name") or not _amount(fee.get("amount")):
            at(f"{where}.fixed_fees[{j}]", f"state {code}: a fixed fee needs a name and an amount")
    _numbers(row, where, code, at)
    free = row.get("free_when") or []
    for j, purpose in enumerate(free if isinstance(free, list) else [free]):
        if purpose not in PURPOSES:
            at(f"{where}.free_when[{j}]", f"state {code}: '{purpose}' is not a request purpose")
    unit = row.get("deadline_unit")
    if unit is not None and unit != "business_days":
        at(f"{where}.deadline_unit", f"state {code}: deadline_unit is business_days or left out")


def _amount(value: Any) -> bool:
    """A usable amount of money: a finite number from 0 to a million."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1_000_000


def _numbers(row: Mapping[str, Any], where: str, code: str, at: _Report) -> None:
    days = row.get("deadline_days")
    if days is not None and (isinstance(days, bool) or not isinstance(days, int) or not 0 < days < 1000):
        at(f"{where}.deadline_days", f"state {code}: deadline_days is a whole number of days, or null")
    electronic = row.get("electronic")
    if electronic is not None and not isinstance(electronic, Mapping):
        at(f"{where}.electronic", f"state {code}: 'electronic' is a mapping, or null")
    elif isinstance(electronic, Mapping):
        for key in ("per_page", "max", "percent_of_paper"):
            if key in electronic and not _amount(electronic[key]):
                at(f"{where}.electronic.{key}", f"state {code}: '{key}' must be an amount of 0 or more")
    base = row.get("base_fee")
    if base is not None and (not isinstance(base, Mapping) or not _amount(base.get("amount"))
                             or not isinstance(base.get("barred_for_patient", False), bool)):
        at(f"{where}.base_fee", f"state {code}: base_fee is {{amount, covers_pages}} "
                                "(barred_for_patient: true for a retrieval charge), or null")
    if row.get("withholding_for_unpaid_balance", "not_addressed") not in ("forbidden", "not_addressed"):
        at(f"{where}.withholding_for_unpaid_balance", f"state {code}: forbidden or not_addressed")


def _carc(doc: Document, at: _Report) -> None:
    known = {entry.get("code") for entry in doc.data.get("carc") or [] if isinstance(entry, Mapping)}
    listed = []
    for i, entry in enumerate(doc.data.get("denial_reasons") or []):
        reason = entry.get("reason") if isinstance(entry, Mapping) else None
        listed.append(reason)
        if reason not in DENIAL_REASONS:
            at(f"denial_reasons[{i}]", f"'{reason}' is not a denial reason of the scenario vocabulary")
        for j, code in enumerate(entry.get("carc") or [] if isinstance(entry, Mapping) else []):
            if code not in known:
                at(f"denial_reasons[{i}].carc[{j}]", f"CARC {code} is not in the carc table")
        if isinstance(entry, Mapping) and not entry.get("next_step"):
            at(f"denial_reasons[{i}]", f"denial reason '{reason}' has no next_step")
    for reason in DENIAL_REASONS:
        if reason not in listed:
            at("denial_reasons", f"denial reason '{reason}' has no entry (CARC codes and next step)")
