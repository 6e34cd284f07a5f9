"""The Markdown report of a ``run``: what a compliance reviewer files.

It opens with what judged the batch (the stamp: tool version, knowledge-base version and
content hash), then summary tables (scenarios per verdict, findings per topic and severity, an
index of scenarios), then one section per scenario: verdict, findings with the facts and
scenario lines they rest on, recommendations, sources and suggestions.

Deterministic like every formatter: no clock, a fixed order (results in input order, findings
as :mod:`engine.explain` sorted them, topics in vocabulary order). Text from scenarios and
rules is escaped so a title or message can never break the report's structure.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterable, Sequence

from .formats import VERDICT_ORDER, stamp, summary
from .model import Because, Finding, KnowledgeBase, Result, Source, Suggestion
from .vocabulary import SEVERITIES, TOPICS

_SPECIAL = re.compile(r"([\\`*\[\]<>|]|(?<!\w)_|_(?!\w))")
_SPACE = re.compile(r"\s*\n\s*")
_SLUG_DROP = re.compile(r"[^\w\- ]", re.UNICODE)


def run_report(results: Sequence[Result], kb: KnowledgeBase) -> str:
    """The whole report, ending in one newline."""
    parts = [_head(kb), _verdict_table(results), _finding_table(results), _index(results)]
    parts.extend(_scenario(n, r) for n, r in enumerate(results, start=1))
    return "\n\n".join(p.rstrip("\n") for p in parts) + "\n"


# ---------------------------------------------------------------- escaping

def text(value: Any) -> str:
    """Free text for a paragraph or a table cell: one line, Markdown characters escaped."""
    return _SPECIAL.sub(r"\\\1", _SPACE.sub(" ", str(value)).strip())


def code(value: Any) -> str:
    """A code span holding ``value`` verbatim (a longer fence when it contains backticks)."""
    raw = _SPACE.sub(" ", value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
    ticks = "`" * (max((len(run) for run in re.findall(r"`+", raw)), default=0) + 1)
    pad = " " if raw.startswith("`") or raw.endswith("`") or not raw.strip() else ""
    return f"{ticks}{pad}{raw}{pad}{ticks}"


def cell_code(value: Any) -> str:
    """:func:`code` for a table cell, where even inside a code span a pipe ends the cell."""
    return code(value).replace("|", "\\|")


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to dashes."""
    return _SLUG_DROP.sub("", heading.strip().lower()).replace(" ", "-")


def _table(header: Sequence[str], rows: Iterable[Sequence[str]], right: int = 0) -> str:
    """A pipe table; the last ``right`` columns are numbers, aligned right."""
    align = ["---"] * (len(header) - right) + ["---:"] * right
    lines = [_row(header), _row(align)] + [_row(r) for r in rows]
    return "\n".join(lines)


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _fence(body: str) -> str:
    ticks = "`" * max(3, max((len(run) for run in re.findall(r"`+", body)), default=0) + 1)
    return f"{ticks}text\n{body}\n{ticks}"


# ---------------------------------------------------------------- summary

def _head(kb: KnowledgeBase) -> str:
    s = stamp(kb)
    return "\n".join([
        "# cdt-companion report", "",
        f"- **Judged by:** {text(s['tool'])} {text(s['tool_version'])}",
        f"- **Knowledge base:** version {text(s['kb_version'])}, content hash (SHA-256) "
        f"{code(s['kb_digest'])}",
    ])


def _verdict_table(results: Sequence[Result]) -> str:
    s = summary(results)
    rows = [[v, str(n)] for v, n in s["verdicts"].items()]
    rows += [["not evaluated", str(s["errors"])], ["**total**", f"**{s['scenarios']}**"]]
    return "## Summary\n\n### Scenarios per verdict\n\n" + _table(["verdict", "scenarios"], rows, 1)


