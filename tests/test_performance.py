"""Batches: ``run --jobs 2`` gives the bytes of ``--jobs 1`` and of the plain pipeline; the
benchmark runs at a tiny size so it cannot rot. No wall-clock assertions."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from engine import batch, formats
from engine.cli import main
from engine.kbload import load_kb
from engine.loader import load_scenarios
from engine.runner import Judge

ROOT = Path(__file__).resolve().parent.parent
KB20 = ROOT / "benchmarks" / "kb20"
sys.path.insert(0, str(ROOT / "benchmarks"))
import scenario_gen as gen  # noqa: E402


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Big files that get sliced (YAML and .jsonl), small files grouped, an invalid document,
    a null document, and ids used twice, across slices and files."""
    root = tmp_path_factory.mktemp("batch")
    docs = gen.scenarios(420, seed=5)
    texts = [gen.to_yaml(d) for d in docs]
    texts[3] = "id: twice\n" + texts[3]
    texts[250] = "id: twice\n" + texts[250]                 # same id in a later slice
    texts[7] = texts[7].replace("state: ", "state: ZZ\nxstate: ", 1)   # invalid document
    (root / "a-big.yaml").write_text("---\n".join(texts), encoding="utf-8")
    lines = [gen.to_json(d) + "\n" for d in docs[:300]]
    lines[250:250] = ["\n", "  \n", '{"id": "after-blanks", "bogus": 1}\n']   # in a later slice
    (root / "b-lines.jsonl").write_text("".join(lines), encoding="utf-8")
    small = root / "c-small"
    small.mkdir()
    for i, text in enumerate(texts[:70]):
        (small / f"s{i:03d}.yaml").write_text(("id: twice\n" if i == 40 else "") + text, encoding="utf-8")
    (small / "z-null.yaml").write_text("a: 1\n---\n~\n", encoding="utf-8")
    (small / "q#1.yaml").write_text(texts[9], encoding="utf-8")
    # default ids taken again by written ones: a one-document file's, a big file's, a '#' stem's
    for name, taken in (("z1", "s000"), ("z2", "a-big#5"), ("z3", "q#1"), ("z4", "b-lines#301")):
        (small / f"{name}.yaml").write_text(f"id: {taken}\n" + texts[10], encoding="utf-8")
    return root


def _run(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["run", *argv, "--kb", str(KB20)], out, err)
    return code, out.getvalue()


def test_big_files_are_sliced_and_small_ones_grouped(corpus: Path) -> None:
    units = list(batch.plan([str(corpus)]))
    kinds = [u.kind or "files" for u in units]
    assert kinds.count("yaml") >= 2 and kinds.count("jsonl") >= 2 and "files" in kinds
    assert sum(len(u.docs) for u in units if u.kind == "yaml") == 420


@pytest.mark.parametrize("fmt", ["jsonl", "text", "json"])
def test_two_jobs_give_the_bytes_of_one(corpus: Path, fmt: str) -> None:
    one = _run(str(corpus), "--format", fmt, "--jobs", "1")
    two = _run(str(corpus), "--format", fmt, "--jobs", "2")
    assert one == two
    assert one[0] == 2 if fmt != "text" else one[0] in (1, 2)


def test_batches_match_the_plain_pipeline(corpus: Path) -> None:
    """The streamed, sliced batch says what loading everything and judging it in order says."""
    kb = load_kb(KB20)
    with Judge(kb) as judge:
        expected = "".join(formats.run_jsonl_line(r, kb) for r in judge.results(load_scenarios([str(corpus)])))
    code, got = _run(str(corpus), "--format", "jsonl", "--jobs", "2")
    assert got == expected
    assert got.count("is already used at") == 7        # big#251, s003, s040, z1-z4
    assert "b-lines.jsonl:253:24: error: unknown key 'bogus'" in got   # blank lines counted
    assert "\"scenario\": \"z-null#2\"" in got


def test_jobs_must_be_positive(corpus: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert main(["run", str(corpus), "--jobs", "0"], out, err) == 2
    assert "--jobs" in err.getvalue()


def test_benchmark_runs_at_a_tiny_size() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench.py"), "--quick"],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    text = done.stdout
    for row in ("end to end, one YAML file, --jobs 2 (kb20)", "end to end, one .jsonl file, --jobs 2 (kb20)",
                "ratio loader / CSafeLoader floor", "evaluator (kb20, 20 rules), per scenario",
                "raw durable_rules, same rulesets and facts (kb20)", "ratio evaluator / raw durable, median of per-round ratios (kb20)",
                "plain-Python reference, engine/pyeval.py (kb20)", "evaluator per firing (kb20)",
                "ratio peak RSS", "ratio cost per scenario", "cold start: run on one scenario"):
        assert f"| {row}" in text, row
    assert "| scenarios where durable, raw and plain disagree (kb20) | 0 |" in text
    assert "| scenarios where durable, raw and plain disagree (bundled kb) | 0 |" in text


@pytest.mark.parametrize("name", ["x#\u00b2", "x#" + "9" * 5000, "x#01", "x#0", "x#", "#1"])
def test_odd_ids_that_look_like_stem_n_are_just_names(name: str) -> None:
    """'²'.isdigit() is true and int('²') fails: such an id once ended the whole batch."""
    ids = batch._Ids()
    ids.add(batch.Item("x", "d/x.yaml", 1, True, 0, "", None, index=0, many=False))
    assert ids.first(name) is None
    assert ids.first("x") == "d/x.yaml:1"
