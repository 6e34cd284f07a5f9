"""Every message of scenario validation, pinned in full: text, hint, position and order.

validate() is tuned for speed (issue #8); these cases hold each check of loader._Checker to the
exact diagnostics it gave before, so a faster path cannot change a word, a place or the order.
The tests in test_loader.py and test_bad_input.py check first diagnostics and fragments; these
check whole lists.
"""

from __future__ import annotations

import datetime as _dt
from typing import Iterator, Mapping

import pytest

from engine.loader import _BAD_TEXT, MAX_PROBLEMS, scenarios_from_documents, validate
from engine.model import Expect, Invalid, Scenario
from engine.vocabulary import COMPUTED, EXPECT, SCENARIO, Field
from engine.yamlsource import Document, read_documents

HIDDEN = "which would garble a reviewer's terminal or report"

# name: (YAML as a user writes it, every diagnostic of its documents in order). The
# \x.. and \u.... of "hostile_text" are YAML escapes, decoded by the reader.
CASES = {
    "unknown_keys": (
        "procedure: {code: D9961, fe: 3}\n"
        "stat: NY\n"
        "fee: 3\n"
        "zzzz: 1\n"
        "request: {requestor: patient}\n"
        "records:\n"
        "  - {medum: paper}\n"
        "insurance: {prior_authorization: {obtaned: true}}\n",
        [
            "c.yaml:1:26: error: unknown key 'fe' in 'procedure'\ndid you mean 'fee'?",
            "c.yaml:2:1: error: unknown key 'stat' in a scenario\ndid you mean 'state'?",
            "c.yaml:3:1: error: unknown key 'fee' in a scenario\ndid you mean 'procedure.fee'?",
            "c.yaml:4:1: error: unknown key 'zzzz' in a scenario",
            "c.yaml:5:11: error: unknown key 'requestor' in 'request'\ndid you mean 'requester'?",
            "c.yaml:7:6: error: unknown key 'medum' in 'records[0]'\ndid you mean 'medium'?",
            "c.yaml:8:35: error: unknown key 'obtaned' in 'insurance.prior_authorization'\ndid you mean 'obtained'?",
        ]),
    "missing_required": (
        "state: NY\n"
        "---\n"
        "procedure: {fee: 3}\n"
        "---\n"
        "procedure: {code: null}\n"
        "---\n"
        "procedure: ~\n",
        [
            "c.yaml:1:1: error: missing required key 'procedure' in the scenario",
            "c.yaml:3:12: error: missing required key 'procedure.code' in procedure",
            "c.yaml:5:12: error: missing required key 'procedure.code' in procedure",
            "c.yaml:7:1: error: missing required key 'procedure' in the scenario",
        ]),
    "hostile_text": (
        'procedure: {code: "D\\ud800\\x00"}\n'
        'title: "a\\x1bb"\n'
        'id: "x\\x7f"\n'
        'request: {requester: "pa\\u202etient"}\n'
        'claim: {original_claim_ref: "c\\x85", carc: ["\\u2066"]}\n'
        'records: [{kind: "\\x9f"}]\n',
        [
            "c.yaml:1:19: error: 'procedure.code' is not valid Unicode (it holds a lone surrogate escape)",
            "c.yaml:2:8: error: 'title' holds the invisible control character U+001B, " + HIDDEN,
            "c.yaml:3:5: error: 'id' holds the invisible control character U+007F, " + HIDDEN,
            "c.yaml:4:22: error: 'request.requester' holds the invisible control character U+202E, " + HIDDEN,
            "c.yaml:5:29: error: 'claim.original_claim_ref' holds the invisible control character U+0085, " + HIDDEN,
            "c.yaml:5:45: error: each item of 'claim.carc' must be a whole number, not text",
            "c.yaml:6:18: error: 'records[0].kind' holds the invisible control character U+009F, " + HIDDEN,
        ]),
    "sections_and_records": (
        "procedure: D9961\n"
        "request: [patient]\n"
        "billing: true\n"
        "records: {kind: chart}\n"
        "---\n"
        "procedure: {code: D9961}\n"
        "records: [chart, 3, [x], {kind: chart}]\n"
        "---\n"
        "procedure: {code: D9961}\n"
        "records: 3\n"
        "claim: 2026-01-01\n",
        [
            "c.yaml:1:12: error: 'procedure' must be a mapping of keys to values, not text",
            "c.yaml:2:10: error: 'request' must be a mapping of keys to values, not a list",
            "c.yaml:3:10: error: 'billing' must be a mapping of keys to values, not true/false",
            "c.yaml:4:10: error: 'records' must be a list of record items, not a mapping",
            "c.yaml:7:11: error: each item of 'records' must be a mapping, not text",
            "c.yaml:7:18: error: each item of 'records' must be a mapping, not a number",
            "c.yaml:7:21: error: each item of 'records' must be a mapping, not a list",
            "c.yaml:10:10: error: 'records' must be a list of record items, not a number",
            "c.yaml:11:8: error: 'claim' must be a mapping of keys to values, not a date",
        ]),
    "text_and_code": (
        "title: [a]\n"
        "id: {a: 1}\n"
        "procedure: {code: true, description: yes}\n"
        "claim: {original_claim_ref: false}\n"
        "---\n"
        "procedure: {code: 9.5}\n"
        "---\n"
        "procedure: {code: [D9961]}\n"
        "---\n"
        "procedure: {code: {a: b}}\n",
        [
            "c.yaml:1:8: error: 'title' must be text, not a list",
            "c.yaml:2:5: error: 'id' must be text, not a mapping",
            "c.yaml:3:19: error: 'procedure.code' must be a code such as D9961, not true/false",
            "c.yaml:4:29: error: 'claim.original_claim_ref' must be text, not true/false",
            "c.yaml:6:19: error: 'procedure.code' must be a code such as D9961, not a number",
            "c.yaml:8:19: error: 'procedure.code' must be a code such as D9961, not a list",
            "c.yaml:10:19: error: 'procedure.code' must be a code such as D9961, not a mapping",
        ]),
    "enums_and_state": (
        "procedure: {code: D9961}\n"
        "state: ny\n"
        "service: {kind: 3}\n"
        "request: {requester: [patient], purpose: true, legal_process: subpena}\n"
        "billing: {billed_to: zzzzzz}\n"
        "insurance: {network: 2.5}\n"
        "---\n"
        "procedure: {code: D9961}\n"
        "state: 12\n"
        "---\n"
        "procedure: {code: D9961}\n"
        "state: [NY]\n",
        [
            "c.yaml:2:8: error: 'ny' is not a US state or DC code (two capital letters)\ndid you mean 'NY'?",
            "c.yaml:3:17: error: '3' is not a valid value for 'service.kind' (one of: records_duplication, desensitizing_medicament, desensitizing_resin, behavior_management, palliative_treatment, fixed_partial_denture_sectioning, local_anesthesia, regional_block_anesthesia, consultation, records_transfer_originals, other)",
            "c.yaml:4:22: error: 'a list' is not a valid value for 'request.requester' (one of: patient, personal_representative, dentist, specialist, physician, insurer, attorney, court, government_agency, practice_itself, other)\ndid you mean 'patient'?",
            "c.yaml:4:42: error: 'true/false' is not a valid value for 'request.purpose' (one of: relocation, referral, second_opinion, legal, insurance_claim, insurance_review, public_benefits_claim, personal, office_internal, backup, other)",
            "c.yaml:4:63: error: 'subpena' is not a valid value for 'request.legal_process' (one of: none, subpoena, court_order, board_demand)\ndid you mean 'subpoena'?",
            "c.yaml:5:22: error: 'zzzzzz' is not a valid value for 'billing.billed_to' (one of: patient, insurance, requester, nobody)",
            "c.yaml:6:22: error: '2.5' is not a valid value for 'insurance.network' (one of: in, out)",
            "c.yaml:9:8: error: '12' is not a US state or DC code (two capital letters)",
            "c.yaml:12:8: error: '['NY']' is not a US state or DC code (two capital letters)",
        ]),
    "dates": (
        "procedure: {code: D9961}\n"
        "date_of_service: 03/14/2026\n"
        "request: {received: 2026-02-30, fulfilled: 2026-13-01}\n"
        "---\n"
        "procedure: {code: D9961}\n"
        "date_of_service: 20260314\n"
        "request: {received: [2026-01-01], fulfilled: '0000-01-01'}\n"
        "---\n"
        "procedure: {code: D9961}\n"
        "date_of_service: 2026-03-14T10:20:30\n"
        "request: {received: '2026-03-09', fulfilled: 2026-03-10 }\n",
        [
            "c.yaml:2:18: error: '03/14/2026' is not a valid date for 'date_of_service': write it as YYYY-MM-DD",
            "c.yaml:3:21: error: '2026-02-30' is not a valid date for 'request.received': February 2026 has 28 days",
            "c.yaml:3:44: error: '2026-13-01' is not a valid date for 'request.fulfilled': there is no month 13",
            "c.yaml:6:18: error: '20260314' is not a valid date for 'date_of_service': write it as YYYY-MM-DD",
            "c.yaml:7:21: error: 'a list' is not a valid date for 'request.received': write it as YYYY-MM-DD",
            "c.yaml:7:46: error: '0000-01-01' is not a valid date for 'request.fulfilled': there is no year 0",
            "c.yaml:10:18: error: '2026-03-14T10:20:30' is not a valid date for 'date_of_service': write it as YYYY-MM-DD",
        ]),
    "numbers": (
        "procedure: {code: D9961, fee: '12'}\n"
        "claim: {paid_amount: true}\n"
        "records:\n"
        "  - {count: 2.5}\n"
        "  - {count: -4}\n"
        "  - {count: 'x'}\n"
        "  - {count: 2000000000}\n"
        "  - {count: true}\n"
        "---\n"
        "procedure: {code: D9961, fee: -0.5}\n"
        "claim: {paid_amount: .nan}\n"
        "---\n"
        "procedure: {code: D9961, fee: .inf}\n"
        "claim: {paid_amount: 1e10}\n"
        "---\n"
        "procedure: {code: D9961, fee: [1]}\n",
        [
            "c.yaml:1:31: error: 'procedure.fee' must be an amount in USD, not text",
            "c.yaml:2:22: error: 'claim.paid_amount' must be an amount in USD, not true/false",
            "c.yaml:4:13: error: 'records[0].count' must be a whole number, not 2.5",
            "c.yaml:5:13: error: 'records[1].count' must be zero or more, not -4",
            "c.yaml:6:13: error: 'records[2].count' must be a whole number, not text",
            "c.yaml:7:13: error: 'records[3].count' is too large (at most 1,000,000,000)",
            "c.yaml:8:13: error: 'records[4].count' must be a whole number, not true/false",
            "c.yaml:10:31: error: 'procedure.fee' must be a finite amount of zero or more, not -0.5",
            "c.yaml:11:22: error: 'claim.paid_amount' must be a finite amount of zero or more, not nan",
            "c.yaml:13:31: error: 'procedure.fee' must be a finite amount of zero or more, not inf",
            "c.yaml:14:22: error: 'claim.paid_amount' is too large (at most 1,000,000,000)",
            "c.yaml:16:31: error: 'procedure.fee' must be an amount in USD, not a list",
        ]),
    "bools": (
        "procedure: {code: D9961}\n"
        "request: {in_writing: yes, written_authorization: no, identity_verified: on, disclosure_logged: off, request_kept: ture, directed_to_third_party: 1}\n"
        "billing: {on_statement: [true]}\n"
        "---\n"
        "procedure: {code: D9961}\n"
        "insurance: {covers_code: maybe, prior_authorization: {required: yes, obtained: 'true'}}\n"
        "---\n"
        "procedure: {code: D9961}\n"
        "insurance: {covers_code: unknwn, prior_authorization: {required: 2}}\n",
        [
            "c.yaml:2:23: error: 'request.in_writing' must be true or false, not text\ndid you mean 'true'?",
            "c.yaml:2:51: error: 'request.written_authorization' must be true or false, not text\ndid you mean 'false'?",
            "c.yaml:2:74: error: 'request.identity_verified' must be true or false, not text\ndid you mean 'true'?",
            "c.yaml:2:97: error: 'request.disclosure_logged' must be true or false, not text\ndid you mean 'false'?",
            "c.yaml:2:116: error: 'request.request_kept' must be true or false, not text\ndid you mean 'true'?",
            "c.yaml:2:147: error: 'request.directed_to_third_party' must be true or false, not a number",
            "c.yaml:3:25: error: 'billing.on_statement' must be true or false, not a list\ndid you mean 'true'?",
            "c.yaml:6:26: error: 'insurance.covers_code' must be true, false or unknown, not 'maybe'",
            "c.yaml:6:65: error: 'insurance.prior_authorization.required' must be true, false or unknown, not 'yes'\ndid you mean 'true'?",
            "c.yaml:6:80: error: 'insurance.prior_authorization.obtained' must be true or false, not text\ndid you mean 'true'?",
            "c.yaml:9:26: error: 'insurance.covers_code' must be true, false or unknown, not 'unknwn'\ndid you mean 'unknown'?",
            "c.yaml:9:66: error: 'insurance.prior_authorization.required' must be true, false or unknown, not '2'",
        ]),
    "lists": (
        "procedure: {code: D9961}\n"
        "claim: {denial_reasons: [non_covered, frequency_limt, 3], carc: [96, '45', x, true, 2.5]}\n"
        "---\n"
        "procedure: {code: D9961}\n"
        "claim: {denial_reasons: non_coverd, carc: abc}\n"
        "---\n"
        "procedure: {code: D9961}\n"
        "claim: {denial_reasons: {a: 1}, carc: {a: 1}}\n",
        [
            "c.yaml:2:39: error: 'frequency_limt' is not a valid value for 'claim.denial_reasons[1]' (one of: non_covered, missing_documentation, frequency_limit, code_mismatch, missing_prior_authorization, other)\ndid you mean 'frequency_limit'?",
            "c.yaml:2:55: error: '3' is not a valid value for 'claim.denial_reasons[2]' (one of: non_covered, missing_documentation, frequency_limit, code_mismatch, missing_prior_authorization, other)",
            "c.yaml:2:76: error: each item of 'claim.carc' must be a whole number, not text",
            "c.yaml:2:79: error: each item of 'claim.carc' must be a whole number, not true/false",
            "c.yaml:2:85: error: each item of 'claim.carc' must be a whole number, not a number",
            "c.yaml:5:25: error: 'non_coverd' is not a valid value for 'claim.denial_reasons' (one of: non_covered, missing_documentation, frequency_limit, code_mismatch, missing_prior_authorization, other)\ndid you mean 'non_covered'?",
            "c.yaml:5:43: error: each item of 'claim.carc' must be a whole number, not text",
            "c.yaml:8:25: error: 'a mapping' is not a valid value for 'claim.denial_reasons' (one of: non_covered, missing_documentation, frequency_limit, code_mismatch, missing_prior_authorization, other)",
            "c.yaml:8:39: error: each item of 'claim.carc' must be a whole number, not a mapping",
        ]),
    "expect": (
        "procedure: {code: D9961}\n"
        "expect: [appropriate]\n"
        "---\n"
        "procedure: {code: D9961}\n"
        "expect:\n"
        "  verdikt: appropriate\n"
        "  verdict: approved\n"
        "  fired: a-rule\n"
        "  not_fired: [1, ok]\n"
        "  findings: [{topic: fees, severity: err, topik: x}, 3]\n"
        "  suggestions: [D9961, [x]]\n"
        "  missing_facts: [request.requester, request.requestor, code.known]\n"
        "  todo: ' '\n"
        "---\n"
        "procedure: {code: D9961}\n"
        'expect: {findings: coverage, missing_facts: request.requester, todo: "\\x00"}\n',
        [
            "c.yaml:2:9: error: 'expect' must be a mapping, not a list",
            "c.yaml:6:3: error: unknown key 'verdikt' in 'expect'\ndid you mean 'verdict'?",
            "c.yaml:7:12: error: 'approved' is not a valid value for 'expect.verdict' (one of: appropriate, inappropriate, needs-review)\ndid you mean 'appropriate'?",
            "c.yaml:8:10: error: 'expect.fired' must be a list, not text",
            "c.yaml:9:15: error: each item of 'expect.not_fired' must be text, not a number",
            "c.yaml:10:22: error: 'fees' is not a finding topic",
            "c.yaml:10:38: error: 'err' is not a severity (error, warning, info)\ndid you mean 'error'?",
            "c.yaml:10:43: error: unknown key 'topik' in an expected finding\ndid you mean 'topic'?",
            "c.yaml:10:54: error: each item of 'expect.findings' must be a mapping with topic and severity",
            "c.yaml:11:24: error: each item of 'expect.suggestions' must be text, not a list",
            "c.yaml:12:38: error: 'request.requestor' is not a fact path\ndid you mean 'request.requester'?",
            "c.yaml:13:9: error: 'expect.todo' needs the reason the expectation is a known gap",
            "c.yaml:16:20: error: 'expect.findings' must be a list of {topic, severity} pairs, not text",
            "c.yaml:16:45: error: 'expect.missing_facts' must be a list, not text",
            "c.yaml:16:70: error: 'expect.todo' holds the invisible control character U+0000, " + HIDDEN,
            "c.yaml:16:70: error: 'expect.todo' needs the reason the expectation is a known gap",
        ]),
}


