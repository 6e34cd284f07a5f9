"""Property tests: whatever a file holds, the loader and the CLI answer with results, not tracebacks.

Inputs are random bytes and text, random YAML, and valid bundled scenarios mutated the way
people break them (a key dropped or misspelled, a value of the wrong type, stray unicode).
The properties: nothing raises; every document comes back as exactly one result, in order,
evaluated or with a ``path:line:col: error:`` diagnostic; the exit code is 0, 1 or 2, and 2
whenever some result has an error. Example counts are modest so the suite stays fast; the
examples are derandomized so CI sees the same ones every run.
"""

from __future__ import annotations

import copy
import datetime as _dt
import io
import json
import re
import tempfile
from pathlib import Path
from typing import Any
from unittest import mock

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from engine.cli import main
from engine.kbload import load_kb
from engine.loader import load_scenarios, scenarios_from_documents
from engine.model import Invalid, Scenario
from engine.yamlsource import read_bytes
from tests.conftest import SCENARIOS

DIAGNOSTIC = re.compile(r"^[^\n]+:[1-9][0-9]*:[1-9][0-9]*: error: \S")
MARKER = re.compile(r"^(---|\.\.\.)([ \t].*)?$")
FAST = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])
CLI = settings(max_examples=25, deadline=None, derandomize=True, database=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

KB = load_kb()
BASES = [copy.deepcopy(dict(s.facts)) for s in load_scenarios([str(SCENARIOS)]) if isinstance(s, Scenario)]


def _check_items(items: list[Scenario | Invalid]) -> None:
    for item in items:
        assert isinstance(item, (Scenario, Invalid))
        if isinstance(item, Invalid):
            assert item.diagnostics
            assert all(DIAGNOSTIC.match(str(d)) for d in item.diagnostics), item.diagnostics


# ---------------------------------------------------------------- strategies

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**12), st.floats(allow_nan=True),
    st.text(max_size=20), st.dates(_dt.date(1, 1, 1), _dt.date(9999, 12, 31)),
    st.sampled_from(["D9961", "d9961", "unknown", "yes", "2026-02-30", "NY", "records_duplication"]))
yaml_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)), max_leaves=20)


def _dump(value: Any) -> str:
    """One YAML document; the property needs its document count known, so no marker lines."""
    out = io.StringIO()
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.dump(value, out)
    lines = out.getvalue().rstrip("\n").split("\n")
    if lines and lines[-1] == "...":
        lines.pop()
    assume(not any(MARKER.match(line) for line in lines))
    return "\n".join(lines) + "\n"


def _paths(value: Any, where: tuple = ()) -> list[tuple]:
    out = [where]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, where + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out += _paths(item, where + (i,))
    return out


@st.composite
def mutated_scenario(draw: st.DrawFn) -> dict[str, Any]:
    """A bundled scenario broken in one to four of the ways people break them."""
    doc = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 4))):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        key = path[-1]
        how = draw(st.sampled_from(["drop", "misspell", "retype", "unicode", "extra"]))
        if how == "drop":
            del parent[key]
        elif how == "misspell" and isinstance(parent, dict):
            word = str(key)
            cut = draw(st.integers(0, len(word)))
            parent[word[:cut] + draw(st.text("aeiouxz_-", min_size=1, max_size=2)) + word[cut:]] = parent.pop(key)
        elif how == "retype":
            parent[key] = draw(yaml_values)
        elif how == "unicode":
            parent[key] = draw(st.text(min_size=1, max_size=30))
        elif isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=10))] = draw(scalars)
    return doc


# ---------------------------------------------------------------- the loader

@FAST
@given(st.binary(max_size=300))
def test_random_bytes_never_raise(raw):
    items = scenarios_from_documents(read_bytes("in.yaml", raw))
    assert items
    _check_items(items)


@FAST
@given(st.text(max_size=300))
def test_random_text_never_raises(text):
    items = scenarios_from_documents(read_bytes("in.yaml", text.encode("utf-8")))
    assert items
    _check_items(items)


