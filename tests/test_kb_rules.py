"""The knowledge base's rules: every bundled scenario's expect: block holds, every rule has a
scenario where it fires and one where it must not, the contract's examples get the findings
their comments state, and the ``rules`` command lists and shows rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.expectations import compare
from engine.loader import load_scenarios
from engine.model import Scenario
from tests.conftest import SCENARIOS

SEED = Path("/work/shared/seed/000_ca5268e4b5635d2a.txt")


@pytest.fixture(scope="module")
def cases():
    return [s for s in load_scenarios([str(SCENARIOS)]) if isinstance(s, Scenario) and s.expect]


@pytest.fixture(scope="module")
def results(judge, cases):
    return {s.id: judge.result(s) for s in cases}


def test_every_expect_block_holds(kb, judge, cases, results):
    failures = []
    for scenario in cases:
        outcome = compare(scenario, results[scenario.id], kb, judge.trace(scenario)[0])
        if not outcome.ok:
            failures.append(f"{scenario.id}: missing {outcome.missing} unexpected {outcome.unexpected}")
    assert not failures, "\n".join(failures)


def test_every_rule_fires_somewhere_and_is_quiet_somewhere(kb, cases, results):
    fired = {rid for s in cases for rid in s.expect.fired}
    quiet = {rid for s in cases for rid in s.expect.not_fired}
    ids = [r.id for r in kb.rules]
    assert [r for r in ids if r not in fired] == []
    assert [r for r in ids if r not in quiet] == []
    # and the expectation is about real behaviour: each rule did fire in some result
    really = {rid for r in results.values() for rid in r.fired}
    assert [r for r in ids if r not in really] == []


def test_scenario_ids_are_unique(cases):
    ids = [s.id for s in load_scenarios([str(SCENARIOS)]) if isinstance(s, Scenario)]
    assert len(ids) == len(set(ids))


def _findings(result):
    return {(f.topic, f.severity) for f in result.findings}


def test_attorney_example_has_no_fee_error(results):
    result = results["attorney-authorized-ny"]
    assert result.verdict == "appropriate"
    assert not any(f.topic == "fee_limit" and f.severity == "error" for f in result.findings)
    within = next(f for f in result.findings if f.rule == "fee-within-state-cap-third-party")
    assert "$15.00" in within.message


def test_insurer_dispute_maps_carc_and_asks_for_packet(results):
    result = results["insurer-dispute-denied"]
    assert ("appeal", "warning") in _findings(result)
    mapping = next(f for f in result.findings if f.rule == "denial-missing-documentation")
    assert "16" in mapping.message and "252" in mapping.message
    packet = next(f for f in result.findings if f.rule == "appeal-can-succeed")
    text = " ".join(packet.recommend)
    assert "narrative" in text and "itemised list" in text and "original claim reference" in text


def test_unverified_third_party_findings(results):
    found = _findings(results["unverified-third-party"])
    assert {("identity", "error"), ("authorization", "error")} <= found
    assert any(topic == "disclosure_log" for topic, _ in found)


def test_relocation_has_info_findings_only(results):
    result = results["relocation-copies"]
    assert result.verdict == "appropriate"
    assert {f.severity for f in result.findings} == {"info"}
    assert any(f.topic == "coverage" for f in result.findings)


def test_referral_has_at_most_info_about_authorization(results):
    auth = [f for f in results["referral-specialist"].findings if f.topic == "authorization"]
    assert auth and all(f.severity == "info" for f in auth)


def test_prior_auth_example_separates_payer_and_hipaa_authorization(results):
    result = results["prior-auth-missing"]
    warning = next(f for f in result.findings if f.rule == "payer-prior-auth-missing")
    assert warning.severity == "warning" and "HIPAA authorization" in warning.message
    assert not any(f.topic == "authorization" and f.severity != "info" for f in result.findings)


def test_frequency_and_diagnosis_denials_are_flagged_as_inapplicable(results):
    freq = next(f for f in results["claim-frequency-denial"].findings
                if f.rule == "denial-frequency-largely-inapplicable")
    diag = next(f for f in results["claim-diagnosis-mismatch"].findings
                if f.rule == "denial-diagnosis-inapplicable")
    assert "119" in freq.message and "no CDT or HIPAA rule" in freq.message
    assert "11" in diag.message and "no diagnosis" in diag.message


DIAGNOSIS_DENIAL = """id: diagnosis-denial-{kind}
date_of_service: 2026-05-12
state: MA
procedure: {{code: D9961, fee: 45.00}}
{service}claim: {{status: denied, paid_amount: 0, denial_reasons: [code_mismatch], carc: [11]}}
"""


@pytest.mark.parametrize("kind, speaks", [
    (None, True),                           # service unstated: the denial is still suspect
    ("records_duplication", True),          # copies, as D9961 says: the payer likely erred
    ("desensitizing_medicament", False),    # the code does not fit the service: the payer is right
    ("records_transfer_originals", False),  # originals are not D9961 either
])
def test_diagnosis_denial_only_doubts_the_payer_when_the_code_fits(judge, write, kind, speaks):
    service = f"service: {{kind: {kind}}}\n" if kind else ""
    [scenario] = load_scenarios([write(DIAGNOSIS_DENIAL.format(kind=kind, service=service))])
    fired = {f.rule for f in judge.result(scenario).findings}
    assert ("denial-diagnosis-inapplicable" in fired) is speaks


def test_d9961_before_cdt_2020(results):
    result = results["validity-d9961-in-2019"]
    assert result.verdict == "inappropriate"
    finding = next(f for f in result.findings if f.rule == "code-before-cdt-version")
    assert "2020" in finding.message and "2019-11-04" in finding.message


@pytest.mark.parametrize("scenario,days,statute", [
    ("time-tx-32-days", "30 days", "Tex. Occ. Code §258.109"),
    ("time-ny-12-days", "10 days", "N.Y. Public Health Law §18(2)(e)"),
    ("time-md-22-business-days", "21 business days", "Md. Code, Health-Gen. §4-304"),
])
def test_late_state_deadline_names_the_states_deadline_and_statute(results, scenario, days, statute):
    """The finding says how long the state allows and under which law, and its advice holds
    in every state it fires for: none of them lets the provider extend (TX's 30 days are
    not shorter than HIPAA's first 30, so "shorter" would be false there)."""
    finding = next(f for f in results[scenario].findings if f.rule == "access-late-state-deadline")
    assert f"allows {days} from the request" in finding.message and statute in finding.message
    advice = " ".join(finding.recommend)
    assert "no extension" in advice and "shorter" not in advice


def test_no_state_data_is_info_never_a_guess(results):
    finding = next(f for f in results["fees-ma-no-data"].findings if f.rule == "fee-no-state-data")
    assert finding.severity == "info" and "No fee data for MA" in finding.message
    assert not any(f.topic == "fee_limit" and f.severity == "error" for f in results["fees-ma-no-data"].findings)


def test_every_rule_is_sourced(kb):
    for rule in kb.rules:
        assert rule.source.kind and rule.source.ref.strip(), rule.id


def test_seed_sourced_rules_name_a_real_seed_section(kb):
    if not SEED.exists():
        pytest.skip("the shared seed guide is not available here")
    seed = SEED.read_text(encoding="utf-8").splitlines()
    for rule in kb.rules:
        if rule.source.kind == "seed":
            assert rule.source.section in seed, (rule.id, rule.source.section)


def test_related_code_rules_cite_the_seed_section(kb):
    for code in ("d9110", "d9120", "d9210", "d9211", "d9310"):
        assert kb.rule(f"{code}-wrong-service").source.section == "Related CDT Codes to D9961"


# ---------------------------------------------------------------- the rules command

def test_rules_lists_by_topic(cli):
    code, out, _ = cli("rules", "--topic", "fee_limit")
    assert code == 0
    lines = out.splitlines()
    assert any(line.startswith("fee-above-state-cap ") for line in lines)
    assert not any(line.startswith("identity-not-verified ") for line in lines)
    assert lines[-1].endswith(" rules")


def test_rules_by_code_keeps_any_code_rules(cli):
    _, out, _ = cli("rules", "--code", "d9910", "--format", "json")
    ids = {r["id"] for r in json.loads(out)["rules"]}
    assert "d9910-wrong-service" in ids and "code-malformed" in ids
    assert "d9961-internal-use" not in ids


def test_rules_show_gives_conditions_conclusion_source_and_place(cli):
    code, out, _ = cli("rules", "show", "fee-above-state-cap")
    assert code == 0
    assert "fee-above-state-cap: " in out
    assert "kb/fee_limit.yaml:" in out
    assert "procedure.fee gt calc state_copy_fee_max" in out
    assert "derived fact 'external-request'" in out
    assert "source: [statute]" in out and "message:" in out


def test_rules_show_json(cli):
    _, out, _ = cli("rules", "show", "disclosure-not-logged", "--format", "json")
    card = json.loads(out)["rule"]
    assert card["topic"] == "disclosure_log" and card["severity"] == "error"
    assert card["source"]["ref"].startswith("45 CFR 164.528")
    path, line = card["where"].rsplit(":", 1)
    assert path.endswith("kb/disclosure_log.yaml") and line.isdigit() and int(line) > 1


@pytest.mark.parametrize("argv,needle", [
    (("rules", "show", "fee-above-state-cap2"), "did you mean 'fee-above-state-cap'?"),
    (("rules", "--topic", "fees"), "is not a topic"),
    (("rules", "--code", "D1234"), "is not in the catalog"),
    (("rules", "shw", "x"), "expected 'rules show ID'"),
])
def test_rules_usage_errors(cli, argv, needle):
    code, out, err = cli(*argv)
    assert code == 2 and needle in err and out == ""