def diagnostics(text: str) -> list[str]:
    """Every diagnostic of every document of ``text``, as the CLI prints them."""
    items = scenarios_from_documents(read_documents("c.yaml", text))
    assert all(isinstance(item, Invalid) for item in items), items
    return [str(d) for item in items for d in item.diagnostics]


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_check_gives_its_pinned_diagnostics(name: str) -> None:
    text, expected = CASES[name]
    assert diagnostics(text) == expected


def _unknown(count: int) -> list[str]:
    return [f"c.yaml:{i + 2}:1: error: unknown key 'k{i}' in a scenario" for i in range(count)]


def test_the_problem_cap_replaces_the_hundred_and_first_and_drops_the_rest() -> None:
    text = "procedure: {code: D9961}\n" + "".join(f"k{i}: 1\n" for i in range(102))
    assert MAX_PROBLEMS == 100
    assert diagnostics(text) == _unknown(100) + [
        "c.yaml:102:1: error: 100 problems shown; more problems in this document"]


def test_exactly_the_cap_is_shown_without_the_cap_message() -> None:
    text = "procedure: {code: D9961}\n" + "".join(f"k{i}: 1\n" for i in range(100))
    assert diagnostics(text) == _unknown(100)


def test_the_cap_counts_keys_then_required_keys_then_expect() -> None:
    """Which problems survive the cap depends on the order of the checks: pin that order."""
    text = "expect: {verdict: x}\n" + "".join(f"k{i}: 1\n" for i in range(99))
    assert diagnostics(text) == [
        "c.yaml:1:1: error: missing required key 'procedure' in the scenario",
        "c.yaml:1:19: error: 100 problems shown; more problems in this document",
    ] + _unknown(99)


