"""Scenario loading: positions, validation against the vocabulary, several documents."""

from __future__ import annotations

from engine.loader import load_scenarios, scenarios_from_documents
from engine.model import Invalid, Scenario
from engine.yamlsource import read_documents

GOOD = """\
id: good
date_of_service: 2026-03-14
state: NY
procedure: {code: D9961, fee: 9}
service:
  kind: records_duplication
request:
  requester: patient
  received: 2026-03-09
records:
  - {kind: radiographs, form: copy, medium: paper, count: 4}
"""


def load(text: str, name: str = "case.yaml") -> list[Scenario | Invalid]:
    return scenarios_from_documents(read_documents(name, text))


def errors(text: str) -> list[str]:
    (item,) = load(text)
    assert isinstance(item, Invalid), item
    return [str(d) for d in item.diagnostics]


def test_valid_scenario_keeps_facts_and_normalises_types():
    (s,) = load(GOOD)
    assert isinstance(s, Scenario)
    assert s.id == "good"
    assert s.facts["date_of_service"] == "2026-03-14"
    assert s.facts["procedure"]["fee"] == 9.0
    assert s.facts["records"][0]["count"] == 4


def test_positions_are_one_based_lines_and_columns():
    (s,) = load(GOOD)
    assert s.positions["request.requester"] == (8, 14)
    assert s.positions["records[0].form"][0] == 11
    assert s.line == 1


def test_unknown_key_has_position_and_did_you_mean():
    text = GOOD.replace("  requester: patient", "  requestor: patient")
    (msg,) = errors(text)
    assert msg.startswith("case.yaml:8:3: error: unknown key 'requestor' in 'request'")
    assert msg.endswith("did you mean 'requester'?")


def test_unknown_enum_value_has_did_you_mean():
    (msg,) = errors(GOOD.replace("kind: records_duplication", "kind: record_duplication"))
    assert "case.yaml:6:9: error: 'record_duplication' is not a valid value for 'service.kind'" in msg
    assert "did you mean 'records_duplication'?" in msg


def test_impossible_date_is_an_error():
    (msg,) = errors(GOOD.replace("2026-03-09", "2026-02-30"))
    assert ":9:13: error: '2026-02-30' is not a valid date" in msg


def test_negative_fee_is_an_error():
    (msg,) = errors(GOOD.replace("fee: 9", "fee: -5"))
    assert "'procedure.fee' must be a finite amount of zero or more" in msg


def test_missing_procedure_code_is_required():
    (msg,) = errors("state: NY\nprocedure: {fee: 3}\n")
    assert "missing required key 'procedure.code'" in msg


def test_missing_procedure_section_is_required():
    (msg,) = errors("state: NY\n")
    assert "missing required key 'procedure'" in msg


def test_every_problem_of_a_document_is_reported():
    text = GOOD.replace("state: NY", "state: XX").replace("form: copy", "form: copie")
    msgs = errors(text)
    assert len(msgs) == 2
    assert msgs[0].startswith("case.yaml:3:8:") and msgs[1].startswith("case.yaml:11:")


def test_duplicate_keys_are_errors():
    msgs = errors(GOOD + "state: CA\n")
    assert any("duplicate key 'state' (first at line 3)" in m for m in msgs)


def test_several_documents_and_default_ids():
    text = "procedure: {code: D9961}\n---\nprocedure: {code: D9910}\n---\nid: named\nprocedure: {code: D9911}\n"
    items = load(text, "batch.yaml")
    assert [i.id for i in items] == ["batch#1", "batch#2", "named"]
    assert [i.line for i in items] == [1, 3, 5]


def test_a_bad_document_does_not_stop_the_others():
    text = "procedure: {code: D9961}\n---\nprocedure: [unclosed\n---\nprocedure: {code: D9910}\n"
    items = load(text, "batch.yaml")
    assert [type(i).__name__ for i in items] == ["Scenario", "Invalid", "Scenario"]
    assert "invalid YAML" in str(items[1].diagnostics[0])


def test_document_that_is_not_a_mapping():
    (msg,) = errors("- just\n- a list\n")
    assert "a scenario must be a mapping of keys to values, not a list" in msg


def test_python_tags_are_rejected_and_not_run(tmp_path):
    marker = tmp_path / "ran"
    text = f"procedure: !!python/object/apply:os.system ['touch {marker}']\n"
    (msg,) = errors(text)
    assert "tag '!!python/object/apply:os.system' is not allowed" in msg
    assert not marker.exists()


def test_duplicate_scenario_ids_in_one_run(tmp_path):
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text("id: same\nprocedure: {code: D9961}\n")
    items = load_scenarios([str(tmp_path)])
    assert isinstance(items[0], Scenario) and isinstance(items[1], Invalid)
    assert "scenario id 'same' is already used at" in str(items[1].diagnostics[0])


def test_expect_block_is_validated_and_kept():
    (s,) = load(GOOD + "expect:\n  verdict: appropriate\n  fired: [a-rule]\n  findings: [{topic: coverage, severity: info}]\n")
    assert s.expect.verdict == "appropriate" and s.expect.fired == ("a-rule",)
    assert s.expect.findings == (("coverage", "info"),)
    assert "expect" not in s.facts


def test_expect_unknown_key_did_you_mean():
    (msg,) = errors(GOOD + "expect:\n  verdikt: appropriate\n")
    assert "unknown key 'verdikt' in 'expect'" in msg and "did you mean 'verdict'?" in msg


def test_numeric_code_is_read_as_text():
    (s,) = load("procedure: {code: 9961}\n")
    assert s.facts["procedure"]["code"] == "9961"


