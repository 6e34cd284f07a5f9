"""End-to-end `run` and `explain` through the CLI, in-process."""

from __future__ import annotations

import json

from tests.conftest import SCENARIOS

RELOCATION = str(SCENARIOS / "relocation-copies.yaml")
INTERNAL = str(SCENARIOS / "internal-records.yaml")


def test_run_jsonl_prints_one_object_per_scenario_with_contract_keys(cli):
    code, out, err = cli("run", str(SCENARIOS), "--format", "jsonl")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code in (0, 1) and "Traceback" not in err
    assert len({r["scenario"] for r in rows}) == len(rows) >= 12
    required = {"scenario", "file", "line", "code", "normalized_code", "verdict", "missing_facts",
                "findings", "suggestions", "error"}
    assert all(required <= set(r) for r in rows)
    assert all(r["verdict"] in ("appropriate", "inappropriate", "needs-review") for r in rows)


def test_findings_carry_rule_topic_severity_because_and_source(cli):
    _, out, _ = cli("run", RELOCATION, "--format", "json")
    (result,) = json.loads(out)["results"]
    finding = next(f for f in result["findings"] if f["rule"] == "d9961-fits-external-copies")
    assert finding["topic"] == "code_fit" and finding["severity"] == "info"
    assert {"fact": "service.kind", "value": "records_duplication", "line": 9,
            "derived_by": None} in finding["because"]
    assert finding["source"]["kind"] == "seed" and finding["source"]["section"]


def test_run_exit_code_0_for_clean_and_1_for_inappropriate(cli, write):
    clean = write("procedure: {code: D9910}\nservice: {kind: desensitizing_medicament}\n")
    assert cli("run", clean)[0] == 0
    assert cli("run", INTERNAL)[0] == 1


def test_run_exit_code_2_for_bad_input_but_good_ones_still_evaluated(cli, write):
    path = write("procedure: {code: D9910}\nservice: {kind: desensitizing_medicament}\n---\n"
                 "procedure: {code: D9961}\nservise: {kind: x}\n")
    code, out, _ = cli("run", path, "--format", "jsonl")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 2
    assert rows[0]["verdict"] == "appropriate" and rows[0]["error"] is None
    assert rows[1]["verdict"] is None
    assert "unknown key 'servise'" in rows[1]["error"][0] and "did you mean 'service'?" in rows[1]["error"][0]


def test_two_runs_give_byte_identical_json(cli):
    first = cli("run", str(SCENARIOS), "--format", "json")[1]
    second = cli("run", str(SCENARIOS), "--format", "json")[1]
    assert first == second and first


def test_json_output_is_stamped_with_kb_digest(cli, kb):
    data = json.loads(cli("run", RELOCATION, "--format", "json")[1])
    assert data["kb_digest"] == kb.digest and data["tool"] == "cdt-companion"


def test_text_output_names_verdict_rule_and_lines(cli):
    code, out, _ = cli("run", INTERNAL)
    assert "INAPPROPRIATE" in out and "d9961-internal-use" in out
    assert "request.purpose = office_internal (line 9)" in out


def test_explain_prints_derivation_tree_back_to_lines(cli):
    code, out, _ = cli("explain", RELOCATION)
    assert code == 0
    assert out.startswith("scenario relocation-copies (")
    assert "└─ verdict appropriate" in out
    assert "derived.external-request ← external-party-request" in out
    assert "request.requester = patient (line 11)" in out


def test_explain_rule_shows_each_condition_with_value_seen(cli):
    code, out, _ = cli("explain", RELOCATION, "--rule", "d9961-internal-use")
    assert "rule d9961-internal-use did not fire" in out
    assert "[NOT met] request.requester is practice_itself  (seen: patient)" in out
    assert "[met    ] procedure.code is D9961  (seen: D9961)" in out


def test_explain_unknown_rule_is_a_usage_error_with_suggestion(cli):
    code, _, err = cli("explain", RELOCATION, "--rule", "d9961-internal-usee")
    assert code == 2 and "did you mean 'd9961-internal-use'?" in err


def test_missing_path_is_a_clear_error(cli, tmp_path):
    code, out, err = cli("run", str(tmp_path / "nope.yaml"))
    assert code == 2 and "Traceback" not in err + out


def test_unknown_format_is_a_usage_error(cli):
    code, _, err = cli("run", RELOCATION, "--format", "xml")
    assert code == 2 and "invalid choice" in err


def test_needs_review_names_missing_facts(cli, write):
    path = write("procedure: {code: D9961}\n")
    code, out, _ = cli("run", path, "--format", "json")
    (result,) = json.loads(out)["results"]
    assert result["verdict"] == "needs-review"
    assert "service.kind" in result["missing_facts"]