def test_a_valid_document_gives_its_pinned_clean_facts() -> None:
    text = """\
id: 42
title: 2026-01-02
date_of_service: 2026-03-14
state: NY
procedure: {code: 9961, fee: 12.345, description: ~}
service: {kind: records_duplication}
request: {requester: patient, received: '2026-03-09', fulfilled: 2026-03-10, in_writing: true, purpose: null}
records:
  - {kind: chart, count: 0, maintained_electronically: false}
  - {}
billing: {billed_to: nobody}
insurance: {covers_code: unknown, prior_authorization: {required: false}}
claim: {paid_amount: 7, denial_reasons: other, carc: [' 45 ', 96], original_claim_ref: 1.5}
documentation: {}
expect:
  verdict: appropriate
  fired: [r1]
  not_fired: []
  findings: [{topic: coverage}]
  suggestions: [D9961]
  missing_facts: [code.known]
  todo: later
"""
    (s,) = scenarios_from_documents(read_documents("c.yaml", text))
    assert isinstance(s, Scenario)
    assert (s.id, s.title) == ("42", "2026-01-02")
    assert s.facts == {
        "date_of_service": "2026-03-14", "state": "NY", "procedure": {"code": "9961", "fee": 12.35},
        "service": {"kind": "records_duplication"},
        "request": {"requester": "patient", "received": "2026-03-09", "fulfilled": "2026-03-10",
                    "in_writing": True},
        "records": [{"kind": "chart", "count": 0, "maintained_electronically": False}, {}],
        "billing": {"billed_to": "nobody"},
        "insurance": {"covers_code": "unknown", "prior_authorization": {"required": False}},
        "claim": {"paid_amount": 7.0, "denial_reasons": ["other"], "carc": [45, 96], "original_claim_ref": "1.5"},
        "documentation": {},
    }
    assert list(s.facts) == ["date_of_service", "state", "procedure", "service", "request", "records",
                             "billing", "insurance", "claim", "documentation"]
    assert s.expect == Expect(verdict="appropriate", fired=("r1",), not_fired=(), findings=(("coverage", None),),
                              suggestions=("D9961",), missing_facts=("code.known",), todo="later", line=15)


