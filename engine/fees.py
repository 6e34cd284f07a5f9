"""Copy-fee and deadline arithmetic over a state's row of facts/states.yaml.

Pure functions of plain data, so the figures a rule compares against can be checked by hand:
the state's cap for the records handed over (paper pages through the state's page bands, an
electronic rule, fixed fees), and how far a response ran past the state's deadline. Anything
the state's row does not give a figure for yields None, because a missing figure must lead to
"check the state's limit", never to a guessed cap.
"""

from __future__ import annotations

import datetime as _dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Iterable, Mapping

PATIENT_REQUESTERS = ("patient", "personal_representative")
CENT = Decimal("0.01")


def _money(value: Any) -> Decimal:
    return Decimal(str(value))


def is_patient_own_copy(requester: str | None, directed_to_third_party: bool | None) -> bool | None:
    """A patient's (or representative's) own copy, the case the HIPAA patient rate covers.

    After Ciox Health v. Azar (D.D.C. 2020) a patient's directive to send copies to a third
    party is no longer priced at the patient rate, so a directive counts as a third-party request.
    """
    if requester is None:
        return None
    return requester in PATIENT_REQUESTERS and directed_to_third_party is not True


def banded(tiers: Iterable[Mapping[str, Any]], pages: int, base: Mapping[str, Any] | None) -> Decimal:
    """Pages priced through cumulative bands; a base fee stands for the pages it covers."""
    total = _money(base["amount"]) if base else Decimal(0)
    for tier in tiers:
        first = int(tier["first"])
        last = int(tier["last"]) if tier.get("last") is not None else pages
        count = max(0, min(pages, last) - first + 1)
        total += count * _money(tier["per_page"])
    return total


def chargeable_base(row: Mapping[str, Any], patient_own: bool) -> Mapping[str, Any] | None:
    """The state's base fee, unless it is a retrieval charge and the copy is the patient's own.

    Some states fold a retrieval or processing charge and the first pages into one base fee
    (Texas: up to $30 including the first 10 pages). HIPAA bars such a charge for a patient's own
    copy (``barred_for_patient`` on the base, as on a fixed fee), and the state sets no other price
    for the pages the base covers, so only the page bands after them count.
    """
    base = row.get("base_fee")
    if base and patient_own and base.get("barred_for_patient"):
        return None
    return base


def paper_charge(row: Mapping[str, Any], pages: int, patient_own: bool = False) -> Decimal | None:
    """The state's most for ``pages`` paper pages, or None when it sets no per-page figure."""
    paper = row.get("paper")
    if pages == 0:
        return Decimal(0)
    if not isinstance(paper, Mapping) or not paper.get("tiers"):
        return None
    return banded(paper["tiers"], pages, chargeable_base(row, patient_own))


def electronic_charge(row: Mapping[str, Any], pages: int) -> Decimal | None:
    """The state's most for ``pages`` electronic pages (percent of paper or per page, capped)."""
    rule = row.get("electronic")
    if pages == 0:
        return Decimal(0)
    if not isinstance(rule, Mapping) or rule.get("actual_cost"):
        return None
    if rule.get("percent_of_paper") is not None:
        paper = row.get("paper") or {}
        if not paper.get("tiers"):
            return None
        amount = banded(paper["tiers"], pages, None) * _money(rule["percent_of_paper"]) / 100
    elif rule.get("per_page") is not None:
        amount = pages * _money(rule["per_page"])
    else:
        return None
    if rule.get("max") is not None:
        amount = min(amount, _money(rule["max"]))
    return amount


def fixed_charges(row: Mapping[str, Any], patient_own: bool) -> Decimal:
    """Fixed fees the state allows for this requester.

    For a patient's own copy HIPAA's cost-based limit bars search, retrieval and handling fees
    even where the state allows them (``barred_for_patient``), and some fees apply only when the
    copies go to someone else (``third_party_only``).
    """
    total = Decimal(0)
    for fee in row.get("fixed_fees") or []:
        if patient_own and (fee.get("third_party_only") or fee.get("barred_for_patient")):
            continue
        total += _money(fee["amount"])
    return total


def copy_fee_max(row: Mapping[str, Any] | None, records: list[Mapping[str, Any]] | None,
                 patient_own: bool | None) -> float | None:
    """The state's cap in dollars for these records and this requester, or None if unknown."""
    if row is None or not records or patient_own is None:
        return None
    pages = {"paper": 0, "electronic": 0}
    for record in records:
        medium, count = record.get("medium"), record.get("count")
        if medium not in pages or count is None:
            return None
        pages[medium] += int(count)
    paper = paper_charge(row, pages["paper"], patient_own)
    electronic = electronic_charge(row, pages["electronic"])
    if paper is None or electronic is None:
        return None
    total = paper + electronic + fixed_charges(row, patient_own)
    return float(total.quantize(CENT, rounding=ROUND_HALF_UP))


def business_days(first: _dt.date, last: _dt.date) -> int:
    """Weekdays after ``first`` up to and including ``last`` (public holidays not known); 0 when
    ``last`` is not after ``first``.

    Counted in closed form (five per whole week, then the few days left over) because dates are
    only validated, not bounded: walking day by day over 0001-01-01..9999-12-31 took seconds.
    """
    span = (last - first).days
    if span <= 0:
        return 0
    weeks, rest = divmod(span, 7)
    start = first.weekday()
    return weeks * 5 + sum(1 for step in range(1, rest + 1) if (start + step) % 7 < 5)


def deadline_words(row: Mapping[str, Any] | None) -> str | None:
    """The state's deadline as a finding says it ("30 days", "21 business days"), or None."""
    if row is None or row.get("deadline_days") is None:
        return None
    unit = "business days" if row.get("deadline_unit") == "business_days" else "days"
    return f"{int(row['deadline_days'])} {unit}"


def days_over_deadline(row: Mapping[str, Any] | None, received: str | None,
                       fulfilled: str | None) -> int | None:
    """Days past the state's deadline (negative: time to spare), in the state's own unit."""
    if row is None or row.get("deadline_days") is None or not received or not fulfilled:
        return None
    first, last = _dt.date.fromisoformat(received), _dt.date.fromisoformat(fulfilled)
    if row.get("deadline_unit") == "business_days":
        taken = business_days(first, last)
    else:
        taken = (last - first).days
    return taken - int(row["deadline_days"])