def test_invalid_kb_is_exit_2_with_file_line(cli, tmp_path, write):
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "bad.yaml").write_text("rules:\n  - id: x\n    title: t\n")
    code, _, err = cli("run", write("procedure: {code: D9961}\n"), "--kb", str(kb))
    assert code == 2
    assert "bad.yaml:2:5: error: rule 'x' lacks" in err and "source" in err


def test_python_module_entry_point(tmp_path):
    import os
    import subprocess
    import sys
    env = {**os.environ, "PYTHONPATH": str(SCENARIOS.parent)}
    proc = subprocess.run([sys.executable, "-m", "engine", "run", RELOCATION, "--format", "jsonl"],
                          capture_output=True, text=True, cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["verdict"] == "appropriate"


def test_needs_review_follows_derived_facts_to_the_missing_purpose(cli, write):
    # New-user report: a patient's request with no purpose was needs-review with no missing facts.
    path = write("procedure: {code: D9961}\nservice: {kind: records_duplication}\n"
                 "request: {requester: patient}\nrecords: [{kind: chart, form: copy}]\n")
    (result,) = json.loads(cli("run", path, "--format", "json")[1])["results"]
    assert result["verdict"] == "needs-review"
    assert "request.purpose" in result["missing_facts"]


def test_empty_records_count_as_missing(cli, write):
    path = write("procedure: {code: D9961}\nservice: {kind: records_duplication}\n"
                 "request: {requester: patient, purpose: relocation}\nrecords: []\n")
    (result,) = json.loads(cli("run", path, "--format", "json")[1])["results"]
    assert result["verdict"] == "needs-review" and "records" in result["missing_facts"]


def test_text_headline_and_quiet_say_why_an_appropriate_code_still_fails(cli):
    # New-user report: '--quiet' printed only the summary and exit 1, with no visible reason.
    path = str(SCENARIOS / "unverified-third-party.yaml")
    code, out, _ = cli("run", path, "--quiet")
    assert code == 1
    assert out.splitlines()[0].endswith("APPROPRIATE  [2 errors, 1 warning]")
    assert out.splitlines()[-1].endswith("; 1 with error findings")


def test_quiet_says_why_a_scenario_was_not_judged(cli, tmp_path):
    """New-user report: '--quiet' showed 'NOT EVALUATED' and hid the reason."""
    code, out, _ = cli("run", str(tmp_path / "nosuch.yaml"), "--quiet")
    lines = out.splitlines()
    assert code == 2 and lines[0].endswith("NOT EVALUATED")
    assert "nosuch.yaml" in lines[1] and "error:" in lines[1] and len(lines) == 3


def test_readme_sample_output_is_what_run_prints(cli, monkeypatch):
    readme = (SCENARIOS.parent / "README.md").read_text(encoding="utf-8")
    start = readme.index("```text\nscenarios/internal-records.yaml:4") + len("```text\n")
    sample = readme[start:readme.index("```", start)]
    monkeypatch.chdir(SCENARIOS.parent)
    _, out, _ = cli("run", "scenarios/internal-records.yaml")
    assert out == sample, "update the README's sample: cdt-companion run scenarios/internal-records.yaml"


def test_run_and_test_take_options_between_paths(cli, write):
    """`run a.yaml --jobs 2 b.yaml` used to stop at 'unrecognized arguments: b.yaml'."""
    first = write("id: first\nprocedure: {code: D9910}\nservice: {kind: desensitizing_medicament}\n", "a.yaml")
    second = write("id: second\nprocedure: {code: D9910}\nservice: {kind: desensitizing_medicament}\n",
                   "b.yaml")
    mixed = cli("run", first, "--jobs", "1", second, "--format", "jsonl")
    assert mixed == cli("run", first, second, "--jobs", "1", "--format", "jsonl")
    assert mixed[0] == 0 and [json.loads(line)["scenario"] for line in mixed[1].splitlines()] == [
        "first", "second"]
    code, out, err = cli("test", RELOCATION, "--format", "json", INTERNAL)
    assert code == 0 and json.loads(out)["summary"]["passed"] == 2, err
    assert cli("run", first, "--jobs", "x", second)[0] == 2           # a bad value is still refused
    assert "unrecognized arguments: --bogus" in cli("run", first, "--bogus", second)[2]


def test_double_dash_still_marks_a_path_that_starts_with_a_dash(cli, write, tmp_path, monkeypatch):
    """Intermixed parsing in Python 3.11 drops the `--`; the path must still be read as a path."""
    write("id: dashed\nprocedure: {code: D9910}\nservice: {kind: desensitizing_medicament}\n",
          "-dashed.yaml")
    monkeypatch.chdir(tmp_path)
    code, out, err = cli("run", "--format", "jsonl", "--", "-dashed.yaml")
    assert code == 0 and json.loads(out)["scenario"] == "dashed", err