def test_python_dates_and_documents_without_positions() -> None:
    """Data built in Python (dates, datetimes) and a document with no positions at all."""
    data = {"procedure": {"code": _dt.date(2026, 1, 2), "fee": 3}, "title": _dt.datetime(2026, 3, 14, 10, 20),
            "date_of_service": _dt.datetime(2026, 3, 14, 10, 20), "request": {"received": _dt.date(2026, 3, 9)}}
    s = validate(Document("p.yaml", 0, 4, data, {}, {}, ()), "dflt")
    assert isinstance(s, Scenario) and (s.id, s.title) == ("dflt", "2026-03-14T10:20:00")
    assert s.facts == {"procedure": {"code": "2026-01-02", "fee": 3.0}, "date_of_service": "2026-03-14",
                       "request": {"received": "2026-03-09"}}
    bad = {"procedure": {"code": "D\x00"}, "state": None, "title": "\u2069", "zz": 1}
    item = validate(Document("p.yaml", 0, 4, bad, {}, {}, ()), "dflt")
    assert isinstance(item, Invalid)
    assert [str(d) for d in item.diagnostics] == [
        "p.yaml:4:1: error: 'procedure.code' holds the invisible control character U+0000, " + HIDDEN,
        "p.yaml:4:1: error: 'title' holds the invisible control character U+2069, " + HIDDEN,
        "p.yaml:4:1: error: unknown key 'zz' in a scenario",
    ]


