"""``cdt-companion rules [--code C] [--topic T]`` and ``rules show ID``: read the rule base."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from ..errors import UsageError

EXAMPLE = "cdt-companion rules --topic fee_limit; cdt-companion rules show fee-above-state-cap"


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("rules", parents=[common], help="list rules, or show one",
                            description="List the rules (filtered by the code they concern or "
                            "their topic), or 'rules show ID' for one rule's conditions, "
                            "conclusion, source and file:line.", epilog=f"example: {EXAMPLE}")
    parser.add_argument("words", nargs="*", metavar="show ID", help="'show' and a rule id")
    parser.add_argument("--code", help="only rules that concern this code (rules for any code included)")
    parser.add_argument("--topic", help="only rules of this finding topic")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .. import formats
    from ..kbload import load_kb
    from ..rulecards import rule_card, rule_card_text, rule_rows, rule_rows_text

    kb = load_kb(args.kb, args.facts)
    if args.words:
        if args.words[0] != "show" or len(args.words) != 2:
            raise UsageError("rules: expected 'rules show ID' (or no words to list the rules)")
        rule = _rule(kb, args.words[1])
        if args.format == "json":
            out.write(formats.dumps({**formats.stamp(kb), "rule": rule_card(rule)}) + "\n")
        else:
            out.write(rule_card_text(rule))
        return 0
    rows = rule_rows(kb, _code(kb, args.code), _topic(args.topic))
    if args.format == "json":
        out.write(formats.dumps({**formats.stamp(kb), "rules": rows}) + "\n")
    else:
        out.write(rule_rows_text(rows))
    return 0


def _rule(kb: Any, rule_id: str) -> Any:
    from ..spelling import did_you_mean
    rule = kb.rule(rule_id)
    if rule is None:
        hint = did_you_mean(rule_id, [r.id for r in kb.rules])
        raise UsageError(f"no rule '{rule_id}'" + (f"; {hint}" if hint else ""))
    return rule


def _code(kb: Any, code: str | None) -> str | None:
    from ..enrich import normalize_code
    from ..spelling import did_you_mean
    if code is None:
        return None
    normalized, _ = normalize_code(code)
    if normalized not in kb.codes:
        hint = did_you_mean(code.upper(), kb.codes)
        raise UsageError(f"--code: '{code}' is not in the catalog" + (f"; {hint}" if hint else ""))
    return normalized


def _topic(topic: str | None) -> str | None:
    from ..spelling import did_you_mean
    from ..vocabulary import TOPICS
    if topic is not None and topic not in TOPICS:
        hint = did_you_mean(topic, TOPICS)
        raise UsageError(f"--topic: '{topic}' is not a topic" + (f"; {hint}" if hint else ""))
    return topic