# Adversarial report: a null or empty procedure.code killed the whole batch with a KeyError.
def test_null_or_empty_required_code_is_an_error_at_its_key():
    for text in ("procedure: {code: null}\n", "procedure: {code: }\n", "procedure:\n", "procedure: null\n"):
        (msg,) = errors(text)
        assert "missing required key 'procedure" in msg, text


def test_lone_surrogate_is_rejected_with_its_position():
    (msg,) = errors('procedure: {code: "\\uD800"}\n')
    assert msg.startswith("case.yaml:1:19: error:") and "not valid Unicode" in msg


def test_numbers_too_large_for_the_engine_are_rejected_at_their_position():
    msgs = errors("procedure: {code: D9961, fee: 1e16}\nrecords: [{kind: chart, count: 123456789012345678901234567890}]\n")
    assert any(m.startswith("case.yaml:1:31:") and "too large" in m for m in msgs)
    assert any(m.startswith("case.yaml:2:") and "too large" in m for m in msgs)


def test_did_you_mean_stays_cheap_for_huge_words():
    from engine.spelling import did_you_mean
    assert did_you_mean("x" * 20000, ["requester", "purpose"]) is None


def test_problems_per_document_are_capped():
    text = "procedure: {code: D9961}\n" + "".join(f"k{i}: 1\n" for i in range(500))
    msgs = errors(text)
    assert len(msgs) <= 101 and "more problems in this document" in msgs[-1]


def test_escaped_control_and_bidi_characters_are_rejected():
    # Adversarial report: "D99\x0061" and "D99\u202e61" reached the terminal raw.
    for escape in ("\\x00", "\\u202e", "\\x1b"):
        (msg,) = errors(f'procedure: {{code: "D99{escape}61"}}\n')
        assert "holds the invisible control character" in msg and msg.startswith("case.yaml:1:19:")


def test_a_code_with_an_invisible_character_says_which():
    """Adversarial trial: 'D9961' + RLM was judged malformed, and the terminal showed D9961."""
    for escape, shown in (("\\u200f", "U+200F"), ("\\u200b", "U+200B"), ("\\ufeff", "U+FEFF"),
                          ("\\u061c", "U+061C"), ("\\u00a0", "U+00A0")):
        (msg,) = errors(f'procedure: {{code: "D9961{escape}"}}\n')
        assert msg.startswith("case.yaml:1:19:") and f"invisible character {shown}" in msg, msg


def test_an_empty_todo_is_an_error():
    (msg,) = errors(GOOD + "expect:\n  verdict: appropriate\n  todo: ''\n")
    assert "'expect.todo' needs the reason" in msg


def test_windows_line_endings_keep_every_document(tmp_path):
    """'---\\r' separates documents too: a CRLF file once read as its first document only."""
    text = ("id: one\nprocedure: {code: D9961}\n---\nid: two\nprocedure: {code: D9910}\n"
            "--- # third\nid: three\nprocedure: {code: D9911}\n...\n").replace("\n", "\r\n")
    path = tmp_path / "crlf.yaml"
    path.write_bytes(text.encode())
    items = load_scenarios([str(path)])
    assert [(i.id, i.line, type(i).__name__) for i in items] == [
        ("one", 1, "Scenario"), ("two", 4, "Scenario"), ("three", 7, "Scenario")]
    assert [i.facts["procedure"]["code"] for i in items] == ["D9961", "D9910", "D9911"]


def test_carc_codes_are_ascii_whole_numbers_in_range():
    """'²' passed str.isdigit() and crashed int(); -5 and 26-digit numbers were accepted."""
    text = ("id: c\nprocedure: {code: D9961}\n"
            "claim: {status: denied, carc: ['²', '٣', -5, 123456789012345678901234567, '16', 197]}\n")
    (item,) = load(text, "c.yaml")
    assert isinstance(item, Invalid)
    messages = [d.message for d in item.diagnostics]
    assert messages == ["each item of 'claim.carc' must be a whole number, not text"] * 2 + [
        "each item of 'claim.carc' must be a reason code from 1 to 9999, not -5",
        "each item of 'claim.carc' must be a reason code from 1 to 9999, not 123456789012345678901234567"]
    (good,) = load("id: g\nprocedure: {code: D9961}\nclaim: {status: denied, carc: ['16', 197]}\n", "g.yaml")
    assert good.facts["claim"]["carc"] == [16, 197]


def test_hints_stop_at_the_problem_cap(monkeypatch):
    """5,000 unknown keys once took a minute: a 'did you mean' was worked out for every one,
    though only the first 100 problems are shown."""
    import engine.loader as loader
    calls = []
    real = loader.did_you_mean
    monkeypatch.setattr(loader, "did_you_mean", lambda *a: calls.append(1) or real(*a))
    text = "id: big\nprocedure: {code: D9961}\n" + "".join(f"k{i}: {i}\n" for i in range(3000))
    (item,) = load(text, "big.yaml")
    assert len(item.diagnostics) == loader.MAX_PROBLEMS + 1
    assert len(calls) <= loader.MAX_PROBLEMS


def test_duplicate_keys_count_toward_the_value_limit(tmp_path):
    """800,000 duplicate keys once took two minutes and 1.9 GB: each is a value read."""
    yaml_path, json_path = tmp_path / "d.yaml", tmp_path / "d.jsonl"
    yaml_path.write_text("id: d\nprocedure: {code: D9961}\n" + "a: 1\n" * 120_000, encoding="utf-8")
    json_path.write_text('{"id": "e", "procedure": {"code": "D9961"}, ' + '"a": 1, ' * 120_000 + '"b": 2}\n',
                         encoding="utf-8")
    for item in load_scenarios([str(yaml_path), str(json_path)]):
        assert isinstance(item, Invalid)
        assert [d.message.split(" (")[0] for d in item.diagnostics] == ["document has more than 100000 values"]