def _finding_table(results: Sequence[Result]) -> str:
    counts: dict[tuple[str, str], int] = {}
    for r in results:
        for f in r.findings:
            counts[(f.topic, f.severity)] = counts.get((f.topic, f.severity), 0) + 1
    if not counts:
        return "### Findings per topic and severity\n\nNo findings."
    topics = sorted({t for t, _ in counts}, key=_topic_order)
    rows = [[t, *(str(counts.get((t, s), 0)) for s in SEVERITIES),
             str(sum(counts.get((t, s), 0) for s in SEVERITIES))] for t in topics]
    totals = [str(sum(n for (_, sev), n in counts.items() if sev == s)) for s in SEVERITIES]
    rows.append(["**total**", *(f"**{n}**" for n in totals), f"**{sum(counts.values())}**"])
    return ("### Findings per topic and severity\n\n"
            + _table(["topic", *SEVERITIES, "total"], rows, len(SEVERITIES) + 1))


def _topic_order(topic: str) -> tuple[int, str]:
    return (TOPICS.index(topic) if topic in TOPICS else len(TOPICS), topic)


def _index(results: Sequence[Result]) -> str:
    rows = []
    for n, r in enumerate(results, start=1):
        link = f"[{text(r.scenario)}](#{slug(_heading(n, r))})"
        errors = sum(1 for f in r.findings if f.severity == "error")
        warnings = sum(1 for f in r.findings if f.severity == "warning")
        rows.append([str(n), link, cell_code(r.code) if r.code else "", _verdict(r),
                     cell_code(f"{r.file}:{r.line}"), str(errors), str(warnings)])
    header = ["#", "scenario", "code", "verdict", "file", "errors", "warnings"]
    return "### Scenarios\n\n" + _table(header, rows, 2)


def _verdict(result: Result) -> str:
    return result.verdict if result.verdict in VERDICT_ORDER else "not evaluated"


def _heading(number: int, result: Result) -> str:
    return f"{number}. {result.scenario}"


# ---------------------------------------------------------------- one scenario

def _scenario(number: int, r: Result) -> str:
    lines = [f"## {text(_heading(number, r))}", ""]
    if r.title:
        lines += [f"*{text(r.title)}*", ""]
    lines.append(f"- **Verdict:** {_verdict(r)}")
    lines.append(f"- **File:** {code(f'{r.file}:{r.line}')}")
    if r.error:
        lines += ["", "Not evaluated: the scenario could not be read or judged.", "",
                  _fence("\n".join(str(d) for d in r.error))]
        return "\n".join(lines)
    shown = code(r.code)
    if r.normalized_code and r.normalized_code != r.code:
        shown += f" (read as {code(r.normalized_code)})"
    lines.append(f"- **Code:** {shown}")
    if r.missing_facts:
        lines.append(f"- **Missing facts:** {', '.join(code(m) for m in r.missing_facts)}")
    lines += ["", "### Findings", ""]
    lines.append("\n\n".join(_finding(number, i, f) for i, f in enumerate(r.findings, start=1))
                 or "No findings.")
    if r.suggestions:
        lines += ["", "### Suggestions", "", _suggestions(r.suggestions)]
    return "\n".join(lines)


def _finding(number: int, i: int, f: Finding) -> str:
    lines = [f"#### {number}.{i} {f.severity} · {f.topic} · {code(f.rule)}", "",
             f"**{_sentence(text(f.title))}** {text(f.message)}", ""]
    if f.because:
        lines += ["Because:", ""] + [f"- {_because(b)}" for b in f.because] + [""]
    if f.recommend:
        lines += ["Recommended:", ""] + [f"- {text(rec)}" for rec in f.recommend] + [""]
    lines.append(f"Source: {_source(f.source)}")
    return "\n".join(lines)


def _sentence(words: str) -> str:
    return words if words.endswith((".", "?", "!")) else words + "."


def _because(b: Because) -> str:
    if b.derived_by:
        return f"{code(b.fact)}, derived by rule {code(b.derived_by)}"
    where = f" (line {b.line})" if b.line else ""
    return f"{code(b.fact)} = {code(b.value)}{where}"


def _source(src: Source) -> str:
    label = text(src.ref) + (f", {text(src.section)}" if src.section else "")
    shown = f"[{label}](<{src.url}>)" if src.url and "<" not in src.url and ">" not in src.url else label
    return f"{shown} ({text(src.kind)})"


def _suggestions(suggestions: Sequence[Suggestion]) -> str:
    rows = [[code(s.code), text(s.name), f"{s.score:.2f}", text(s.reason)] for s in suggestions]
    return _table(["code", "name", "score", "why"], rows)


# ---------------------------------------------------------------- the vocabulary

