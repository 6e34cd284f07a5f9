"""``cdt-companion test``: one line per scenario, differences, why-nots, JUnit, coverage, exits.

Judged by the small fixture kb in tests/fixtures/suite_kb so these tests do not move when the
bundled knowledge base grows; the bundled scenarios are tested in test_bundled_suite.py.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CASES = FIXTURES / "suite_cases"
KB = ("--kb", str(FIXTURES / "suite_kb" / "kb"), "--facts", str(FIXTURES / "suite_kb" / "facts"))
GOOD = (str(CASES / "passing.yaml"), str(CASES / "internal.yaml"))


def test_all_passing_exits_0_with_one_line_per_scenario(cli):
    code, out, err = cli("test", *KB, *GOOD)
    assert code == 0, out + err
    lines = out.splitlines()
    assert lines[0] == f"PASS outside-ok ({CASES / 'passing.yaml'}:4)"
    assert lines[1].startswith(f"XFAIL known-gap ({CASES / 'passing.yaml'}:15)")
    assert "the fixture kb cannot tell this case apart yet" in lines[1]
    assert lines[2] == f"PASS internal-bad ({CASES / 'internal.yaml'}:1)"
    assert lines[-1] == "2 passed, 0 failed, 1 xfailed, 1 skipped"


def test_broken_expectation_exits_1_with_difference_and_why_not(cli):
    code, out, _ = cli("test", *KB, str(CASES / "broken.yaml"))
    assert code == 1
    assert out.splitlines()[0] == f"FAIL broken-expectation ({CASES / 'broken.yaml'}:2)"
    missing = out[out.index("missing"):out.index("unexpected")]
    unexpected = out[out.index("unexpected"):out.index("rule demo-fits did not fire")]
    assert "verdict appropriate (got needs-review)" in missing
    assert "rule demo-fits to fire (it did not)" in missing
    assert "rule demo-fee-charged fired (expected not to)" in unexpected
    assert "demo-fee-charged" not in missing
    # the condition that failed, with the value seen, and the ones that held
    assert "[NOT met] service.kind is records_duplication  (seen: consultation)" in out
    assert "[met    ] procedure.code is D9961  (seen: D9961)" in out
    assert out.endswith("0 passed, 1 failed\n")


def test_unknown_rule_in_expect_is_an_error_with_did_you_mean(cli, write):
    path = write("id: typo\nprocedure: {code: D9961}\nexpect:\n  fired: [demo-internl]\n")
    code, out, _ = cli("test", *KB, path)
    assert code == 2
    assert f"ERROR typo ({path}:1)" in out
    assert f"{path}:4:11: error: expect.fired names rule 'demo-internl'" in out
    assert "did you mean 'demo-internal'?" in out
    assert out.endswith("0 passed, 0 failed, 1 error\n")


def test_alias_in_expect_is_accepted(cli, write):
    path = write("id: a\nprocedure: {code: D9961}\nservice: {kind: records_duplication}\n"
                 "request: {requester: dentist}\nexpect: {fired: [demo-old-fits]}\n")
    code, out, _ = cli("test", *KB, path)
    assert (code, out.splitlines()[-1]) == (0, "1 passed, 0 failed")


def test_todo_that_passes_is_reported_and_fails(cli, write):
    path = write("id: fixed\nprocedure: {code: D9961}\nrequest: {requester: practice_itself}\n"
                 "expect: {verdict: inappropriate, todo: waiting for the rule}\n")
    code, out, _ = cli("test", *KB, path)
    assert code == 1
    assert "todo passes now: remove the todo" in out
    assert out.endswith("0 passed, 1 failed\n")


def test_invalid_document_is_an_error_shown_with_its_diagnostics(cli, write):
    path = write("id: bad\nprocedure: {code: D9961}\nrequest: {requestor: patient}\nexpect: {verdict: appropriate}\n"
                 "---\nid: ok\nprocedure: {code: D9961}\nexpect: {verdict: needs-review}\n")
    code, out, _ = cli("test", *KB, path)
    assert code == 2
    assert f"{path}:3:" in out and "error: unknown key 'requestor' in 'request'" in out
    assert "did you mean 'requester'?" in out
    assert "PASS ok" in out
    assert out.endswith("1 passed, 0 failed, 1 error\n")


def test_junit_parses_with_the_right_counts(cli, tmp_path):
    target = tmp_path / "report.xml"
    code, _, _ = cli("test", *KB, str(CASES), "--junit", str(target))
    assert code == 1
    root = ET.parse(target).getroot()
    assert root.tag == "testsuites"
    suite = root.find("testsuite")
    assert suite is not None
    assert {k: suite.get(k) for k in ("tests", "failures", "errors", "skipped")} == {
        "tests": "4", "failures": "1", "errors": "0", "skipped": "1"}
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert sorted(cases) == ["broken-expectation", "internal-bad", "known-gap", "outside-ok"]
    assert cases["outside-ok"].get("classname") == str(CASES / "passing.yaml")
    failure = cases["broken-expectation"].find("failure")
    assert failure is not None and "seen: consultation" in (failure.text or "")
    assert cases["known-gap"].find("skipped") is not None
    assert not list(cases["outside-ok"])


def test_junit_is_deterministic(cli, tmp_path):
    first, second = tmp_path / "a.xml", tmp_path / "b.xml"
    cli("test", *KB, str(CASES), "--junit", str(first))
    cli("test", *KB, str(CASES), "--junit", str(second))
    assert first.read_bytes() == second.read_bytes()
    assert b"timestamp" not in first.read_bytes()


def test_coverage_lists_unfired_rules_and_unexercised_seed_statements(cli):
    code, out, _ = cli("test", *KB, str(CASES / "passing.yaml"), "--coverage")
    assert code == 0
    assert "rule coverage: 2/4 (50.0%)" in out
    assert "  not fired: demo-fee-charged\n  not fired: demo-internal\n" in out
    assert "seed statements exercised: 1/2" in out
    assert "  not exercised: S02 (rules: demo-fee-charged)" in out
    assert "S03" not in out


@pytest.mark.parametrize("threshold, expected", [("60", 1), ("50", 0), ("0", 0)])
def test_fail_under(cli, threshold, expected):
    code, _, err = cli("test", *KB, str(CASES / "passing.yaml"), "--fail-under", threshold)
    assert code == expected
    assert ("below --fail-under" in err) == (expected == 1)


def test_full_coverage_meets_fail_under_100(cli):
    code, out, _ = cli("test", *KB, *GOOD, "--coverage", "--fail-under", "100")
    assert code == 0
    assert "rule coverage: 4/4 (100.0%)" in out


def test_fail_under_rejects_a_non_percentage(cli):
    code, _, err = cli("test", *KB, str(CASES), "--fail-under", "150")
    assert code == 2 and "percentage" in err


def test_json_format(cli):
    import json
    code, out, _ = cli("test", *KB, str(CASES), "--format", "json", "--coverage")
    data = json.loads(out)
    assert code == 1
    assert data["summary"] == {"passed": 2, "failed": 1, "errors": 0, "xfailed": 1, "skipped": 1}
    broken = next(o for o in data["outcomes"] if o["scenario"] == "broken-expectation")
    assert broken["status"] == "failed"
    assert broken["why_not"][0]["rule"] == "demo-fits"
    assert {"depth": 1, "met": False, "seen": "consultation",
            "text": "service.kind is records_duplication"} in broken["why_not"][0]["conditions"]
    assert data["coverage"]["percent"] == 100.0


def test_missing_path_is_bad_input(cli, tmp_path):
    code, out, err = cli("test", *KB, str(tmp_path / "nope.yaml"), str(CASES / "internal.yaml"))
    assert code == 2 and "no such file" in out + err


def test_explain_rule_that_did_not_fire_shares_the_why_not(cli):
    code, out, _ = cli("explain", *KB, str(CASES / "broken.yaml"), "--rule", "demo-fits")
    assert code == 0
    assert "scenario broken-expectation" in out
    assert "rule demo-fits did not fire" in out
    assert "[NOT met] service.kind is records_duplication  (seen: consultation)" in out


def test_explain_rule_alias_and_misspelling(cli):
    code, out, _ = cli("explain", *KB, str(CASES / "internal.yaml"), "--rule", "demo-internal")
    assert code == 0 and "rule demo-internal FIRED" in out
    code, _, err = cli("explain", *KB, str(CASES / "internal.yaml"), "--rule", "demo-old-fit")
    assert code == 2 and "did you mean 'demo-old-fits'?" in err
