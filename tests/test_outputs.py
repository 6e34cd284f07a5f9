"""Reviewer outputs and the terminal (issue 7): the Markdown report, stamps, reproducible bytes,
colour only on a terminal and never with NO_COLOR, progress, --quiet, --version, --help."""

from __future__ import annotations

import importlib
import io
import json
import re

import pytest

from engine import __version__, markdown
from engine.cli import COMMAND_MODULES, build_parser, main
from tests.conftest import REPO, SCENARIOS

REPORT = REPO / "docs" / "report.md"
REGENERATE = "python -m engine run scenarios/ --format markdown > docs/report.md"
ESC = "\033["


class Tty(io.StringIO):
    """An in-memory stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def _run(*argv: str, out: io.StringIO | None = None, err: io.StringIO | None = None) -> tuple[int, str, str]:
    out, err = out or io.StringIO(), err or io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def kb():
    """Loaded afresh (not the session's): the stamp must match the files as they are now."""
    from engine.kbload import load_kb
    return load_kb()


@pytest.fixture
def at_repo(monkeypatch):
    """Run from the repo root, so paths in reports are relative (``scenarios/x.yaml``)."""
    monkeypatch.chdir(REPO)


def _batch(write, n: int) -> str:
    doc = {"procedure": {"code": "D9961"}, "service": {"kind": "records_duplication"},
           "request": {"requester": "dentist", "purpose": "referral"}}
    lines = [json.dumps({**doc, "id": f"case-{i:02d}"}) for i in range(n)]
    return write("\n".join(lines) + "\n", "batch.jsonl")


# ---------------------------------------------------------------- Markdown report

def test_committed_report_matches_a_fresh_run(at_repo):
    _, fresh, _ = _run("run", "scenarios/", "--format", "markdown")
    committed = REPORT.read_text(encoding="utf-8") if REPORT.exists() else ""
    assert fresh == committed, (
        "docs/report.md differs from a fresh run (a rule, fact or scenario changed); "
        f"regenerate it from the repo root with: {REGENERATE}")


def test_report_has_summary_tables_and_a_section_per_scenario(at_repo):
    code, out, _ = _run("run", "scenarios/", "--format", "markdown")
    _, rows, _ = _run("run", "scenarios/", "--format", "jsonl")
    results = [json.loads(line) for line in rows.splitlines()]
    assert code == max(1 if r["verdict"] == "inappropriate" else 0 for r in results)
    assert "### Scenarios per verdict" in out and "### Findings per topic and severity" in out
    for n, r in enumerate(results, start=1):
        assert f"\n## {n}. {markdown.text(r['scenario'])}\n" in out
        assert f"`{r['file']}:{r['line']}`" in out
        assert not r["file"].startswith("/")
    finding_headings = out.count("\n#### ")
    assert finding_headings == sum(len(r["findings"]) for r in results)
    assert "| **total** | **" in out


def test_report_shows_facts_lines_recommendations_sources_and_suggestions(at_repo):
    _, out, _ = _run("run", "scenarios/behavior-code-for-copies.yaml", "--format", "markdown")
    assert "- `procedure.code` = `D9920` (line 6)" in out
    assert "Recommended:\n\n- Bill the code of the service actually performed" in out
    assert "Source: Seed guide, D9961 vs. Similar CDT Codes: Key Differences (seed)" in out
    assert "### Suggestions" in out and "| `D9961` |" in out
    assert "- **Verdict:** inappropriate" in out


def test_report_lists_unreadable_scenarios_with_their_errors(write):
    path = write("procedure: {code: D9961}\nrequest: {requestor: patient}\n")
    code, out, _ = _run("run", path, "--format", "markdown")
    assert code == 2
    assert "| not evaluated | 1 |" in out
    assert f"```text\n{path}:2:11: error: unknown key 'requestor' in 'request'\ndid you mean 'requester'?\n```" in out


def test_markdown_escapes_text_from_scenarios(write):
    path = write("title: 'a | b *c* <x> [y](z)'\nprocedure: {code: 'D9|61'}\n")
    _, out, _ = _run("run", path, "--format", "markdown")
    assert "*a \\| b \\*c\\* \\<x\\> \\[y\\](z)*" in out
    row = next(line for line in out.splitlines() if line.startswith("| 1 | "))
    assert len(re.findall(r"(?<!\\)\|", row)) == 8          # 7 cells: the code's pipe is escaped
    assert markdown.text("line one\n  line two") == "line one line two"
    assert markdown.text("practice_itself _x_") == "practice_itself \\_x\\_"
    assert markdown.code("a`b") == "``a`b``"


# ---------------------------------------------------------------- stamps and reproducibility

@pytest.mark.parametrize("fmt", ["json", "jsonl", "markdown", "text"])
def test_two_runs_give_identical_bytes(at_repo, fmt):
    first = _run("run", "scenarios/", "--format", fmt)
    second = _run("run", "scenarios/", "--format", fmt)
    assert first == second
    assert first[1]


def test_json_is_stamped(at_repo, kb):
    _, out, _ = _run("run", "scenarios/", "--format", "json")
    data = json.loads(out)
    assert (data["tool"], data["tool_version"]) == ("cdt-companion", __version__)
    assert (data["kb_version"], data["kb_digest"]) == (kb.version, kb.digest)
    assert len(kb.digest) == 64


def test_every_jsonl_line_is_stamped(at_repo, kb):
    _, out, _ = _run("run", "scenarios/", "--format", "jsonl")
    stamps = [json.loads(line)["stamp"] for line in out.splitlines()]
    assert stamps and all(s == {"tool": "cdt-companion", "tool_version": __version__,
                                "kb_version": kb.version, "kb_digest": kb.digest} for s in stamps)


def test_markdown_is_stamped(at_repo, kb):
    _, out, _ = _run("run", "scenarios/", "--format", "markdown")
    head = out.split("## Summary")[0]
    assert f"cdt-companion {__version__}" in head
    assert f"version {kb.version}" in head and f"`{kb.digest}`" in head


def test_test_command_json_is_stamped(at_repo, kb):
    if "test" not in COMMAND_MODULES:
        pytest.fail("the test command is missing from engine/cli.py")
    _, out, _ = _run("test", "scenarios/", "--format", "json")
    data = json.loads(out)
    assert (data["tool_version"], data["kb_version"], data["kb_digest"]) == (__version__, kb.version, kb.digest)


# ---------------------------------------------------------------- terminal

def test_colour_on_a_terminal(write, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    out = Tty()
    _run("run", "scenarios/behavior-code-for-copies.yaml", out=out)
    assert f"{ESC}1;31mINAPPROPRIATE{ESC}0m" in out.getvalue()
    assert f"{ESC}31merror  {ESC}0m" in out.getvalue()


def test_no_color_turns_colour_off_even_on_a_terminal(at_repo, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    out = Tty()
    _run("run", "scenarios/behavior-code-for-copies.yaml", out=out)
    assert ESC not in out.getvalue() and "INAPPROPRIATE" in out.getvalue()


def test_no_colour_when_not_a_terminal(at_repo, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    _, out, _ = _run("run", "scenarios/")
    assert ESC not in out


def test_progress_on_a_terminal_for_long_batches(write):
    path = _batch(write, 25)
    err = Tty()
    _, with_progress, _ = _run("run", path, "--format", "jsonl", err=err)
    _, plain, plain_err = _run("run", path, "--format", "jsonl")
    assert "[25/25] case-24" in err.getvalue() and err.getvalue().endswith("\r")
    assert plain_err == "" and with_progress == plain


def test_no_progress_for_short_batches_or_quiet(write):
    err = Tty()
    _run("run", _batch(write, 3), err=err)
    assert err.getvalue() == ""
    _run("run", _batch(write, 25), "--quiet", err=err)
    assert err.getvalue() == ""


def test_quiet_prints_only_problems_and_the_summary(write):
    good = _batch(write, 2)
    bad = write("procedure: {code: D9961}\nstate: ny\n", "bad.yaml")
    code, out, _ = _run("run", good, bad, "--quiet")
    _, full, _ = _run("run", good, bad)
    lines = out.splitlines()
    assert code == 2
    assert lines[0] == f"{bad}:1: bad  NOT EVALUATED"
    assert lines[-1] == full.splitlines()[-1] and lines[-1].startswith("3 scenarios: ")
    assert lines[-1].endswith(", 1 not evaluated; 0 with error findings")
    assert "case-00" in full and "case-00" not in out


def test_version(capsys):
    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out == f"cdt-companion {__version__}\n"


@pytest.mark.parametrize("command", COMMAND_MODULES)
def test_every_command_help_has_an_example(command):
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert f"example: cdt-companion {command}" in sub.choices[command].format_help()


@pytest.mark.parametrize("columns", ["80", "40"])
@pytest.mark.parametrize("command", COMMAND_MODULES)
def test_help_prints_each_example_as_written(command, columns, monkeypatch):
    """Examples are commands to copy: wrapping them split `fee-above-state-cap` and `--junit
    report.xml`. The prose around them is still wrapped to the terminal's width."""
    monkeypatch.setenv("COLUMNS", columns)
    example = importlib.import_module(f"engine.commands.{command}").EXAMPLE
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    lines = sub.choices[command].format_help().splitlines()
    for line in f"example: {example}".splitlines():
        assert line in lines, (line, lines)
    prose = [line for line in lines if line[:1].isalpha() and not line.startswith(("usage:", "example:"))]
    assert prose and all(len(line) <= int(columns) for line in prose), prose


def test_test_command_markdown_report(at_repo, kb):
    code, out, _ = _run("test", "scenarios/", "--format", "markdown", "--coverage")
    _, as_json, _ = _run("test", "scenarios/", "--format", "json")
    summary = json.loads(as_json)["summary"]
    assert out.startswith("# cdt-companion test report\n")
    assert f"`{kb.digest}`" in out
    assert f"| passed | {summary['passed']} |" in out and f"| failed | {summary['failed']} |" in out
    assert "### Rule coverage" in out
    assert out == _run("test", "scenarios/", "--format", "markdown", "--coverage")[1]


def test_readme_vocabulary_table_is_generated():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    start = readme.index("<!-- vocabulary table:")
    body = readme[readme.index("\n", start) + 1:readme.index("<!-- end of vocabulary table -->")]
    assert body == markdown.vocabulary_table(), (
        "the README's vocabulary table is stale; replace it with the output of "
        "python -c 'from engine.markdown import vocabulary_table; print(vocabulary_table(), end=\"\")'")


class ClosedPipe(io.StringIO):
    """Standard output whose reader has gone away (``cdt-companion run ... | head -1``)."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_a_closed_pipe_ends_quietly(at_repo):
    err = io.StringIO()
    code = main(["run", "scenarios/"], ClosedPipe(), err)
    assert code == 141 and err.getvalue() == ""


def test_the_summary_line_counts_one_scenario_in_the_singular(cli):
    _, one, _ = cli("run", str(SCENARIOS / "internal-records.yaml"))
    _, two, _ = cli("run", str(SCENARIOS / "internal-records.yaml"), str(SCENARIOS / "attorney-authorized-ny.yaml"))
    assert one.splitlines()[-1].startswith("1 scenario: ")
    assert two.splitlines()[-1].startswith("2 scenarios: ")