@FAST
@given(st.lists(yaml_values, min_size=1, max_size=4))
def test_random_yaml_documents_are_each_accounted_for(values):
    text = "---\n".join(_dump(v) for v in values)
    items = scenarios_from_documents(read_bytes("in.yaml", text.encode("utf-8")))
    assert len(items) == len(values)
    _check_items(items)
    assert [i.index for i in items] == list(range(len(values)))


@FAST
@given(st.lists(mutated_scenario(), min_size=1, max_size=4))
def test_mutated_scenarios_are_each_accounted_for(docs):
    text = "---\n".join(_dump(d) for d in docs)
    items = scenarios_from_documents(read_bytes("in.yaml", text.encode("utf-8")))
    assert len(items) == len(docs)
    _check_items(items)
    lines = [i.line for i in items]
    assert lines == sorted(lines)


# ---------------------------------------------------------------- the command line

def _worst(row: dict[str, Any]) -> int:
    if row["error"]:
        return 2
    if row["verdict"] == "inappropriate" or any(f["severity"] == "error" for f in row["findings"]):
        return 1
    return 0


@CLI
@given(st.lists(st.one_of(mutated_scenario(), yaml_values), min_size=1, max_size=4),
       st.sampled_from(["jsonl", "json", "text"]))
def test_the_cli_answers_every_document(docs, fmt):
    text = "---\n".join(_dump(d) for d in docs)
    with tempfile.TemporaryDirectory() as folder, mock.patch("engine.kbload.load_kb", lambda *a, **k: KB):
        path = Path(folder) / "batch.yaml"
        path.write_text(text, encoding="utf-8")
        out, err = io.StringIO(), io.StringIO()
        code = main(["run", str(path), "--format", fmt, "--jobs", "1"], out, err)
    assert code in (0, 1, 2)
    assert "Traceback" not in err.getvalue()
    if fmt == "text":
        return
    rows = ([json.loads(line) for line in out.getvalue().splitlines()] if fmt == "jsonl"
            else json.loads(out.getvalue())["results"])
    assert len(rows) == len(docs)
    assert all(r["verdict"] is not None or r["error"] for r in rows)
    assert code == max(_worst(r) for r in rows)


# ---------------------------------------------------------------- the knowledge base

KB_FILES = sorted((Path(__file__).resolve().parent.parent / "kb").glob("*.yaml"))


@settings(max_examples=20, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.sampled_from(KB_FILES), st.data())
def test_a_mutated_kb_file_is_a_kb_error_or_a_working_kb(source, data):
    """Breaking a rule file gives KnowledgeBaseError (exit 2 with positions), never another
    exception; a mutation that leaves a valid kb leaves one the engine can run."""
    import shutil

    from engine.errors import KnowledgeBaseError
    from engine.runner import Judge
    yaml = YAML(typ="safe", pure=True)
    doc = yaml.load(source.read_text(encoding="utf-8"))
    broken = data.draw(mutated_kb(doc))
    with tempfile.TemporaryDirectory() as folder:
        kb_dir = Path(folder) / "kb"
        shutil.copytree(source.parent, kb_dir)
        (kb_dir / source.name).write_text(_dump(broken), encoding="utf-8")
        try:
            kb = load_kb(kb_dir, source.parent.parent / "facts")
        except KnowledgeBaseError as problem:
            assert problem.diagnostics
            assert all(DIAGNOSTIC.match(str(d)) for d in problem.diagnostics)
            return
    with Judge(kb) as judge:
        for scenario in load_scenarios([str(SCENARIOS / "relocation-copies.yaml")]):
            assert judge.result(scenario).error == ()


@st.composite
def mutated_kb(draw: st.DrawFn, doc: Any) -> Any:
    doc = copy.deepcopy(doc)
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            return draw(yaml_values)
        path = draw(st.sampled_from(paths))
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        if draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(yaml_values)
    return doc
