"""``cdt-companion check``: validate the knowledge base and print the seed coverage table."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

EXAMPLE = "cdt-companion check --format json"


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("check", parents=[common], help="validate the knowledge base",
                            description="Validate kb/ and facts/: schema, unique rule ids, known "
                            "facts and codes, a source for every rule, and the coverage of every "
                            "statement of the seed guide (facts/seed.yaml). Exit 2 when invalid.",
                            epilog=f"example: {EXAMPLE}")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .. import formats
    from ..check import check
    from ..kbload import bundled_dir, load_kb

    kb = load_kb(args.kb, args.facts)          # also compiles: a rule the engine cannot express stops here
    report = check(kb, Path(args.facts) if args.facts else bundled_dir("facts"))
    if args.format == "json":
        out.write(formats.dumps({**formats.stamp(kb), **report.to_dict()}) + "\n")
    else:
        kb_dir = Path(args.kb) if args.kb else bundled_dir("kb")
        facts_dir = Path(args.facts) if args.facts else bundled_dir("facts")
        out.write(f"knowledge base: {kb_dir}\nfacts: {facts_dir}\n")   # which copy was checked
        out.write(_text(report))
    for problem in report.problems:
        err.write(f"{problem}\n")
    return 0 if report.ok else 2


def _text(report: Any) -> str:
    """The coverage table and the closing counts a reviewer reads."""
    lines = [f"{report.rules} rules in {report.rule_files} files, {report.codes} catalog codes",
             f"{len(report.unsourced)} rules without a source"]
    lines += [f"  no source: {rule_id}" for rule_id in report.unsourced]
    lines.append("")
    lines.append("seed coverage (facts/seed.yaml):")
    for s in report.statements:
        mark = "!" if s.id in report.faulty else " "
        by = ", ".join(s.covered_by + s.catalog) or "-"
        lines.append(f" {mark}{s.id}  {s.status:<9}  {s.says}")
        lines.append(f"          by: {by}")
        if s.status != "encoded" and s.reason:
            lines.append(f"          why: {s.reason}")
    counts = ", ".join(f"{n} {status.replace('_', ' ')}" for status, n in report.by_status().items())
    lines.append("")
    lines.append(f"{report.accounted} of {len(report.statements)} seed statements covered or set "
                 f"aside ({report.percent}%): {counts}")
    lines.append("knowledge base OK" if report.ok else
                 f"knowledge base INVALID: {len(report.problems)} problems")
    return "\n".join(lines) + "\n"
