"""Named calculations that rules can compare against (``{calc: NAME}``), for what a condition
cannot say by itself: fee arithmetic over a state's page bands, and the like.

Each calculation is a pure function of the scenario's facts and the reference tables
(facts/), returns None when it cannot be known (a rule then does not fire), and declares the
fact paths it reads so explanations can cite their lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from . import fees

Facts = Mapping[str, Any]
Tables = Mapping[str, Any]


@dataclass(frozen=True)
class Calculation:
    """A named value computed from facts; ``reads`` lists the fact paths it depends on."""

    name: str
    reads: tuple[str, ...]
    compute: Callable[[Facts, Tables], Any]
    doc: str = ""
    money: bool = False

    def __call__(self, facts: Facts, tables: Tables) -> Any:
        return self.compute(facts, tables)


def _total_pages(facts: Facts, tables: Tables) -> Any:
    records = facts.get("records")
    if records is None:
        return None
    counts = [r.get("count") for r in records]
    # ``in`` rather than any() over a generator: the same test for fact values (only None
    # equals None), at a third of the cost, and this runs for every scenario.
    return None if None in counts else sum(counts)


def _state_row(facts: Facts, tables: Tables) -> Any:
    state = facts.get("state")
    return (tables.get("states") or {}).get(state) if state else None


def _state_copy_fee_max(facts: Facts, tables: Tables) -> Any:
    request = facts.get("request") or {}
    patient_own = fees.is_patient_own_copy(request.get("requester"),
                                           request.get("directed_to_third_party"))
    return fees.copy_fee_max(_state_row(facts, tables), facts.get("records"), patient_own)


def _days_over_state_deadline(facts: Facts, tables: Tables) -> Any:
    request = facts.get("request") or {}
    return fees.days_over_deadline(_state_row(facts, tables), request.get("received"),
                                   request.get("fulfilled"))


def _state_deadline(facts: Facts, tables: Tables) -> Any:
    return fees.deadline_words(_state_row(facts, tables))


def _state_statute(facts: Facts, tables: Tables) -> Any:
    row = _state_row(facts, tables)
    return row.get("statute") if row else None


CALCULATIONS: dict[str, Calculation] = {
    c.name: c for c in (
        Calculation("total_items", ("records",), _total_pages,
                    "pages, images and items handed over, over all records"),
        Calculation("state_copy_fee_max",
                    ("state", "records", "request.requester", "request.directed_to_third_party"),
                    _state_copy_fee_max,
                    "the state's most for these records and this requester (facts/states.yaml); "
                    "none when the state's row gives no figure for them", money=True),
        Calculation("days_over_state_deadline", ("state", "request.received", "request.fulfilled"),
                    _days_over_state_deadline,
                    "days past the state's response deadline, in the state's unit (calendar or "
                    "business days); negative when there was time to spare"),
        Calculation("state_deadline", ("state",), _state_deadline,
                    "the state's response deadline in words, e.g. '30 days' or '21 business days' "
                    "(facts/states.yaml: deadline_days, deadline_unit), so a finding can name it"),
        Calculation("state_statute", ("state",), _state_statute,
                    "the statute the state's row of facts/states.yaml rests on, so a finding "
                    "about that state can name its own law"),
    )
}
