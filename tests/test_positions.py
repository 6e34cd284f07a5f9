"""The fast JSON Lines reader (json.loads, positions worked out when asked) against the careful
one (a walk tabling every value's position): same values, same positions, same lines, on
bundled, generated and awkward lines; and the lines it must leave to the careful reader."""

from __future__ import annotations

import json
import pickle
import sys
from pathlib import Path

import pytest

from engine.jsonsource import _fast_line, _line_document, read_jsonl
from engine.loader import scenarios_from_documents
from engine.positions import JsonLinePositions, line_of, steps
from engine.yamlsource import read_file

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import scenario_gen as gen  # noqa: E402


def _bundled_lines() -> list[str]:
    docs = [d for f in sorted((ROOT / "scenarios").glob("*.yaml")) for d in read_file(str(f))]
    return [json.dumps(d.data, default=str, ensure_ascii=False) for d in docs if isinstance(d.data, dict)]


AWKWARD = [
    '{"id": "a", "procedure": {"code": "D9961"}}',
    '  {"id" : "spaced" ,\t"procedure":{ "code" :"D9961" } }  ',
    '{"id": "esc\\u00e9\\n", "records": [{"kind": "x"}, {"kind": "y", "count": 3}], "n": [1, 2.5, -3e2]}',
    '{"id": "empty", "records": [], "request": {}}',
    '{"id": "nulls", "a": null, "b": [null, true, false]}',
    '{"id": "lists", "x": [[1, [2]], {"y": [{"z": 1}]}]}',
]
CAREFUL_ONLY = [
    '{"id": "dup", "id": "again"}',                         # duplicate key: reported
    '{"id": "nan", "fee": NaN}',                            # not JSON: reported
    '{"a.b": 1}',                                           # a key that spells a path
    '{"records[0]": 1}',
    '{"": 1}',
    '[{"id": "array"}]',                                    # not an object
    '"text"',
    "null",
    '{"deep": ' + "[" * 70 + "]" * 70 + "}",               # past the depth limit
    '{"broken": ',                                          # a syntax error
]


def _paths(value: object, where: str = "") -> list[str]:
    out = [where]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, f"{where}.{key}" if where else key)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out += _paths(item, f"{where}[{i}]")
    return out


def _check_same(line: str, number: int) -> None:
    fast = _fast_line("f.jsonl", line, number, 3)
    careful = _line_document("f.jsonl", line, number, 3)
    assert fast is not None, line
    assert isinstance(fast.positions, JsonLinePositions)
    for path in _paths(careful.data):
        assert fast.positions.line_of(path) == careful.positions[path][0] == number
        assert line_of(fast.positions, path) == number
        assert fast.positions[path] == careful.positions[path]
        for missing in (f"{path}.nothing", f"{path}[99]"):
            assert fast.positions.line_of(missing) is None and missing not in fast.positions
    assert fast == careful          # values, line, diagnostics, and both whole tables
    assert dict(fast.key_positions) == careful.key_positions
    assert fast.key_positions.line_of("") is None


@pytest.mark.parametrize("source", ["bundled", "generated", "awkward"])
def test_fast_reading_gives_what_the_careful_one_does(source: str) -> None:
    lines = {"bundled": _bundled_lines, "generated": lambda: [gen.to_json(d) for d in gen.scenarios(300, seed=5)],
             "awkward": lambda: AWKWARD}[source]()
    assert lines
    for number, line in enumerate(lines, start=1):
        _check_same(line, number)


@pytest.mark.parametrize("line", CAREFUL_ONLY)
def test_lines_off_the_plain_path_get_the_careful_reading(line: str) -> None:
    assert _fast_line("f.jsonl", line, 2, 0) is None
    [doc] = read_jsonl("f.jsonl", "\n" + line)
    assert doc == _line_document("f.jsonl", line, 2, 0)


def test_columns_are_read_only_when_asked() -> None:
    fast = _fast_line("f.jsonl", '{"id": "a", "procedure": {"code": "D9961"}}', 7, 0)
    assert fast is not None
    calls: list[int] = []
    positions = JsonLinePositions(fast.data, 7, False, lambda: calls.append(1) or fast.positions.tables())
    assert positions.line_of("procedure.code") == 7 and "procedure.code" in positions and calls == []
    assert positions["procedure.code"] == (7, 35) and calls == [1]


def test_a_scenario_from_the_fast_reader_pickles_as_plain_tables() -> None:
    [scenario] = scenarios_from_documents(read_jsonl("f.jsonl", '{"id": "a", "procedure": {"code": "D9961"}}'))
    copy = pickle.loads(pickle.dumps(scenario))
    assert copy.positions == {"": (1, 1), "id": (1, 8), "procedure": (1, 26), "procedure.code": (1, 35)}
    assert copy == scenario


@pytest.mark.parametrize("path, expected", [
    ("", ()), ("records[0].form", ("records", 0, "form")), ("a.b.c", ("a", "b", "c")),
    ("a[10][2]", ("a", 10, 2)), ("a..b", None), ("a.", None), ("a[01]", None), ("a[x]", None),
])
def test_fact_paths_split_into_steps(path: str, expected: tuple[object, ...] | None) -> None:
    assert steps(path) == expected


def test_judging_a_valid_line_never_reads_its_columns() -> None:
    """Explanations cite lines only: the second reading of the text is for problems alone."""
    from dataclasses import replace

    from engine.kbload import load_kb
    from engine.loader import validate
    from engine.runner import Judge

    line = next(gen.to_json(d) for d in gen.scenarios(50, seed=9) if "records" in d)
    fast = _fast_line("f.jsonl", line, 4, 0)
    assert fast is not None
    calls: list[int] = []

    def counted() -> object:
        calls.append(1)
        return fast.positions.tables()

    doc = replace(fast, positions=JsonLinePositions(fast.data, 4, False, counted),
                  key_positions=JsonLinePositions(fast.data, 4, True, counted))
    with Judge(load_kb()) as judge:
        result = judge.result(validate(doc, "f"))
    lines = [b.line for f in result.findings for b in f.because]
    assert not result.error and 4 in lines and set(lines) <= {4, None}
    assert calls == []
