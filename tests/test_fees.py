"""Fee and deadline arithmetic (engine/fees.py) against hand-computed values for every state in
facts/states.yaml, and the fee rules that compare a billed fee with the state's cap."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from engine import fees
from engine.calculations import CALCULATIONS
from engine.loader import load_scenarios

PAPER, ELECTRONIC = "paper", "electronic"

# (state, [(medium, pages)], patient's own copy?, cap worked out by hand)
HAND = [
    ("AL", [(PAPER, 30)], False, 32.50),   # 25 x 1.00 + 5 x 0.50 + $5 search
    ("AL", [(PAPER, 30)], True, 27.50),    # search fee barred for the patient
    ("AR", [(PAPER, 30)], True, 28.75),    # 25 x 0.50 + 5 x 0.25 + $15 labor (copying labor is allowed)
    ("CA", [(PAPER, 10)], True, 2.50),     # 10 x 0.25
    ("CO", [(PAPER, 20)], False, 27.03),   # $18.53 base for 10 pages + 10 x 0.85
    ("CT", [(PAPER, 10)], False, 6.50),    # 10 x 0.65
    ("DC", [(PAPER, 10)], False, 31.68),   # 10 x 0.88 + $22.88 search and retrieval
    ("DC", [(ELECTRONIC, 200)], True, 86.54),  # 200 x 0.66 = 132.00, capped at 86.54
    ("FL", [(PAPER, 10)], True, 10.00),    # 10 x 1.00
    ("GA", [(PAPER, 25)], False, 49.43),   # 20 x 0.97 + 5 x 0.83 + $25.88 search
    ("GA", [(PAPER, 25)], True, 23.55),    # 19.40 + 4.15, no search fee for the patient
    ("IL", [(PAPER, 30)], False, 71.57),   # $34.72 handling + 25 x 1.30 + 5 x 0.87
    ("IL", [(PAPER, 30)], True, 36.85),    # 32.50 + 4.35, no handling fee for the patient
    ("IL", [(ELECTRONIC, 30)], False, 53.15),  # 36.85 x 50% = 18.425 -> 18.43, + 34.72
    ("MD", [(PAPER, 10)], False, 30.48),   # 10 x 0.76 + $22.88 preparation (third party only)
    ("MD", [(PAPER, 10)], True, 7.60),
    ("MD", [(ELECTRONIC, 200)], False, 102.88),  # 200 x 0.76 x 75% = 114, capped at 80, + 22.88
    ("MT", [(PAPER, 10)], False, 20.00),   # 10 x 0.50 + $15 search and handling
    ("MT", [(PAPER, 10)], True, 5.00),
    ("NY", [(PAPER, 20)], False, 15.00),   # 20 x 0.75
    ("NY", [(PAPER, 4), (PAPER, 8)], True, 9.00),  # pages of several records add up
    ("TN", [(PAPER, 8)], True, 21.50),     # $20 for 5 pages + 3 x 0.50
    ("TX", [(PAPER, 40)], False, 60.00),   # $30 for 10 pages + 30 x 1.00
    ("TX", [(PAPER, 5)], False, 30.00),    # the base covers a short request
    ("TX", [(PAPER, 100)], False, 100.00),  # 30 + 50 x 1.00 + 40 x 0.50
    # The $30 TX base is a retrieval and processing charge (barred_for_patient): a patient's own
    # copy pays only the page bands after the 10 pages it covers.
    ("TX", [(PAPER, 12)], False, 32.00),   # $30 for 10 pages + 2 x 1.00
    ("TX", [(PAPER, 12)], True, 2.00),     # 2 x 1.00, no retrieval base for the patient
    ("TX", [(PAPER, 5)], True, 0.00),      # all within the barred base: no page charge
    ("TX", [(PAPER, 100)], True, 70.00),   # 50 x 1.00 + 40 x 0.50
    ("TN", [(PAPER, 8)], False, 21.50),    # TN's $20 base is not described as a retrieval fee
    ("DC", [(PAPER, 10)], True, 8.80),     # 10 x 0.88, the $22.88 search fee barred
]


def _records(items):
    return [{"kind": "chart", "form": "copy", "medium": m, "count": n} for m, n in items]


@pytest.fixture(scope="module")
def states(kb):
    return kb.tables["states"]


@pytest.mark.parametrize("state,items,own,expected", HAND,
                         ids=[f"{s}-{'patient' if o else 'third'}-{i}" for i, (s, _, o, _) in enumerate(HAND)])
def test_state_cap_matches_hand_computation(states, state, items, own, expected):
    assert fees.copy_fee_max(states[state], _records(items), own) == pytest.approx(expected, abs=0.001)


def test_every_state_with_data_has_a_hand_computed_case(states):
    assert {row[0] for row in HAND} | {"PA"} == set(states)


@pytest.mark.parametrize("state,items", [
    ("PA", [(PAPER, 10)]),             # cost of reproduction, no figure
    ("NY", [(ELECTRONIC, 5)]),         # no electronic figure in the data
    ("CO", [(ELECTRONIC, 5)]),         # electronic at actual cost
    ("TX", [(PAPER, 5), ("film", 2)]),  # films at cost: the whole cap is unknown
])
def test_no_figure_gives_none_not_a_guess(states, state, items):
    assert fees.copy_fee_max(states[state], _records(items), True) is None


def test_a_barred_base_fee_is_left_out_for_any_state(states):
    """The flag on the base, not the state code, decides: TN's base marked barred behaves as TX's."""
    marked = {**states["TN"], "base_fee": {**states["TN"]["base_fee"], "barred_for_patient": True}}
    records = _records([(PAPER, 8)])
    assert fees.copy_fee_max(marked, records, True) == pytest.approx(1.50)    # 3 x 0.50
    assert fees.copy_fee_max(marked, records, False) == pytest.approx(21.50)  # third party: base kept
    assert fees.copy_fee_max(states["TN"], records, True) == pytest.approx(21.50)


def test_states_mark_only_sourced_retrieval_bases(states):
    """A base is marked barred only where the state's own notes call it a retrieval charge."""
    for code, row in states.items():
        base = row.get("base_fee")
        if base:
            says_retrieval = any("retrieval" in note and "base" in note for note in row.get("notes") or [])
            assert bool(base.get("barred_for_patient")) == says_retrieval, code


