"""``cdt-companion check`` and the seed coverage table behind it (engine/check.py)."""

from __future__ import annotations

import json
import shutil

import pytest

from engine.check import check
from engine.kbload import bundled_dir
from tests.conftest import REPO


def test_check_passes_with_full_seed_coverage(cli):
    code, out, err = cli("check")
    assert code == 0, err
    assert "73 of 73 seed statements covered or set aside (100%)" in out
    assert "0 rules without a source" in out
    assert "knowledge base OK" in out and err == ""


def test_check_json(cli):
    code, out, _ = cli("check", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["ok"] is True
    assert data["seed"]["percent"] == 100 and data["rules_without_source"] == []
    rows = {row["id"]: row for row in data["seed"]["table"]}
    assert rows["S29"]["status"] == "corrected" and "authorization-not-needed-treatment" in rows["S29"]["covered_by"]
    assert rows["S30"]["status"] == "set_aside" and rows["S30"]["reason"]


def test_pure_report(kb):
    report = check(kb, bundled_dir("facts"))
    assert report.ok and report.accounted == len(report.statements) == 73
    assert sum(report.by_status().values()) == 73
    wrong = [s for s in report.statements if s.status == "corrected"]
    assert wrong and all(s.reason and (s.covered_by or s.catalog) for s in wrong)


@pytest.fixture
def facts_copy(tmp_path):
    target = tmp_path / "facts"
    shutil.copytree(REPO / "facts", target)
    return target


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_unknown_rule_in_covered_by_fails(cli, facts_copy):
    _edit(facts_copy / "seed.yaml", "covered_by: [d9961-internal-use]", "covered_by: [d9961-internal-usage]")
    code, out, err = cli("check", "--facts", str(facts_copy))
    assert code == 2
    assert "statement 'S09': covered_by names rule 'd9961-internal-usage'" in err
    assert "did you mean 'd9961-internal-use'?" in err
    assert "72 of 73 seed statements covered or set aside (98%)" in out


def test_set_aside_without_reason_fails(cli, facts_copy):
    _edit(facts_copy / "seed.yaml", 'reason: "Marketing, not guidance: there is nothing to check in a case."', "reason: ''")
    code, _, err = cli("check", "--facts", str(facts_copy))
    assert code == 2 and "statement 'S01': is set aside without a reason" in err
    assert "seed.yaml:" in err


def test_encoded_without_rules_fails(cli, facts_copy):
    _edit(facts_copy / "seed.yaml", "covered_by: [statement-line-missing]", "covered_by: []")
    code, _, err = cli("check", "--facts", str(facts_copy))
    assert code == 2 and "statement 'S37': is marked encoded but names no rule" in err


def test_unknown_status_fails(cli, facts_copy):
    _edit(facts_copy / "seed.yaml", "status: set_aside", "status: setaside")
    code, _, err = cli("check", "--facts", str(facts_copy))
    assert code == 2 and "did you mean 'set_aside'?" in err


def test_rule_without_source_makes_the_kb_invalid(cli, tmp_path):
    kb_dir = tmp_path / "kb"
    shutil.copytree(REPO / "kb", kb_dir)
    _edit(kb_dir / "billing.yaml",
          '    source: {kind: seed, ref: "Seed guide", section: "Insurance and Billing Guide for D9961"}\n'
          '    rationale: "Seed S37.', '    rationale: "Seed S37.')
    code, out, err = cli("check", "--kb", str(kb_dir))
    assert code == 2 and out == ""
    assert "rule 'statement-line-missing' lacks source" in err


def test_state_row_without_source_or_with_a_bad_key_fails(cli, facts_copy):
    path = facts_copy / "states.yaml"
    _edit(path, "    free_when: [public_benefits_claim]\n", "    free_when: [disability]\n")
    _edit(path, "    deadline_days: 29\n", "    deadline_dayz: 29\n")
    code, out, err = cli("check", "--facts", str(facts_copy))
    # bad reference tables now stop every command at load time, check included
    assert code == 2 and "the knowledge base is invalid" in err
    assert "'disability' is not a request purpose" in err
    assert "state FL: unknown key 'deadline_dayz'" in err
    assert "states.yaml:" in err


def test_base_fee_flag_must_be_true_or_false(cli, facts_copy):
    _edit(facts_copy / "states.yaml", "covers_pages: 10, barred_for_patient: true}",
          "covers_pages: 10, barred_for_patient: yes please}")
    code, _, err = cli("check", "--facts", str(facts_copy))
    assert code == 2 and "state TX: base_fee is {amount, covers_pages}" in err


def test_denial_reason_without_entry_fails(cli, facts_copy):
    _edit(facts_copy / "carc.yaml", "  - reason: frequency_limit\n", "  - reason: frequency\n")
    code, _, err = cli("check", "--facts", str(facts_copy))
    assert code == 2
    assert "'frequency' is not a denial reason" in err
    assert "denial reason 'frequency_limit' has no entry" in err
