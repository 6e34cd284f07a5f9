"""Rules as a reader sees them: one row per rule for listings, one card for ``rules show``.

Pure functions returning plain data (for JSON) and the text rendering of that data, so the
two formats cannot drift apart.
"""

from __future__ import annotations

import os
from typing import Any

from .conditions import GROUPS, describe
from .model import Condition, KnowledgeBase, Rule


def _where(rule: Rule) -> str:
    """file:line relative to the working directory when that is shorter."""
    try:
        rel = os.path.relpath(rule.file)
    except ValueError:
        rel = rule.file
    path = rel if not rel.startswith("..") else rule.file
    return f"{path}:{rule.line}"


def rule_rows(kb: KnowledgeBase, code: str | None, topic: str | None) -> list[dict[str, Any]]:
    """Rules sorted by topic and id; ``code`` keeps rules for that code and rules for any code."""
    rows = []
    for rule in kb.rules:
        if code is not None and rule.codes and code not in rule.codes:
            continue
        if topic is not None and rule.topic != topic:
            continue
        rows.append({"id": rule.id, "title": rule.title, "topic": rule.topic,
                     "severity": rule.severity, "codes": list(rule.codes),
                     "verdict": rule.verdict, "where": _where(rule)})
    return sorted(rows, key=lambda r: (r["topic"], r["id"]))


def rule_rows_text(rows: list[dict[str, Any]]) -> str:
    lines = [f"{r['id']:<44} {r['topic']:<19} {r['severity']:<8} {r['title']}" for r in rows]
    return "\n".join(lines + [f"{len(rows)} rules"]) + "\n"


def _tree(cond: Condition, depth: int = 0) -> list[str]:
    pad = "  " * depth
    if cond.op in GROUPS:
        head = "all of:" if cond.op == "all" else "any of:"
        return [pad + head] + [line for c in cond.children for line in _tree(c, depth + 1)]
    return [pad + describe(cond)]


def rule_card(rule: Rule) -> dict[str, Any]:
    """Everything about one rule: metadata, conditions as text, conclusion, source, place."""
    return {
        "id": rule.id, "title": rule.title, "aliases": list(rule.aliases), "codes": list(rule.codes),
        "topic": rule.topic, "severity": rule.severity, "where": _where(rule),
        "conditions": _tree(rule.when), "verdict": rule.verdict, "missing": list(rule.missing),
        "message": rule.message, "recommend": list(rule.recommend), "derive": list(rule.derive),
        "suggest": list(rule.suggest), "source": rule.source.to_dict(), "rationale": rule.rationale,
    }


def rule_card_text(rule: Rule) -> str:
    card = rule_card(rule)
    src = rule.source
    lines = [f"{rule.id}: {rule.title}", f"  at: {card['where']}",
             f"  topic {rule.topic}, severity {rule.severity}, codes: {', '.join(rule.codes) or 'any'}"]
    if rule.aliases:
        lines.append(f"  aliases: {', '.join(rule.aliases)}")
    lines.append("  when:")
    lines += [f"    {line}" for line in card["conditions"]]
    lines.append("  then:")
    if rule.verdict:
        lines.append(f"    verdict {rule.verdict}" + (f" (missing: {', '.join(rule.missing)})" if rule.missing else ""))
    lines.append(f"    message: {rule.message}")
    lines += [f"    recommend: {r}" for r in rule.recommend]
    if rule.derive:
        lines.append(f"    derive: {', '.join(rule.derive)}")
    if rule.suggest:
        lines.append(f"    suggest: {', '.join(rule.suggest)}")
    lines.append(f"  source: [{src.kind}] {src.ref}" + (f", {src.section}" if src.section else "")
                 + (f" <{src.url}>" if src.url else ""))
    if rule.rationale:
        lines.append(f"  rationale: {rule.rationale}")
    return "\n".join(lines) + "\n"
