"""Ranked "did you mean" codes: typos, neighbour confusions and free text (issue 4)."""

from __future__ import annotations

import json

import pytest

from engine import suggest
from engine.distance import distance, edits, neighbour_keys, similarity
from engine.spelling import closest, did_you_mean
from tests.conftest import SCENARIOS

# input as typed → the code that must come first, and the kind of input it is.
RANKING = [
    # typos and malformed codes
    ("D9916", "D9961"),                     # two digits swapped
    ("9961", "D9961"),                      # no D prefix
    ("D996", "D9961"),                      # last digit missing
    ("d-9961", "D9961"),                    # harmless formatting
    (" D9961 ", "D9961"),                   # surrounding spaces
    ("D9691", "D9961"),                     # 9 and 6 swapped
    ("D99961", "D9961"),                    # a key pressed twice
    ("D961", "D9961"),                      # the repeated 9 typed once
    ("D9661", "D9961"),                     # neighbouring key (6 above 9 on a keypad)
    ("D9901", "D9910"),                     # 1 and 0 swapped
    ("D3910", "D9310"),                     # 9 and 3 swapped
    ("9120", "D9120"),                      # no D prefix
    ("D9940", "D9944"),                     # deleted code → one of its replacements
    ("D\uff19\uff19\uff16\uff11", "D9961"),  # full-width digits (a full-width keyboard layout)
    ("\uff24\uff19\uff19\uff11\uff16", "D9961"),  # full-width, and two digits swapped
    # free text
    ("copies of x-rays for the patient's lawyer", "D9961"),
    ("desensitizing varnish on sensitive roots", "D9910"),
    ("resin bonded on exposed root surfaces, per tooth", "D9911"),
    ("photocopy the chart for a patient who is moving", "D9961"),
    ("numbing injection on its own, no filling", "D9210"),
    ("inferior alveolar nerve block", "D9211"),
    ("relief of a toothache at an emergency visit", "D9110"),
    ("anxious child needed behavior management", "D9920"),
    ("cutting a bridge to keep one abutment", "D9120"),
    ("consultation requested by another dentist", "D9310"),
    ("patient missed the appointment", "D9986"),
    ("sign language interpreter at the visit", "D9990"),
    ("desensitzing agent", "D9910"),        # misspelt word still found
]


def test_full_width_characters_are_named_as_the_slip(kb):
    ranked = suggest.suggest("D\uff19\uff19\uff16\uff11", kb)
    assert "typed in full-width" in ranked[0].reason


@pytest.mark.parametrize("query,first", RANKING)
def test_first_suggestion(kb, query, first):
    ranked = suggest.suggest(query, kb)
    assert ranked, f"no suggestion for {query!r}"
    assert ranked[0].code == first, [(s.code, s.score) for s in ranked]


# billed code, service performed → first suggestion (neighbour confusions with a scenario).
MISFITS = [
    ("D9910", "records_duplication", "D9961"),
    ("D9920", "records_duplication", "D9961"),
    ("D9911", "records_duplication", "D9961"),
    ("D9961", "desensitizing_medicament", "D9910"),
    ("D9961", "desensitizing_resin", "D9911"),
    ("D9961", "behavior_management", "D9920"),
    ("D9910", "desensitizing_resin", "D9911"),
    ("D9210", "regional_block_anesthesia", "D9211"),
    ("D9961", "consultation", "D9310"),
    ("D996", "records_duplication", "D9961"),
    ("9961", "records_duplication", "D9961"),            # no 'D': the guess is the suggestion
    ("9910", "desensitizing_medicament", "D9910"),
]


@pytest.mark.parametrize("written", ["9961", "9-961"])
def test_a_code_the_engine_could_not_read_gets_its_repair_offered_without_a_service(kb, written):
    """Without service.kind the code string is the only evidence: '9961' → D9961 first."""
    facts = _facts(written, "records_duplication")
    del facts["service"]
    ranked = suggest.for_scenario(written, facts, kb)
    assert ranked and ranked[0].code == "D9961", [(s.code, s.score) for s in ranked]


