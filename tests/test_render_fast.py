"""``run --format jsonl`` lines assembled from pre-encoded pieces (engine/jsonline.py) against the
plain algorithm they replaced, ``dumps({**result.to_dict(), "stamp": stamp(kb)}) + "\\n"``.

Every result of the bundled scenarios, the contract's examples, malformed and duplicate inputs,
hostile text and a few thousand generated scenarios is rendered both ways, for both knowledge
bases, byte for byte; hand-made results cover values no loader produces. The memos of encoded
pieces are checked not to leak between knowledge bases or changed rules.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import sys
from pathlib import Path
from typing import Any, Iterable

import pytest

from engine import batch, formats, jsonline
from engine.errors import Diagnostic
from engine.kbload import load_kb
from engine.loader import load_scenarios
from engine.model import Because, Finding, Invalid, KnowledgeBase, Result, Scenario, Source, Suggestion
from engine.runner import Judge
from tests.conftest import REPO, SCENARIOS
from tests.test_explain_fast import KB20, _from_jsonl, _vocabulary_driven
from tests.test_hostile_text import HOSTILE

sys.path.insert(0, str(REPO / "benchmarks"))
import scenario_gen as gen  # noqa: E402

EXAMPLES = REPO.parent / "shared" / "spec" / "examples"
MALFORMED = REPO / "tests" / "malformed"
GENERATED = {"bundled": 1000, "kb20": 2000}


def plain(result: Result, kb: KnowledgeBase | None) -> str:
    """The line as it was built before: the whole dict, then the canonical encoder."""
    data = result.to_dict() if kb is None else {**result.to_dict(), "stamp": formats.stamp(kb)}
    return formats.dumps(data) + "\n"


def assert_same(results: Iterable[Result], kb: KnowledgeBase, name: str) -> int:
    """Each result rendered fast and plain, stamped and not; returns how many were compared."""
    n = 0
    for result in results:
        assert formats.run_jsonl_line(result, kb) == plain(result, kb), (name, result.scenario)
        assert formats.run_jsonl_line(result) == plain(result, None), (name, result.scenario)
        n += 1
    return n


def judged(kb: KnowledgeBase, items: Iterable[Scenario | Invalid]) -> list[Result]:
    with Judge(kb) as judge:
        return [judge.result(item) for item in items]


@pytest.fixture(scope="module")
def kb20() -> KnowledgeBase:
    return load_kb(KB20)


@pytest.fixture(scope="module")
def kbs(kb, kb20) -> dict[str, KnowledgeBase]:
    return {"bundled": kb, "kb20": kb20}


# ---------------------------------------------------------------- real inputs

def test_bundled_scenarios_examples_and_malformed_inputs(kbs):
    paths = [str(SCENARIOS), str(MALFORMED)] + ([str(EXAMPLES)] if EXAMPLES.is_dir() else [])
    items = load_scenarios(paths)
    assert any(isinstance(i, Invalid) for i in items) and any(isinstance(i, Scenario) for i in items)
    for name, kb in kbs.items():
        results = judged(kb, items)
        assert_same(results, kb, name)
        assert any(r.error for r in results) and any(r.suggestions for r in results), name


@pytest.mark.skipif(not EXAMPLES.is_dir(), reason="the shared spec examples are not available here")
def test_the_spec_examples(kbs):
    items = load_scenarios([str(EXAMPLES)])
    for name, kb in kbs.items():
        assert assert_same(judged(kb, items), kb, name) >= 11


def test_generated_scenarios(kbs, tmp_path):
    """A few thousand realistic scenarios and the vocabulary-driven odd ones, on both kbs."""
    seen: set[str] = set()
    for seed, (name, kb) in enumerate(kbs.items(), start=1):
        docs = gen.scenarios(GENERATED[name], seed=seed)
        results = judged(kb, _from_jsonl(tmp_path, docs, name) + _vocabulary_driven(kb))
        assert assert_same(results, kb, name) >= GENERATED[name]
        assert sum(1 for r in results if r.suggestions) > len(results) / 20, name
        seen |= {type(b.value).__name__ for r in results for f in r.findings for b in f.because}
        seen |= {"derived_by" for r in results for f in r.findings for b in f.because if b.derived_by}
        seen |= {"no line" for r in results for f in r.findings for b in f.because if b.line is None}
    assert {"str", "bool", "int", "float", "list", "derived_by", "no line"} <= seen


def test_a_batch_with_duplicates_and_bad_documents_renders_as_plain(kb, tmp_path):
    """Through batch.items, as ``run`` does: ids used twice and unreadable lines are errors."""
    good = gen.to_json({**gen.scenarios(1, seed=5)[0], "id": "twice"})
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join([good, good, "{not json", '{"id": "x"}', "[1, 2]", good]) + "\n",
                    encoding="utf-8")
    fast = list(batch.items([str(path)], kb, 1, lambda r: formats.run_jsonl_line(r, kb)))
    slow = list(batch.items([str(path)], kb, 1, lambda r: plain(r, kb)))
    assert [i.text for i in fast] == [i.text for i in slow]
    assert sum(1 for i in fast if '"error": null' not in (i.text or "")) >= 4


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_text_through_the_loader(kbs, tmp_path, case):
    """Lone surrogates and terminal escapes that the loader lets through, in ids and values."""
    path = tmp_path / "h.jsonl"
    odd = '{"id": "q\\"b\\\\\\ud800\\u0001\\u2028é", "procedure": {"code": "D9961"}, ' \
          '"claim": {"status": "denied", "denial_reasons": ["\\udc00\\"", "\\u001b[2J"]}}'
    path.write_text(HOSTILE[case] + "\n" + odd + "\n", encoding="utf-8")
    items = load_scenarios([str(path)])
    for name, kb in kbs.items():
        assert assert_same(judged(kb, items), kb, name) == 2


# ---------------------------------------------------------------- made-up results

ODD_TEXT = ['', 'plain', 'quote " and \\ backslash', 'tab\tnew\nline\r\x00\x1f\x7f', 'é ü ß 漢字 🦷',
            '\u2028\u2029\ufeff', 'lone \ud800 and \udfff', '</script>', '{"json": [1]}', ', "x": ']


class Str(str):
    pass


class Num(enum.IntEnum):
    ONE = 1


ODD_VALUES: list[Any] = [
    *ODD_TEXT, None, True, False, 0, -7, 10**30, 0.1, -0.0, 1e300, 2.5e-320, float("nan"),
    float("inf"), float("-inf"), [], {}, [1, "a", None, [True]], {"b": 1, "a": {"d": [], "c": "é"}},
    {2: "int keys", 1: "sort"}, (1, "tuple"), Str("sub\"class"), Num.ONE, 3.0,
]


def _finding(text: str, value: Any, line: Any = 3, by: Any = None, rule: str = "r1") -> Finding:
    source = Source("research", text, text or None, None if text else "https://x/" + text)
    because = (Because(f"fact.{text}", value, line, by), Because("derived.x", True, None, "r0"),
               Because("records", [{"z": 1, "a": value}], None))
    return Finding(rule, text, "topic " + text, "info", text, because, (text, "second"), source)


def odd_results() -> list[Result]:
    out = []
    for i, text in enumerate(ODD_TEXT):
        findings = tuple(_finding(text, v, line, by) for v, line, by in
                         zip(ODD_VALUES, [1, None, True, 0, Num.ONE, 10**20] * 8, [None, text, ""] * 20))
        suggestion = Suggestion(text or "D9961", text, [0.5, 1.0, 0.123456789, 1 / 3][i % 4], text)
        out.append(Result(text, text, i, text, text or None, [None, "appropriate", text][i % 3],
                          (text, "fees.charged"), findings, (suggestion,) * (i % 3), (text, "r1"),
                          title=text if i % 2 else None))
        out.append(Result(text, "f.yaml", i, None, None, None,
                          error=(Diagnostic(text, i, 1, text, text or None),)))
    return out


def test_odd_text_and_values(kbs):
    for name, kb in kbs.items():
        assert assert_same(odd_results(), kb, name) == 2 * len(ODD_TEXT)
    for result in odd_results():                     # and dumps is what json.dumps gives
        data = {**result.to_dict(), "stamp": formats.stamp(kbs["kb20"])}
        expected = json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n"
        assert formats.run_jsonl_line(result, kbs["kb20"]) == expected


# ---------------------------------------------------------------- the memos

def test_a_changed_rule_or_kb_never_gets_the_pieces_of_another(kbs, kb):
    """Same rule id, other metadata; equal values that encode differently; another stamp."""
    base = _finding("a", "v")
    result = Result("s", "f.yaml", 1, "D9961", "D9961", "appropriate", findings=(base,))
    changes = [{"title": "other"}, {"topic": "other"}, {"severity": "error"}, {"recommend": ()},
               {"recommend": ("a", "other")}, {"source": dataclasses.replace(base.source, url="u")},
               {"source": dataclasses.replace(base.source, section=None)},
               {"source": Source(*dataclasses.astuple(base.source))},   # equal, another object
               {"title": "".join(["a"])}, {"title": 1}, {"title": True}, {"title": 1.0}]
    for change in changes:
        for variant in (base, dataclasses.replace(base, **change), base):
            one = dataclasses.replace(result, findings=(variant,))
            assert_same([one], kb, str(change))
    for by in (None, "", "r0", 1, True, 1.0, "1"):                 # fact heads by derived_by
        one = dataclasses.replace(result, findings=(_finding("a", "v", by=by),))
        assert_same([one], kb, repr(by))
    other = dataclasses.replace(kb, digest="0" * 64, version="9.9")
    for each in (kb, other, kbs["kb20"], kb):
        assert formats.run_jsonl_line(result, each) == plain(result, each)


def test_two_kbs_interleaved_and_memos_cleared(kbs, tmp_path, monkeypatch):
    """Lines of both kbs alternating, then with memos too small to hold a line's pieces."""
    docs = gen.scenarios(200, seed=9)
    results = {name: judged(kb, _from_jsonl(tmp_path, docs, name)) for name, kb in kbs.items()}
    pairs = list(zip(results["bundled"], results["kb20"]))
    for a, b in pairs:
        assert formats.run_jsonl_line(a, kbs["bundled"]) == plain(a, kbs["bundled"])
        assert formats.run_jsonl_line(b, kbs["kb20"]) == plain(b, kbs["kb20"])
    jsonline._heads.clear()
    jsonline._tails.clear()
    monkeypatch.setattr(jsonline, "_MAX_ENTRIES", 2)
    for a, b in pairs[:50]:
        assert formats.run_jsonl_line(a, kbs["bundled"]) == plain(a, kbs["bundled"])
        assert formats.run_jsonl_line(b, kbs["kb20"]) == plain(b, kbs["kb20"])
    assert len(jsonline._heads) <= 2 and len(jsonline._tails) <= 2
