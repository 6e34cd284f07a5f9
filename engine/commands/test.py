"""``cdt-companion test PATH...``: check scenarios against their ``expect:`` blocks."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from ..errors import UsageError

EXAMPLE = "cdt-companion test scenarios/ --coverage --fail-under 100 --junit report.xml"


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("test", parents=[common], help="check scenarios against their expect: blocks",
                            description="Evaluate the scenarios that carry an expect: block and "
                            "compare: one line per scenario, a difference and the why-not of each "
                            "expected rule that did not fire, and the closing line 'N passed, N "
                            "failed'. Documents without expect: are counted as skipped. Exit 0 all "
                            "passed, 1 a failure, 2 bad input.", epilog=f"example: {EXAMPLE}")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="scenario files or folders; - for stdin")
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    parser.add_argument("--junit", metavar="FILE", help="also write JUnit XML to FILE")
    parser.add_argument("--coverage", action="store_true",
                        help="list the rules no scenario made fire and the seed statements no "
                        "scenario exercises")
    parser.add_argument("--fail-under", type=_percent, metavar="PCT",
                        help="exit 1 when rule coverage is below PCT percent")
    parser.set_defaults(handler=handle)


def _percent(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"{text} is not a percentage from 0 to 100")
    return value


def handle(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .. import suite, testreport
    from ..kbload import load_kb
    from ..loader import load_scenarios
    from ..runner import Judge

    kb = load_kb(args.kb, args.facts)
    items = load_scenarios(args.paths)
    with Judge(kb) as judge:
        report = suite.run_suite(judge, items)
    want_coverage = args.coverage or args.fail_under is not None
    cov = suite.coverage(kb, report.outcomes) if want_coverage else None
    if args.format == "json":
        out.write(testreport.report_json(report, kb, cov))
    elif args.format == "markdown":
        from ..markdown import test_report
        out.write(test_report(report, kb, cov))
    else:
        for outcome in report.outcomes:
            out.write(testreport.outcome_text(outcome))
        if cov is not None:
            out.write(testreport.coverage_text(cov))
        out.write(testreport.summary_line(report))
    if args.junit:
        _write(args.junit, testreport.junit_xml(report, kb))
    code = report.exit_code
    if cov is not None and args.fail_under is not None and cov.percent < args.fail_under:
        err.write(f"rule coverage {cov.percent:.1f}% is below --fail-under {args.fail_under:g}%\n")
        code = max(code, 1)
    return code


def _write(path: str, text: str) -> None:
    try:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as problem:
        raise UsageError(f"cannot write {path}: {problem.strerror or problem}") from None