def test_missing_inputs_give_none(states):
    assert fees.copy_fee_max(None, _records([(PAPER, 3)]), True) is None
    assert fees.copy_fee_max(states["NY"], [], True) is None
    assert fees.copy_fee_max(states["NY"], [{"medium": PAPER}], True) is None
    assert fees.copy_fee_max(states["NY"], _records([(PAPER, 3)]), None) is None


def test_directive_counts_as_third_party():
    assert fees.is_patient_own_copy("patient", None) is True
    assert fees.is_patient_own_copy("personal_representative", False) is True
    assert fees.is_patient_own_copy("patient", True) is False
    assert fees.is_patient_own_copy("attorney", None) is False
    assert fees.is_patient_own_copy(None, None) is None


def test_calculation_reads_the_scenario(kb):
    facts = {"state": "GA", "records": _records([(PAPER, 25)]),
             "request": {"requester": "patient"}}
    calc = CALCULATIONS["state_copy_fee_max"]
    assert calc(facts, kb.tables) == pytest.approx(23.55)
    facts["request"]["directed_to_third_party"] = True
    assert calc(facts, kb.tables) == pytest.approx(49.43)
    assert calc({**facts, "state": "MA"}, kb.tables) is None
    assert calc.money and "state" in calc.reads


def test_business_days_skip_weekends():
    monday = dt.date(2026, 3, 2)
    assert fees.business_days(monday, dt.date(2026, 3, 6)) == 4      # Tue-Fri
    assert fees.business_days(monday, dt.date(2026, 3, 9)) == 5      # next Monday
    assert fees.business_days(monday, dt.date(2026, 3, 31)) == 21


def test_days_over_deadline(states):
    assert fees.days_over_deadline(states["NY"], "2026-03-02", "2026-03-14") == 2
    assert fees.days_over_deadline(states["CA"], "2026-03-02", "2026-03-14") == -3
    assert fees.days_over_deadline(states["MD"], "2026-03-02", "2026-04-01") == 1   # business days
    assert fees.days_over_deadline(states["AL"], "2026-03-02", "2026-04-01") is None  # no deadline
    assert fees.days_over_deadline(states["NY"], None, "2026-03-14") is None


def _judge_one(judge, write, text):
    [scenario] = load_scenarios([write(text)])
    return judge.result(scenario)


CASE = """id: fee-edge
date_of_service: 2026-05-20
state: NY
procedure: {{code: D9961, fee: {fee}}}
service: {{kind: records_duplication}}
request: {{requester: attorney, purpose: legal, written_authorization: true, identity_verified: true}}
records:
  - {{kind: chart, form: copy, medium: paper, count: 21}}
"""


def test_one_cent_over_the_cap_is_an_error(judge, write):
    over = _judge_one(judge, write, CASE.format(fee=15.76))       # 21 x 0.75 = 15.75
    at = _judge_one(judge, write, CASE.format(fee=15.75))
    assert "fee-above-state-cap" in over.fired
    assert "fee-above-state-cap" not in at.fired and "fee-within-state-cap-third-party" in at.fired
    finding = next(f for f in over.findings if f.rule == "fee-above-state-cap")
    assert finding.severity == "error"
    assert "$15.76" in finding.message and "$15.75" in finding.message and "NY" in finding.message
    assert any(b.fact == "calc.state_copy_fee_max" and b.value == 15.75 for b in finding.because)


def _business_days_by_walking(first: dt.date, last: dt.date) -> int:
    """The original day-by-day count, kept as the reference the closed form must match."""
    days = 0
    day = first
    while day < last:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            days += 1
    return days


