"""Knowledge-base validation catches rules that could never fire or are misspelled."""

from __future__ import annotations

import shutil

import pytest

from engine.errors import KnowledgeBaseError
from engine.kbload import bundled_dir, load_kb

RULE = """\
rules:
  - id: probe
    title: probe
    codes: [D9961]
    topic: code_fit
    severity: info
    source: {{kind: seed, ref: "Seed guide"}}
    when:
      - {{fact: procedure.code, is: D9961}}
      - {condition}
    then:
      {then}
      message: "m"
"""


def load_with(tmp_path, condition: str, then: str = "verdict: appropriate"):
    kb = tmp_path / "kb"
    shutil.copytree(bundled_dir("kb"), kb)
    (kb / "zz_probe.yaml").write_text(RULE.format(condition=condition, then=then))
    return load_kb(kb, bundled_dir("facts"))


def problems(tmp_path, condition: str) -> str:
    with pytest.raises(KnowledgeBaseError) as caught:
        load_with(tmp_path, condition)
    return str(caught.value)


def test_enum_literal_outside_the_vocabulary_is_an_error(tmp_path):
    text = problems(tmp_path, "{fact: request.requester, is: lawyer}")
    assert "zz_probe.yaml:10:9: error: 'request.requester' is never 'lawyer'" in text


def test_enum_literal_in_list_gets_did_you_mean(tmp_path):
    text = problems(tmp_path, "{fact: request.purpose, in: [relocation, refferal]}")
    assert "is never 'refferal'" in text and "did you mean 'referral'?" in text


def test_record_field_literal_is_checked_against_record_vocabulary(tmp_path):
    text = problems(tmp_path, "{any_record: {fact: form, is: photocopy}}")
    assert "'form' is never 'photocopy'" in text


def test_boolean_fact_compared_with_text_is_an_error(tmp_path):
    assert "is true or false, never 'yes'" in problems(tmp_path, "{fact: request.in_writing, is: 'yes'}")


def test_valid_literals_pass_and_hyphenated_needs_review_is_accepted(tmp_path):
    kb = load_with(tmp_path, "{fact: request.requester, in: [attorney, patient]}",
                   "verdict: needs-review\n      missing: [request.purpose]")
    assert kb.rule("probe").verdict == "needs_review"


def test_check_names_the_folders_it_read(cli, tmp_path):
    # New-user report: an installed command silently checked its own copy, not the edited kb/.
    kb = tmp_path / "kb"
    shutil.copytree(bundled_dir("kb"), kb)
    code, out, _ = cli("check", "--kb", str(kb))
    assert code == 0
    assert out.splitlines()[:2] == [f"knowledge base: {kb}", f"facts: {bundled_dir('facts')}"]


def test_numbers_the_engine_cannot_hold_are_refused_by_check(tmp_path):
    # Adversarial report: 'gt: .inf' or 'gt: 1e16' passed check, then crashed every run.
    for i, literal in enumerate((".inf", "1e16", ".nan")):
        text = problems(tmp_path / str(i), f"{{fact: procedure.fee, gt: {literal}}}")
        assert "is not a number the engine can hold" in text, literal


def test_graph_edges_are_checked_with_their_lines(tmp_path):
    facts = tmp_path / "facts"
    shutil.copytree(bundled_dir("facts"), facts)
    graph = facts / "graph.yaml"
    graph.write_text(graph.read_text().replace("to: D9920", "to: D9219", 1))
    with pytest.raises(KnowledgeBaseError) as caught:
        load_kb(bundled_dir("kb"), facts)
    (problem,) = caught.value.diagnostics
    assert problem.path.endswith("graph.yaml") and problem.line > 1
    assert "'D9219' is not a catalog code" in problem.message


def test_an_empty_kb_folder_is_an_error_not_a_silent_pass(tmp_path):
    (tmp_path / "kb").mkdir()
    with pytest.raises(KnowledgeBaseError, match="holds no rule files"):
        load_kb(tmp_path / "kb", bundled_dir("facts"))


def test_yml_rule_files_are_read_too(tmp_path):
    kb = tmp_path / "kb"
    shutil.copytree(bundled_dir("kb"), kb)
    (kb / "broken.yml").write_text("rules:\n  - id: x\n")
    with pytest.raises(KnowledgeBaseError, match="broken.yml:2:5"):
        load_kb(kb, bundled_dir("facts"))


@pytest.mark.parametrize("old,new,message", [
    ("tiers:\n", "tiers: {a: 1}\n      old_tiers:\n", "'tiers' is a list of page bands"),
    ("deadline_days: 30", "deadline_days: fifteen", "deadline_days is a whole number"),
    ("per_page: 0.75", "per_page: .inf", "page bands need ascending"),
])
def test_bad_state_figures_stop_every_command_with_their_line(tmp_path, old, new, message):
    # Adversarial report: these passed check (or crashed it) and failed only at run time.
    facts = tmp_path / "facts"
    shutil.copytree(bundled_dir("facts"), facts)
    states = facts / "states.yaml"
    text = states.read_text()
    assert old in text
    states.write_text(text.replace(old, new, 1))
    with pytest.raises(KnowledgeBaseError) as caught:
        load_kb(bundled_dir("kb"), facts)
    assert any(message in d.message and d.line > 1 for d in caught.value.diagnostics), caught.value
