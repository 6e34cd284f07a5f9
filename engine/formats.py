"""Render results for people and for programs: one small function per ``--format``.

Every formatter sorts explicitly and reads no clock, so the same inputs give byte-identical
output. Results themselves keep input order (the contract); findings are already sorted by
severity, topic and rule id.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, Iterable, Sequence

from . import __version__, jsonline
from .explain import Check, Node
from .model import KnowledgeBase, Result
from .terminal import paint

VERDICT_ORDER = ("appropriate", "inappropriate", "needs-review")


def stamp(kb: KnowledgeBase) -> dict[str, Any]:
    """What judged these results: the tool and the knowledge base's version and content hash."""
    return {"tool": "cdt-companion", "tool_version": __version__,
            "kb_version": kb.version, "kb_digest": kb.digest}


def dumps(data: Any) -> str:
    """Canonical JSON: stable key order, UTF-8 text kept readable."""
    return _CANONICAL.encode(data)


# json.dumps(data, ensure_ascii=False, sort_keys=True) builds an encoder per call; this one is
# built once. It skips the cycle check: what is rendered are trees built from loaded documents,
# which cannot be cyclic (a self-referencing YAML alias is refused as nested too deep).
_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, check_circular=False)


def summary(results: Sequence[Result]) -> dict[str, Any]:
    """Counts per verdict and per finding topic/severity, in a fixed order."""
    verdicts = Counter(r.verdict for r in results if not r.error)
    topics = Counter((f.topic, f.severity) for r in results for f in r.findings)
    return {
        "scenarios": len(results),
        "errors": sum(1 for r in results if r.error),
        "verdicts": {v: verdicts.get(v, 0) for v in VERDICT_ORDER},
        "findings": [{"topic": t, "severity": s, "count": n} for (t, s), n in sorted(topics.items())],
    }


def run_json(results: Sequence[Result], kb: KnowledgeBase) -> str:
    return dumps({**stamp(kb), "results": [r.to_dict() for r in results],
                  "summary": summary(results)}) + "\n"


def run_jsonl_line(result: Result, kb: KnowledgeBase | None = None) -> str:
    """One result per line; with ``kb``, each line carries the stamp under ``"stamp"``.

    Every line is stamped (not only a header line) because JSON Lines get split, filtered and
    stored one line at a time, and each line should still say what judged it.
    """
    return jsonline.line(result, "" if kb is None else _stamp_part(kb), dumps)


def _stamp_part(kb: KnowledgeBase) -> str:
    """The stamp as a line's fragment, encoded once per kb version and digest: what it holds."""
    key = (kb.version, kb.digest)
    part = _STAMP_PARTS.get(key)
    if part is None:
        part = _STAMP_PARTS[key] = f', "stamp": {dumps(stamp(kb))}'
    return part


_STAMP_PARTS: dict[tuple[str, str], str] = {}


def run_text_one(result: Result, color: bool = False) -> str:
    """One scenario for a person: headline, findings with their reasons, suggestions.

    ``color`` paints the verdict and the severities (the caller decides: terminal, NO_COLOR).
    """
    head = f"{result.file}:{result.line}: {result.scenario}"
    if result.error:
        body = "".join(f"  {d}\n".replace("\n", "\n    ").rstrip() + "\n" for d in result.error)
        return f"{head}  {paint('NOT EVALUATED', 'not evaluated', color)}\n{body}"
    code = result.code if result.code == result.normalized_code or not result.normalized_code \
        else f"{result.code} (read as {result.normalized_code})"
    verdict = paint(result.verdict.upper(), result.verdict, color) if result.verdict else ""
    lines = [f"{head}  {code}  {verdict}{_tally(result)}"]
    if result.missing_facts:
        lines.append(f"  missing facts: {', '.join(result.missing_facts)}")
    for f in result.findings:
        severity = paint(f"{f.severity:<7}", f.severity, color)
        lines.append(f"  {severity} {f.topic:<14} {f.rule}: {f.message}")
        facts = "; ".join(_because_text(b) for b in f.because)
        if facts:
            lines.append(f"          because {facts}")
        for rec in f.recommend:
            lines.append(f"          → {rec}")
        src = f.source
        lines.append(f"          source: {src.ref}" + (f", {src.section}" if src.section else ""))
    for s in result.suggestions:
        lines.append(f"  did you mean {s.code} ({s.name})? score {s.score:.2f}: {s.reason}")
    return "\n".join(lines) + "\n"


def _tally(result: Result) -> str:
    """The verdict judges the code only; say next to it what else needs fixing."""
    counts = Counter(f.severity for f in result.findings)
    parts = [f"{counts[s]} {s}{'s' if counts[s] > 1 else ''}" for s in ("error", "warning") if counts[s]]
    return f"  [{', '.join(parts)}]" if parts else ""


def _because_text(b: Any) -> str:
    if b.derived_by:
        return f"{b.fact} (derived by {b.derived_by})"
    value = json.dumps(b.value) if not isinstance(b.value, str) else b.value
    return f"{b.fact} = {value}" + (f" (line {b.line})" if b.line else "")


def run_text_summary(results: Sequence[Result]) -> str:
    s = summary(results)
    parts = [f"{n} {v}" for v, n in s["verdicts"].items()]
    flagged = sum(1 for r in results if any(f.severity == "error" for f in r.findings))
    noun = "scenario" if s["scenarios"] == 1 else "scenarios"
    return (f"{s['scenarios']} {noun}: {', '.join(parts)}, {s['errors']} not evaluated; "
            f"{flagged} with error findings\n")


def tree_text(node: Node) -> str:
    """A derivation tree drawn with box characters."""
    lines = [node.label]
    _tree_lines(node.children, "", lines)
    return "\n".join(lines) + "\n"


def _tree_lines(children: Iterable[Node], prefix: str, lines: list[str]) -> None:
    kids = list(children)
    for i, child in enumerate(kids):
        last = i == len(kids) - 1
        lines.append(f"{prefix}{'└─ ' if last else '├─ '}{child.label}")
        _tree_lines(child.children, prefix + ("   " if last else "│  "), lines)


def tree_json(node: Node) -> dict[str, Any]:
    return {"label": node.label, "children": [tree_json(c) for c in node.children]}


def why_not_text(rule_id: str, fired: bool, checks: Sequence[Check]) -> str:
    """Each condition of a rule, met or not, with the value seen."""
    lines = [f"rule {rule_id} {'FIRED' if fired else 'did not fire'}"]
    for c in checks:
        mark = "met    " if c.met else "NOT met"
        seen = "" if c.seen is None and c.text.endswith(":") else f"  (seen: {_seen(c.seen)})"
        lines.append(f"  {'  ' * c.depth}[{mark}] {c.text}{seen}")
    return "\n".join(lines) + "\n"


def _seen(value: Any) -> str:
    if value is None:
        return "absent"
    return json.dumps(value) if not isinstance(value, str) else value
