"""``cdt-companion explain PATH [--rule ID]``: the derivation tree, or one rule's why-not."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from ..errors import UsageError

EXAMPLE = "cdt-companion explain scenarios/relocation-copies.yaml --rule d9961-internal-use"


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("explain", parents=[common], help="show how a scenario was judged",
                            description="Every fired rule with the facts and derived facts it "
                            "matched, as a tree back to the scenario's lines; with --rule, why that "
                            "rule did or did not fire.", epilog=f"example: {EXAMPLE}")
    parser.add_argument("path", metavar="PATH", help="a scenario file (each document is explained)")
    parser.add_argument("--rule", help="why this rule did or did not fire, condition by condition")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .. import formats
    from ..explain import derivation, why_not
    from ..kbload import load_kb
    from ..loader import load_scenarios
    from ..model import Invalid
    from ..runner import Judge
    from ..spelling import did_you_mean

    kb = load_kb(args.kb, args.facts)
    rule = kb.rule(args.rule) if args.rule else None
    if args.rule and rule is None:
        hint = did_you_mean(args.rule, [n for r in kb.rules for n in (r.id, *r.aliases)])
        raise UsageError(f"no rule '{args.rule}'" + (f"; {hint}" if hint else ""))
    worst, trees = 0, []
    with Judge(kb) as judge:
        for item in load_scenarios([args.path]):
            if isinstance(item, Invalid):
                out.write("".join(f"{d}\n" for d in item.diagnostics))
                worst = 2
                continue
            trace, judgement = judge.trace(item)
            if judgement is None:
                out.write(f"{item.file}:{item.line}:1: error: {trace.error}\n")
                worst = 2
                continue
            if rule is not None:
                fired = rule.id in judgement.fired
                checks = why_not(rule, item, trace, kb)
                if args.format == "json":
                    trees.append({"scenario": item.id, "rule": rule.id, "fired": fired,
                                  "conditions": [c.__dict__ for c in checks]})
                else:
                    out.write(f"scenario {item.id} ({item.file}:{item.line})\n")
                    out.write(formats.why_not_text(rule.id, fired, checks))
                continue
            tree = derivation(item, trace, judgement, kb)
            trees.append(formats.tree_json(tree))
            if args.format == "text":
                out.write(formats.tree_text(tree))
    if args.format == "json":
        key = "why_not" if rule is not None else "derivations"
        out.write(formats.dumps({**formats.stamp(kb), key: trees}) + "\n")
    return worst