def test_every_character_the_text_check_finds_is_unprintable() -> None:
    """The loader searches only text that str.isprintable() rejects: that skips nothing only if
    every character the search looks for is unprintable."""
    found = [c for c in range(0x110000) if _BAD_TEXT.match(chr(c))]
    assert len(found) == 2048 + 9 + 21 + 33 + 5 + 4
    assert not any(chr(c).isprintable() for c in found)


def test_tabs_newlines_and_other_text_pass_unchanged() -> None:
    text = 'procedure: {code: D9961, description: "Zoë\\tsaid:\\n« ok » \\u00a0 \\u200b ✓"}\n'
    (s,) = scenarios_from_documents(read_documents("c.yaml", text))
    assert isinstance(s, Scenario)
    assert s.facts["procedure"]["description"] == "Zoë\tsaid:\n« ok » \u00a0 \u200b ✓"


def _all_fields(fields: Mapping[str, Field]) -> Iterator[Field]:
    for spec in fields.values():
        yield spec
        yield from _all_fields(spec.fields)


def test_the_fields_derived_tables_follow_the_vocabulary() -> None:
    specs = list(_all_fields(SCENARIO)) + list(_all_fields(EXPECT)) + list(_all_fields(COMPUTED))
    for spec in specs:
        assert spec.required_keys == tuple(k for k, f in spec.fields.items() if f.required)
        assert spec.value_set == set(spec.values)
    assert SCENARIO["procedure"].required_keys == ("code",)
    assert Field("section", fields=SCENARIO).required_keys == ("procedure",)