def _facts(code: str, service: str, **more: object) -> dict:
    facts = {"id": "t", "date_of_service": "2026-07-07", "state": "MA",
             "procedure": {"code": code, "fee": 20.0}, "service": {"kind": service},
             "request": {"requester": "dentist", "purpose": "relocation"},
             "records": [{"kind": "radiographs", "form": "copy", "medium": "electronic", "count": 2}]}
    facts.update(more)
    return facts


@pytest.mark.parametrize("billed,service,first", MISFITS)
def test_scenario_misfit_ranks_the_fitting_code_first(kb, billed, service, first):
    ranked = suggest.for_scenario(billed, _facts(billed, service), kb)
    assert ranked and ranked[0].code == first, [(s.code, s.score) for s in ranked]
    assert billed not in [s.code for s in ranked if s.code == billed and s.score == 1.0]


def test_scenario_reason_names_fit_rule_and_graph(kb):
    top = suggest.for_scenario("D9920", _facts("D9920", "records_duplication"), kb)[0]
    assert top.code == "D9961"
    assert "records duplication" in top.reason
    assert "d9961-fits-external-copies" in top.reason
    assert "often confuse" in top.reason


def test_a_code_its_own_rules_reject_is_not_suggested(kb):
    """Copies for the office's own backup: D9961 is not the answer either (d9961-internal-use)."""
    facts = _facts("D9920", "records_duplication",
                   request={"requester": "practice_itself", "purpose": "backup"})
    assert "D9961" not in [s.code for s in suggest.for_scenario("D9920", facts, kb)]


def test_resin_code_not_offered_for_a_medicament(kb):
    ranked = suggest.for_scenario("D9961", _facts("D9961", "desensitizing_medicament"), kb)
    assert "D9911" not in [s.code for s in ranked]


def test_hinted_code_gets_a_bonus(kb):
    facts = _facts("D9920", "records_duplication")
    plain = suggest.for_scenario("D9920", facts, kb)[0]
    hinted = suggest.for_scenario("D9920", facts, kb, hinted=["D9961"])[0]
    assert hinted.code == plain.code == "D9961"
    assert hinted.score > plain.score and "names it" in hinted.reason


@pytest.mark.parametrize("query", ["D9940", "D9941", "occlusal guard for night grinding", "D994",
                                   "night guard"])
def test_deleted_code_never_offered_as_current(kb, query):
    assert "D9940" not in [s.code for s in suggest.suggest(query, kb)]


def test_deleted_code_leads_to_replacements_with_reason(kb):
    ranked = suggest.for_code("D9940", kb)
    assert [s.code for s in ranked] == ["D9944", "D9945", "D9946"]
    assert all("deleted as of CDT 2020" in s.reason for s in ranked)


def test_scores_in_range_and_reasons_in_words(kb):
    for query, _ in RANKING:
        for s in suggest.suggest(query, kb):
            assert 0.0 <= s.score <= 1.0
            assert len(s.reason.split()) >= 4


@pytest.mark.parametrize("written,words", [
    ("D9916", "swapped"), ("9961", "'D' prefix"), ("D996", "last character"),
    ("d-9961", "case or separators"), ("D99961", "pressed twice"), ("D9661", "neighbouring key"),
])
def test_slip_reasons(kb, written, words):
    assert words in suggest.for_code(written, kb)[0].reason


def test_nothing_close_gives_nothing(kb):
    assert suggest.suggest("D1234", kb) == []
    assert suggest.suggest("quarterly newsletter", kb) == []


@pytest.mark.parametrize("text,is_code", [("D9916", True), ("9961", True), ("d-9961", True),
                                          (" D9961 ", True), ("x-rays for a lawyer", False),
                                          ("night guard", False)])
def test_looks_like_code(text, is_code):
    assert suggest.looks_like_code(text) is is_code


