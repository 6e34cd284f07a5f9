"""Named calculations that rules can compare against (``{calc: NAME}``), for what a condition
cannot say by itself: fee arithmetic over a state's page bands, and the like.

Each calculation is a pure function of the scenario's facts and the reference tables
(facts/), returns None when it cannot be known (a rule then does not fire), and declares the
fact paths it reads so explanations can cite their lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

Facts = Mapping[str, Any]
Tables = Mapping[str, Any]


@dataclass(frozen=True)
class Calculation:
    """A named value computed from facts; ``reads`` lists the fact paths it depends on."""

    name: str
    reads: tuple[str, ...]
    compute: Callable[[Facts, Tables], Any]
    doc: str = ""

    def __call__(self, facts: Facts, tables: Tables) -> Any:
        return self.compute(facts, tables)


def _total_pages(facts: Facts, tables: Tables) -> Any:
    records = facts.get("records")
    if records is None:
        return None
    counts = [r.get("count") for r in records]
    return None if any(c is None for c in counts) else sum(counts)


CALCULATIONS: dict[str, Calculation] = {
    c.name: c for c in (
        Calculation("total_items", ("records",), _total_pages,
                    "pages, images and items handed over, over all records"),
    )
}