def _date_pairs() -> list[tuple[dt.date, dt.date]]:
    """Same day, weekends, year and calendar edges, reversed pairs, and random spans up to 200 years."""
    rng = random.Random(20261203)
    lo, hi = dt.date.min.toordinal(), dt.date.max.toordinal()
    pairs = [(dt.date(2026, 3, 7), dt.date(2026, 3, 7)),        # Saturday, same day
             (dt.date(2026, 3, 6), dt.date(2026, 3, 8)),        # Friday to Sunday
             (dt.date(2026, 3, 7), dt.date(2026, 3, 9)),        # Saturday to Monday
             (dt.date(2025, 12, 27), dt.date(2026, 1, 5)),      # over a year boundary
             (dt.date(2026, 3, 9), dt.date(2026, 3, 2)),        # reversed
             (dt.date.min, dt.date.min + dt.timedelta(days=40)),
             (dt.date.max - dt.timedelta(days=40), dt.date.max)]
    for _ in range(2000):
        first = rng.randint(lo, hi - 30)
        pairs.append((first, min(hi, first + rng.randint(-30, 30))))
    for _ in range(300):
        first = rng.randint(lo, hi - 3000)
        pairs.append((first, first + rng.randint(-3000, 3000)))
    for _ in range(12):
        first = rng.randint(lo, hi - 73000)
        pairs.append((first, first + rng.randint(0, 73000)))
    dates = [(dt.date.fromordinal(a), dt.date.fromordinal(b)) if isinstance(a, int) else (a, b)
             for a, b in pairs]
    return dates + [(b, a) for a, b in dates[:400]]


def test_business_days_match_the_day_by_day_count():
    for first, last in _date_pairs():
        assert fees.business_days(first, last) == _business_days_by_walking(first, last), (first, last)


def test_business_days_add_up_over_huge_spans():
    """Spans too long to walk in a test: counts over [a, b] and [b, c] add up to [a, c]."""
    rng = random.Random(7)
    lo, hi = dt.date.min.toordinal(), dt.date.max.toordinal()
    for _ in range(500):
        a, b, c = sorted(dt.date.fromordinal(rng.randint(lo, hi)) for _ in range(3))
        assert fees.business_days(a, c) == fees.business_days(a, b) + fees.business_days(b, c)
        weeks, _ = divmod((c - a).days, 7)
        assert weeks * 5 <= fees.business_days(a, c) <= weeks * 5 + 5


def test_business_days_over_the_whole_calendar():
    """0001-01-01 to 9999-12-31: the figure the old day-by-day walk gave (it took seconds)."""
    assert fees.business_days(dt.date(1, 1, 1), dt.date(9999, 12, 31)) == 2608614
    assert fees.business_days(dt.date(9999, 12, 31), dt.date(1, 1, 1)) == 0
    states = {"MD": {"deadline_days": 21, "deadline_unit": "business_days"}}
    assert fees.days_over_deadline(states["MD"], "0001-01-01", "9999-12-31") == 2608614 - 21


class _CountingDate(dt.date):
    """A date that counts the day steps and weekday look-ups made on it."""

    steps = 0

    def __add__(self, other):
        _CountingDate.steps += 1
        return _CountingDate.fromordinal(self.toordinal() + other.days)

    def weekday(self):
        _CountingDate.steps += 1
        return super().weekday()


def test_business_days_work_in_a_few_steps_whatever_the_span():
    """The count is arithmetic, not a walk: a ten-year span takes no more steps than a week."""
    _CountingDate.steps = 0
    first, last = _CountingDate(2000, 1, 3), _CountingDate(2010, 1, 4)
    assert fees.business_days(first, last) == _business_days_by_walking(dt.date(2000, 1, 3),
                                                                        dt.date(2010, 1, 4))
    assert _CountingDate.steps <= 10


TX_CASE = """id: tx-own-copy
date_of_service: 2026-06-10
state: TX
procedure: {{code: D9961, fee: {fee}}}
service: {{kind: records_duplication}}
request: {{requester: {requester}, purpose: relocation, written_authorization: true, identity_verified: true}}
records:
  - {{kind: chart, form: copy, medium: paper, count: 12}}
"""


@pytest.mark.parametrize("fee", [25, 31, 33])
def test_tx_patient_copy_is_not_charged_the_retrieval_base(judge, write, fee):
    """The new user's case: 12 pages to the patient are capped at pages 11-12, $2.00, not $32."""
    result = _judge_one(judge, write, TX_CASE.format(fee=fee, requester="patient"))
    finding = next(f for f in result.findings if f.rule == "fee-above-page-charges-delivery-extra")
    assert f"${fee:.2f} is above $2.00, TX's" in finding.message


def test_tx_third_party_still_pays_the_base(judge, write):
    over = _judge_one(judge, write, TX_CASE.format(fee=33, requester="attorney"))
    at = _judge_one(judge, write, TX_CASE.format(fee=32, requester="attorney"))
    finding = next(f for f in over.findings if f.rule == "fee-above-page-charges-delivery-extra")
    assert "$33.00 is above $32.00" in finding.message
    assert "fee-above-page-charges-delivery-extra" not in at.fired
