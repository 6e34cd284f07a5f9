"""The libyaml fast path (engine/fastyaml.py) gives exactly the Documents of the ruamel path."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine import fastyaml
from engine import yamlsource as ys

ROOT = Path(__file__).resolve().parent.parent
FAST = fastyaml.chunk_reader(ys._read_chunk, ys._document_from_nodes)

# Scalars whose meaning differs between YAML 1.1 (PyYAML's own rules) and 1.2 (ruamel's), and
# shapes that take the fallback: each must come out the same both ways.
TRICKY = {
    "scalars": "a: yes\nb: no\nc: 012\nd: 0o12\ne: 1_000\nf: .inf\ng: -.5\nh: 0x1F\ni: ~\n"
               "j: Null\nk: 2024-01-02\nl: 2024-01-02 10:00:00\nn: 'q'\no: |\n  block\np: >\n  f\n"
               "q: [1, 2.5, on, off, y, n]\nr: 1e5\ns: 1.0e+5\nt: \"é ☃\"\nu: 0b11\nv: +12\nw: .NaN\n",
    "value-tag": "a: =\n",
    "anchors-merge": "a: &x {b: 1}\nc: *x\nd:\n  <<: *x\n",
    "tags": "a: !!int \"5\"\nb: !custom 3\n",
    "directive": "%YAML 1.1\n---\na: yes\n",
    "crlf": "a: 1\r\nb: [x, y]\r\n---\r\nc: 2\r\n",
    "duplicate": "a: 1\na: 2\n",
    "tab": "\ta: 1\n",
    "broken-then-fine": "a: [1, 2\nb: 3\n---\nc: 4\n",
    "markers": "--- {a: 1}\n--- # c\nb: 2\n...\n---\n\n---\n~\n--- |\n  text\n",
    "deep-block": "a:\n" + "".join("  " * (i + 1) + "k:\n" for i in range(80)) + "  " * 81 + "v: 1\n",
    "deep-flow": "x: " + "[" * 70 + "]" * 70 + "\n",
    "complex-key": "? complex\n: 5\n{a: 1}: 2\n",
    "escapes": "a: \"\\x00\"\nb: \"\\u2028\"\n",
    "not-a-mapping": "- 1\n- 2\n",
    "non-ascii-columns": "naïve: {ünï: [a, b]}\nz: ☃☃\n",
    # read differently by libyaml (YAML 1.1 line breaks, tabs in plain scalars) and ruamel
    "nel": "id: first\nprocedure: {code: D9961}\x85---\x85id: second\n",
    "line-separator": "procedure: {code: D9961}\u2028service: {kind: records_duplication}\n",
    "tab-in-plain": "title: copies\tfor lawyer\nprocedure: {code: D9961}\ntitle: x\n",
    "lone-cr": "id: first\rprocedure: {code: D9961}\r---\rid: second\rprocedure: {code: D0000}\r",
    # ruamel marks folds of a > scalar with a BEL for its round trip: the value must not keep it
    "folded": '---\nprocedure: {code: D9961} # note\nservice: {kind: records_duplication}\ntitle: >\n  a\n  b\n---\nprocedure: {code: D9961} # note\nservice: {kind: records_duplication}\ntitle: >\n  a\n\n\n  b\n---\nprocedure: {code: D9961} # note\nservice: {kind: records_duplication}\ntitle: >\n  a\n    indented\n  b\n---\nprocedure: {code: D9961} # note\nservice: {kind: records_duplication}\ntitle: >-\n  a\n\n  b\n\n---\nprocedure: {code: D9961} # note\nservice: {kind: records_duplication}\ntitle: >+\n  a\n\n  b\n\n\n---\nprocedure: {code: D9961} # note\nservice: {kind: records_duplication}\ntitle: |\n  a\n\n  b\n---\nprocedure: {code: D9961} # note\nservice: {kind: records_duplication}\ntitle: plain\n  continued\n\n  para\n---\nprocedure: {code: D9961} # note\nservice: {kind: records_duplication}\ntitle: "dq\n  continued\n\n  para"\n---\nprocedure: {code: D9961} # note\nservice: {kind: records_duplication}\ntitle: \'sq\n  continued\n\n  para\'\n---\nprocedure: {code: D9961} # note\nservice: {kind: records_duplication}\ntitle: "a\\\n  b"\n---\nprocedure: {code: D9961} # note\nservice: {kind: records_duplication}\ntitle: >\n  a \n  b\n---\nprocedure: {code: D9961} # note\nservice: {kind: records_duplication}\ntitle: >\n\ta\n---\nprocedure: {code: D9961} # note\nservice: {kind: records_duplication}\ntitle: >2\n   a\n\n   b\n---\nprocedure: {code: D9961} # note\nservice: {kind: records_duplication}\ntitle: >\n  a\n  \n  b\n---\nprocedure: {code: D9961} # note\nservice: {kind: records_duplication}\ntitle: "\\u00e9\\t\\a"\n---\nprocedure: {code: D9961} # note\nservice: {kind: records_duplication}\ntitle: \'é\'\n',
}


def _corpus() -> list[Path]:
    folders = ["scenarios", "kb", "facts", "tests/malformed", "benchmarks/kb20"]
    files = [p for f in folders for p in sorted((ROOT / f).rglob("*.y*ml")) if p.is_file()]
    return files


def _both(name: str, text: str) -> None:
    for index, (start, chunk) in enumerate(ys._split_documents(text)):
        assert FAST(name, index, start, chunk) == ys._read_chunk(name, index, start, chunk), (name, index)


@pytest.mark.skipif(not fastyaml.AVAILABLE, reason="PyYAML with libyaml is not installed")
@pytest.mark.parametrize("path", _corpus(), ids=lambda p: str(p.relative_to(ROOT)))
def test_bundled_and_malformed_files_read_the_same(path: Path) -> None:
    _both(str(path), path.read_bytes().decode("utf-8-sig", errors="replace"))


@pytest.mark.skipif(not fastyaml.AVAILABLE, reason="PyYAML with libyaml is not installed")
@pytest.mark.parametrize("name", sorted(TRICKY))
def test_tricky_documents_read_the_same(name: str) -> None:
    _both(name, TRICKY[name])


@pytest.mark.skipif(not fastyaml.AVAILABLE, reason="PyYAML with libyaml is not installed")
def test_plain_documents_take_the_c_path() -> None:
    """The common case must not silently fall back (that would keep output equal but slow)."""
    text = (ROOT / "scenarios" / "attorney-authorized-ny.yaml").read_text(encoding="utf-8")
    assert fastyaml.compose_nodes(text) is not None
    assert fastyaml.compose_nodes("a: [1, 2\n") is None
    assert fastyaml.compose_nodes("a: !!str 1\n") is None


def test_yaml_1_2_scalars_on_the_default_path() -> None:
    docs = ys.read_documents("x.yaml", TRICKY["scalars"])
    data = docs[0].data
    assert (data["a"], data["c"], data["d"], data["e"], data["q"][2]) == ("yes", 12, 10, 1000, "on")
    assert docs[0].positions["t"] == (21, 4)


_DOC_SPLIT = re.compile(r"^(---|\.\.\.)(?:[ \t].*)?\r?$")


def _split_line_by_line(text: str) -> list[tuple[int, str]]:
    """The document splitter as first written: every line tested and the chunks joined again."""
    lines = re.sub(r"\r(?!\n)", "\n", text).split("\n")          # a lone CR breaks a line too
    chunks: list[tuple[int, list[str]]] = []
    start, current = 0, []
    for number, line in enumerate(lines):
        if _DOC_SPLIT.match(line):
            chunks.append((start, current + [""] if current else current))   # ends in a newline
            start, current = number, [""]
            rest = line[3:].strip()
            if rest and not rest.startswith("#") and line.startswith("---"):
                current = [" " * 3 + line[3:]]
        else:
            current.append(line)
    chunks.append((start, current))
    return [(s, "\n".join(c)) for s, c in chunks if any(_meaningful(x) for x in c)]


def _meaningful(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#") and not stripped.startswith("%")


SPLIT_EDGES = ["", "\n", "---", "---\n", "a: 1", "a: 1\n---", "---\n---\n", "...\n...", "--- \n...\t# x\n",
               "a: 1\r\n---\r\nb: 2\r\n", "--- {a: 1}\n--- # c\nb: 2\n", "--- |\n  t\n---x\n----\n --- \n",
               "# only\n%YAML 1.2\n---\n  \t\n\x1c\n\u3000\n", "a\n--- \u3000\n#c\n", "---\t{b: 2}\n... x\n",
               "\n\n---\n\n\na: 1\n\n...\n\n", "--- >\n  f\n", "x\n---\r\n\r\ny\r", "a: '\n---\n'\n"]


@pytest.mark.parametrize("path", _corpus(), ids=lambda p: str(p.relative_to(ROOT)))
def test_documents_are_cut_as_line_by_line_cutting_cut_them(path: Path) -> None:
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    assert ys._split_documents(text) == _split_line_by_line(text)


def test_document_cutting_edges_and_generated_files() -> None:
    import sys
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import scenario_gen as gen
    generated = "---\n".join(gen.to_yaml(d) for d in gen.scenarios(300, seed=3))
    for text in SPLIT_EDGES + list(TRICKY.values()) + [generated, generated.replace("\n", "\r\n")]:
        assert ys._split_documents(text) == _split_line_by_line(text), repr(text[:80])
    assert len(ys._split_documents(generated)) == 300


def test_a_file_with_lone_cr_line_ends_keeps_every_document() -> None:
    """Found by the adversarial trial: the second document was silently dropped (exit 0)."""
    for ending in ("\r", "\r\n", "\n"):
        text = ending.join(["id: first", "procedure: {code: D9961}", "---", "id: second",
                            "procedure: {code: D0000}", "title: |", "  two", ""])
        docs = ys.read_documents("cr.yaml", text)
        assert [d.data["id"] for d in docs] == ["first", "second"], repr(ending)
        assert [d.line for d in docs] == [1, 4]
        assert docs[1].positions["procedure.code"][0] == 5


def test_a_block_scalar_keeps_its_newline_wherever_its_document_sits() -> None:
    """Found by the adversarial trial: a '|' scalar lost its final newline before a '---'."""
    one = "id: a\nprocedure: {code: D9961}\ntitle: |\n  Copies for the lawyer\n"
    docs = ys.read_documents("blk.yaml", one + "---\n" + one.replace("id: a", "id: b"))
    assert [d.data["title"] for d in docs] == ["Copies for the lawyer\n"] * 2


def test_a_second_document_the_cutting_missed_is_an_error_not_dropped() -> None:
    """libyaml starts a document at a '---' after a byte-order mark; the cutting does not."""
    docs = ys.read_documents("bom.yaml", "id: first\nprocedure: {code: D9961}\n\ufeff---\nid: second\n")
    assert len(docs) == 1 and docs[0].data is None
    message = docs[0].diagnostics[0].message
    assert "second YAML document" in message or "invalid YAML" in message


def test_nodes_of_two_documents_make_an_error_at_the_second() -> None:
    nodes = list(ys._composer().compose_all("a: 1\n---\nb: 2\n"))
    doc = ys._document_from_nodes("two.yaml", 0, 0, nodes)
    assert doc.data is None and (doc.diagnostics[0].line, doc.diagnostics[0].col) == (3, 1)
    assert "second YAML document" in doc.diagnostics[0].message


def test_the_resolver_cache_keeps_no_scalar_of_a_big_chunk() -> None:
    """Its entries hold the scalars' texts: a run over many files of huge scalars must not
    pile them up (review of the cache's commit)."""
    if not fastyaml.AVAILABLE:
        pytest.skip("PyYAML with libyaml is not installed")
    cache = fastyaml._Composer.resolve
    fastyaml.compose_nodes("a: small\n")
    assert cache.cache_info().currsize > 0
    fastyaml.compose_nodes("a: " + "x" * 100_000 + "\n")
    assert cache.cache_info().currsize == 0


def test_planning_asks_for_two_meaningful_lines() -> None:
    from engine import batch
    assert batch._two_meaningful_lines("# c\n\na: 1\n  %x\nb: 2\n")
    assert not batch._two_meaningful_lines("# c\n\na: 1\n  # d\n%YAML 1.2\n")
    assert not batch._two_meaningful_lines("")
