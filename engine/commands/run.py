"""``cdt-companion run PATH...``: evaluate scenarios and report verdicts and findings."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

EXAMPLE = "cdt-companion run scenarios/ --format jsonl"


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("run", parents=[common], help="evaluate scenarios",
                            description="Evaluate scenario files or folders (searched for *.yaml, "
                            "*.yml); - reads standard input.", epilog=f"example: {EXAMPLE}")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="scenario files or folders; - for stdin")
    parser.add_argument("--format", choices=("text", "json", "jsonl"), default="text")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .. import formats
    from ..kbload import load_kb
    from ..loader import load_scenarios
    from ..runner import Judge

    kb = load_kb(args.kb, args.facts)
    items = load_scenarios(args.paths)
    worst = 0
    results = []
    with Judge(kb) as judge:
        for result in judge.results(items):
            worst = max(worst, result.worst)
            if args.format == "jsonl":
                out.write(formats.run_jsonl_line(result))
                out.flush()
            elif args.format == "text":
                out.write(formats.run_text_one(result))
            results.append(result)
    if args.format == "json":
        out.write(formats.run_json(results, kb))
    elif args.format == "text":
        out.write(formats.run_text_summary(results))
    return worst