def test_distance_prefers_real_slips():
    assert distance("D9916", "D9961") < distance("D9916", "D9910")
    assert distance("D996", "D9961") < distance("D996", "D9986")
    assert [e.op for e in edits("D9916", "D9961") if e.op != "same"] == ["swap"]
    assert neighbour_keys("6", "9") and neighbour_keys("1", "0") and not neighbour_keys("6", "0")
    assert similarity("abc", "abc") == 1.0 and similarity("", "") == 1.0


def test_spelling_uses_slip_distance():
    assert closest("di", ["id", "title"]) == "id"
    assert closest("kidn", ["kind", "form", "medium"]) == "kind"
    assert closest("reqeuster", ["requester", "purpose"]) == "requester"
    assert closest("Requester", ["requester"]) == "requester"
    assert closest("zzzz", ["requester", "purpose"]) is None
    assert did_you_mean("recieved", ["received", "fulfilled"]) == "did you mean 'received'?"


# ------------------------------------------------------------------ CLI and run


@pytest.mark.parametrize("query", ["D9916", "9961", "D996"])
def test_cli_suggest_code_puts_d9961_first(cli, query):
    code, out, err = cli("suggest", query, "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["read_as"] == "code" and doc["suggestions"][0]["code"] == "D9961"


def test_cli_suggest_text(cli):
    code, out, _ = cli("suggest", "desensitizing varnish on sensitive roots")
    assert code == 0
    assert out.splitlines()[1].split()[:2] == ["1.", "D9910"]


def test_cli_suggest_with_scenario(cli):
    code, out, _ = cli("suggest", "D9961", "--scenario", str(SCENARIOS / "d9961-for-desensitizing.yaml"),
                       "--format", "json")
    assert code == 0
    row = json.loads(out)["scenarios"][0]
    assert row["scenario"] == "d9961-for-desensitizing" and row["suggestions"][0]["code"] == "D9910"


def test_cli_suggest_bad_input(cli, write):
    assert cli("suggest", "  ")[0] == 2
    bad = write("id: x\nprocedure: {code: D9961}\nservise: {kind: other}\n")
    code, _, err = cli("suggest", "D9961", "--scenario", bad)
    assert code == 2 and "servise" in err


def _run(cli, path: str) -> dict:
    code, out, _ = cli("run", path, "--format", "jsonl")
    row = json.loads(out.splitlines()[0])
    return {"exit": code, **row}


def test_run_behavior_code_for_copies(cli):
    row = _run(cli, str(SCENARIOS / "behavior-code-for-copies.yaml"))
    assert row["exit"] == 1 and row["verdict"] == "inappropriate"
    assert row["suggestions"][0]["code"] == "D9961"


def test_run_d9961_for_desensitizing(cli):
    row = _run(cli, str(SCENARIOS / "d9961-for-desensitizing.yaml"))
    assert row["verdict"] == "inappropriate" and "d9961-wrong-service" in row["fired"]
    assert row["suggestions"][0]["code"] == "D9910"


def test_run_office_backup_offers_no_other_code(cli):
    """Nothing is billable for the office's own copies, and a clinical code never replaces a
    records copy: the desensitizing look-alikes of D9961 must not be offered."""
    path = SCENARIOS / "code-fit-d9961.yaml"
    rows = [json.loads(line) for line in cli("run", str(path), "--format", "jsonl")[1].splitlines()]
    row = next(r for r in rows if r["scenario"] == "fit-d9961-office-backup-no-service")
    assert row["verdict"] == "inappropriate" and "d9961-internal-use" in row["fired"]
    assert row["suggestions"] == []


@pytest.mark.parametrize("facts", [
    {"request": {"purpose": "backup"}, "billing": {"billed_to": "patient"}},
    {"request": {"requester": "attorney", "purpose": "legal"}, "date_of_service": "2019-05-01"},
    {"records": [{"kind": "chart", "form": "copy", "medium": "paper", "count": 3}]},
])
def test_records_scenario_without_a_service_gets_no_clinical_code(kb, facts):
    ranked = suggest.for_scenario("D9961", {"procedure": {"code": "D9961"}, **facts}, kb)
    assert all(kb.codes[s.code].nature != "clinical" for s in ranked), [s.code for s in ranked]


def test_clinical_look_alikes_still_offered_without_request_or_records(kb):
    """With nothing about records the look-alikes stay (the string is the only evidence), and a
    clinical code that is the stated service is offered even beside a request."""
    bare = suggest.for_scenario("D9961", {"procedure": {"code": "D9961"}}, kb)
    assert {"D9910", "D9911"} <= {s.code for s in bare}
    stated = _facts("D9961", "desensitizing_medicament")
    stated["request"] = {"requester": "patient", "purpose": "personal"}
    assert suggest.for_scenario("D9961", stated, kb)[0].code == "D9910"


def test_run_d9910_billed_for_copies(cli, write):
    path = write("id: d9910-copies\ndate_of_service: 2026-07-07\nstate: MA\n"
                 "procedure: {code: D9910, fee: 20.00}\nservice: {kind: records_duplication}\n"
                 "request: {requester: attorney, purpose: legal}\n"
                 "records:\n  - {kind: chart, form: copy, medium: paper, count: 12}\n")
    row = _run(cli, path)
    assert row["verdict"] == "inappropriate" and row["suggestions"][0]["code"] == "D9961"


def test_run_fitting_code_has_no_suggestions(cli):
    assert _run(cli, str(SCENARIOS / "relocation-copies.yaml"))["suggestions"] == []


def test_unknown_code_without_a_service_ranks_by_the_string(kb):
    ranked = suggest.for_scenario("D996", {"procedure": {"code": "D996"}}, kb)
    assert ranked[0].code == "D9961" and ranked[0].score >= 0.8


def test_text_with_scenario_keeps_codes_that_fit(kb):
    copying = _facts("D9920", "records_duplication")
    assert suggest.suggest("copies for the lawyer", kb, copying)[0].code == "D9961"
    # D9910's own rule rejects it for copying records, so words alone do not bring it back
    assert suggest.suggest("desensitizing varnish", kb, copying) == []


def test_deleted_billed_code_in_a_scenario_leads_to_its_replacements(kb):
    facts = {"date_of_service": "2026-02-02", "procedure": {"code": "D9940"}, "service": {"kind": "other"}}
    ranked = suggest.for_scenario("D9940", facts, kb)
    assert [s.code for s in ranked] == ["D9944", "D9945", "D9946"]
    assert all("replaced D9940" in s.reason and s.score >= 0.5 for s in ranked)


def test_cli_suggest_code_that_already_fits_says_so(cli):
    code, out, _ = cli("suggest", "D9961", "--scenario", str(SCENARIOS / "relocation-copies.yaml"))
    assert code == 0 and "1. D9961" in out and "already fits" in out
    code, out, _ = cli("suggest", "D9961", "--scenario", str(SCENARIOS / "internal-records.yaml"))
    assert code == 0 and "no suggestion" in out      # d9961-internal-use rejects it; nothing else fits


def test_a_code_far_too_long_for_a_slip_builds_no_distance_table(kb, monkeypatch):
    """A 100,000-character code took 36 s: the slip table is its length times each code's."""
    from engine import distance
    from engine import suggest as suggest_module
    real, lengths = distance._table, []

    def table(a, b):
        lengths.append(len(a))
        return real(a, b)
    monkeypatch.setattr(distance, "_table", table)
    suggest_module.code_similarity.cache_clear()
    suggest_module.slip_reason.cache_clear()
    facts = {"procedure": {"code": "D" + "9" * 100_000}, "service": {"kind": "records_duplication"}}
    ranked = suggest_module.for_scenario(facts["procedure"]["code"], facts, kb, [])
    assert [s.code for s in ranked][:1] == ["D9961"]
    assert suggest_module.code_similarity("D" + "9" * 20, "D9961") == 0.0
    assert "too long to be a slip" in suggest_module.slip_reason("D" + "9" * 20, "D9961")
    assert suggest_module.code_similarity("D99961", "D9961") > 0.8      # a real slip still counts
    assert lengths and max(lengths) <= suggest_module.MAX_CODE_CHARS