_TYPE_WORDS = {
    "text": "text", "code": "a CDT code as written", "state": "a US state or DC, e.g. `NY`",
    "date": "date YYYY-MM-DD", "money": "USD amount ≥ 0", "count": "whole number ≥ 0",
    "bool": "true / false", "tri": "true / false / `unknown`", "enum": "one of",
    "enum_list": "a list of (or one of)", "int_list": "a list of whole numbers",
    "section": "section", "records": "list of record items",
    "rule_list": "list of rule ids", "finding_list": "list of `{topic, severity}`",
    "code_list": "list of codes", "path_list": "list of fact paths",
}


def vocabulary_table() -> str:
    """The scenario keys as a Markdown table, generated from engine/vocabulary.py (README)."""
    from .vocabulary import EXPECT, SCENARIO, US_STATES

    rows = []
    for path, spec in _vocabulary_rows(SCENARIO, ""):
        kind = _TYPE_WORDS.get(spec.type, spec.type)
        if spec.values and tuple(spec.values) != tuple(US_STATES):
            kind += ": " + ", ".join(code(v) for v in spec.values)
        rows.append([code(path) + (" (required)" if spec.required else ""), kind, text(spec.doc)])
    for key, spec in EXPECT.items():
        kind = "one of: " + ", ".join(code(v) for v in spec.values) if spec.values else \
            _TYPE_WORDS.get(spec.type, spec.type)
        rows.append([code(f"expect.{key}"), kind, text(spec.doc)])
    return _table(["key", "value", "meaning"], rows) + "\n"


def _vocabulary_rows(fields: Any, prefix: str) -> Iterable[tuple[str, Any]]:
    for key, spec in fields.items():
        path = f"{prefix}{key}"
        if spec.type in ("section", "records"):
            if spec.required:
                yield path, spec
            yield from _vocabulary_rows(spec.fields, path + ("[]." if spec.type == "records" else "."))
        else:
            yield path, spec


# ---------------------------------------------------------------- test suites

def test_report(report: Any, kb: KnowledgeBase, cov: Any | None = None) -> str:
    """``test --format markdown``: the stamp, the tally, coverage, then every case not passed.

    ``report`` is a :class:`engine.suite.SuiteReport`, ``cov`` a :class:`engine.suite.Coverage`;
    the failure text is :func:`engine.testreport.detail_text`, as ``test`` prints it.
    """
    from .expectations import ERROR, FAILED, PASSED, XFAILED

    head = _head(kb).replace("# cdt-companion report", "# cdt-companion test report", 1)
    counts = [["passed", report.count(PASSED)], ["failed", report.count(FAILED)],
              ["errors", report.count(ERROR)], ["xfailed (todo)", report.count(XFAILED)],
              ["skipped (no expect:)", report.skipped]]
    parts = [head, "## Summary\n\n" + _table(["outcome", "scenarios"],
                                             [[k, str(n)] for k, n in counts], 1)]
    if cov is not None:
        parts.append(_coverage(cov))
    parts.append(_case_index(report.outcomes))
    parts.extend(_case(o) for o in report.outcomes if o.status not in (PASSED, XFAILED))
    return "\n\n".join(p.rstrip("\n") for p in parts) + "\n"


def _coverage(cov: Any) -> str:
    lines = ["### Rule coverage", "",
             f"{cov.fired_count} of {len(cov.rules)} rules fired ({cov.percent:.1f}%)."]
    if cov.unfired:
        lines += ["", "Not fired: " + ", ".join(code(r) for r in cov.unfired) + "."]
    return "\n".join(lines)


def _case_index(outcomes: Sequence[Any]) -> str:
    from .testreport import LABELS

    rows = [[str(n), text(o.scenario), LABELS[o.status], cell_code(f"{o.file}:{o.line}"),
             text(o.todo or "")] for n, o in enumerate(outcomes, start=1)]
    return "### Cases\n\n" + _table(["#", "scenario", "outcome", "file", "todo"], rows)


def _case(outcome: Any) -> str:
    from .testreport import LABELS, detail_text

    title = f"## {LABELS[outcome.status]} {text(outcome.scenario)}"
    return "\n".join([title, "", f"- **File:** {code(f'{outcome.file}:{outcome.line}')}", "",
                      _fence(detail_text(outcome).rstrip("\n"))])
