"""Machine input (issue 7): standard input, .json and .jsonl files, with YAML's validation and
``path:line:col`` errors."""

from __future__ import annotations

import io
import json
import sys

import pytest

from engine.jsonsource import read_any, read_json, read_jsonl
from engine.loader import find_files, load_scenarios
from engine.model import Invalid, Scenario
from tests.conftest import SCENARIOS

GOOD = {"id": "j-good", "procedure": {"code": "D9961", "fee": 10},
        "service": {"kind": "records_duplication"},
        "request": {"requester": "dentist", "purpose": "referral"},
        "records": [{"kind": "radiographs", "form": "copy", "count": 2}]}


def _stdin(monkeypatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8"))))


def _line(doc: dict) -> str:
    return json.dumps(doc, separators=(", ", ": "))


def _rows(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def test_run_dash_reads_yaml_from_stdin(cli, monkeypatch):
    _stdin(monkeypatch, (SCENARIOS / "batch-of-three.yaml").read_text(encoding="utf-8"))
    code, out, err = cli("run", "-", "--format", "jsonl")
    rows = _rows(out)
    assert [r["scenario"] for r in rows] == ["batch-a", "batch-b", "batch-c"]
    assert {r["file"] for r in rows} == {"<stdin>"}
    assert [r["line"] for r in rows] == [2, 9, 14]
    assert code == 0 and err == ""


def test_run_dash_reads_jsonl_from_stdin(cli, monkeypatch):
    bad = {"procedure": {"code": "D9961"}, "request": {"requestor": "patient"}}
    _stdin(monkeypatch, _line(GOOD) + "\n" + _line(bad) + "\n")
    code, out, _ = cli("run", "-", "--format", "jsonl")
    rows = _rows(out)
    assert rows[0]["scenario"] == "j-good" and rows[0]["verdict"] == "appropriate"
    assert rows[1]["scenario"] == "stdin#2"
    assert rows[1]["error"][0].startswith("<stdin>:2:46: error: unknown key 'requestor' in 'request'")
    assert "did you mean 'requester'?" in rows[1]["error"][0]
    assert code == 2


def test_run_dash_reads_a_json_array_from_stdin(cli, monkeypatch):
    _stdin(monkeypatch, json.dumps([GOOD, {**GOOD, "id": "j-two"}], indent=2))
    code, out, _ = cli("run", "-", "--format", "jsonl")
    assert [r["scenario"] for r in _rows(out)] == ["j-good", "j-two"]
    assert code == 0


def test_jsonl_batch_keeps_every_line_in_order(cli, write):
    lines = [_line({**GOOD, "id": f"case-{n}"}) for n in range(5)]
    lines.insert(2, "")                                   # blank lines are skipped, not counted
    broken = '{"id": "broken", "procedure": {"code": "D9961",}}'
    lines.insert(4, broken)
    path = write("\n".join(lines) + "\n", "batch.jsonl")
    code, out, _ = cli("run", path, "--format", "jsonl")
    rows = _rows(out)
    assert [r["scenario"] for r in rows] == ["case-0", "case-1", "case-2", "batch#4", "case-3", "case-4"]
    assert [r["line"] for r in rows] == [1, 2, 4, 5, 6, 7]
    col = broken.index(",}") + 2                          # the '}' where a key should be
    assert rows[3]["error"] == [f"{path}:5:{col}: error: invalid JSON: Expecting property name "
                                "enclosed in double quotes"]
    assert all(r["verdict"] == "appropriate" for i, r in enumerate(rows) if i != 3)
    assert code == 2


def test_jsonl_positions_point_at_values(write):
    doc = {"id": "pos", "procedure": {"code": "D9961"}, "state": "XX"}
    path = write("\n\n" + _line(doc) + "\n", "pos.jsonl")
    item = load_scenarios([path])[0]
    assert isinstance(item, Invalid) and item.line == 3
    diag = item.diagnostics[0]
    col = _line(doc).index('"XX"') + 1
    assert (diag.line, diag.col) == (3, col)
    assert "'XX' is not a US state" in diag.message


def test_json_file_positions_and_because_lines(write):
    text = json.dumps(GOOD, indent=2)
    path = write(text, "case.json")
    item = load_scenarios([path])[0]
    assert isinstance(item, Scenario) and item.id == "j-good"
    lines = text.split("\n")
    requester = next(i for i, l in enumerate(lines, 1) if '"requester"' in l)
    assert item.positions["request.requester"][0] == requester
    assert item.positions["records[0].count"][0] == next(i for i, l in enumerate(lines, 1) if '"count"' in l)


def test_json_errors_match_yaml_quality(write):
    path = write('{\n  "procedure": {"code": "D9961"},\n  "billing": {"billed_too": "patient"},\n'
                 '  "procedure": {}\n}\n', "bad.json")
    item = load_scenarios([path])[0]
    assert isinstance(item, Invalid)
    shown = [str(d) for d in item.diagnostics]
    assert shown[0] == f"{path}:3:15: error: unknown key 'billed_too' in 'billing'\ndid you mean 'billed_to'?"
    assert shown[1].startswith(f"{path}:4:3: error: duplicate key 'procedure' (first at line 2, column 3)")


@pytest.mark.parametrize("text,message", [
    ("", "file is empty"),
    ("[]", "the array holds no scenarios"),
    ("null", "a scenario must be a JSON object, not null"),
    ('{"procedure": {"code": "D9961"}', "invalid JSON"),
    ('{"procedure": {"code": NaN}}', "invalid JSON"),
    ("[" * 70 + "]" * 70, "nested deeper than"),
    ('"just text"', "a scenario must be a mapping"),
])
def test_bad_json_is_one_clear_error(write, text, message):
    path = write(text, "bad.json")
    items = load_scenarios([path])
    assert len(items) == 1 and isinstance(items[0], Invalid)
    assert message in items[0].diagnostics[0].message
    assert items[0].diagnostics[0].path == path


def test_json_and_yaml_give_the_same_facts(write):
    yaml_item = load_scenarios([str(SCENARIOS / "insurer-dispute-denied.yaml")])[0]
    facts = dict(yaml_item.facts)
    path = write(json.dumps({"id": "insurer-dispute-denied", **facts}), "same.json")
    json_item = load_scenarios([path])[0]
    assert isinstance(json_item, Scenario) and json_item.facts == yaml_item.facts


def test_folders_are_searched_for_json_and_jsonl(tmp_path):
    for name in ("a.yaml", "b.yml", "c.json", "d.jsonl", "e.txt", "f.md", "G.YAML", "H.JSONL"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    assert [p.rsplit("/", 1)[-1] for p in find_files([str(tmp_path)])] == [
        "G.YAML", "H.JSONL", "a.yaml", "b.yml", "c.json", "d.jsonl"]     # as named, any case


def test_stdin_sniffing():
    assert read_any("-", "procedure: {code: D9961}\n")[0].data == {"procedure": {"code": "D9961"}}
    assert len(read_any("-", '{"a": 1}\n{"b": 2}\n')) == 2
    assert read_any("-", '{\n  "a": 1\n}\n')[0].data == {"a": 1}
    assert read_any("-", "{a: 1}\n")[0].data == {"a": 1}           # a YAML flow mapping
    assert len(read_jsonl("-", '{"a": 1}\nnot json\n')) == 2
    assert read_json("-", '[{"a": 1}, {"b": 2}]')[1].data == {"b": 2}
    # blank lines before the first line once made JSON Lines look like one JSON document
    docs = read_any("-", '\n\n  \n{"a": 1}\n\n{"b": 2}\n')
    assert [(d.line, d.data) for d in docs] == [(4, {"a": 1}), (6, {"b": 2})]


@pytest.mark.parametrize("suffix", [".jsonl", ".json"])
def test_a_long_key_over_a_long_list_is_refused_not_multiplied(tmp_path, suffix):
    """One path string per list item, each as long as the key: 98 KB of JSON once took 1.1 GB."""
    from engine.loader import load_scenarios
    bomb = '{"' + "p" * 60000 + '": [' + ",".join(["0"] * 19000) + "]}"
    good = '{"id": "ok", "procedure": {"code": "D9961"}}'
    path = tmp_path / f"bomb{suffix}"
    path.write_text(f"{good}\n{bomb}\n" if suffix == ".jsonl" else f"[{good}, {bomb}]", encoding="utf-8")
    items = load_scenarios([str(path)])
    assert [type(i).__name__ for i in items] == ["Scenario", "Invalid"]
    assert "key is longer than 256 characters" in items[1].diagnostics[0].message


def test_an_array_item_that_is_no_object_is_reported_where_it_is():
    from engine.loader import scenarios_from_documents
    text = '[{"id": "a", "procedure": {"code": "D9961"}},\n   5, "x"]'
    items = scenarios_from_documents(read_json("a.json", text))
    assert [str(d) for i in items[1:] for d in i.diagnostics] == [
        "a.json:2:4: error: a scenario must be a mapping of keys to values, not a number",
        "a.json:2:7: error: a scenario must be a mapping of keys to values, not text"]
