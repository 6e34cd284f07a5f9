"""``cdt-companion run PATH...``: evaluate scenarios and report verdicts and findings."""

from __future__ import annotations

import argparse
from typing import Any, Sequence, TextIO

EXAMPLE = "cdt-companion run scenarios/ --format jsonl"
FORMATS = ("text", "json", "jsonl", "markdown")


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("run", parents=[common], help="evaluate scenarios",
                            description="Evaluate scenario files or folders (searched for\n"
                            "*.yaml, *.yml, *.json, *.jsonl); - reads standard input (YAML, JSON\n"
                            "or JSON Lines). Exit 0 clean, 1 an error finding or inappropriate\n"
                            "verdict, 2 bad input.", epilog=f"example: {EXAMPLE}\n"
                            "example: cdt-companion run scenarios/ --format markdown > report.md\n"
                            "example: cat cases.jsonl | cdt-companion run - --format jsonl")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="scenario files or folders; - for stdin")
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="text for a person (default), json, jsonl (one line per scenario, "
                        "as each is judged), markdown (a report to file)")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="text: print only the headline of each scenario that needs attention "
                        "(not judged, with its first reason; inappropriate; or error findings) and "
                        "the summary line; no progress")
    parser.add_argument("-j", "--jobs", type=_jobs, default=0, metavar="N",
                        help="worker processes (default: one per core; 1 = in this process); "
                        "output order and bytes are the same for every N")
    parser.set_defaults(handler=handle)


def _jobs(text: str) -> int:
    from ..errors import UsageError

    if not text.isdigit() or not 1 <= int(text) <= MAX_JOBS:
        raise UsageError(f"--jobs must be a whole number from 1 to {MAX_JOBS}, not '{text}'")
    return int(text)


MAX_JOBS = 64        # more workers than this only forks processes that wait for a core


def handle(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .. import formats
    from ..batch import count_documents, default_jobs, items
    from ..kbload import load_kb
    from ..terminal import Progress, is_terminal, wants_color

    kb = load_kb(args.kb, args.facts)
    show = not args.quiet and is_terminal(err)
    progress = Progress(err, count_documents(args.paths) if show else 0, enabled=show)
    color = args.format == "text" and wants_color(out)
    # JSON Lines are rendered where they are judged (in the workers) and streamed; nothing is
    # kept, so memory stays flat. The other formats need the Results (summary, whole document).
    render = (lambda result: formats.run_jsonl_line(result, kb)) if args.format == "jsonl" else None
    results, worst = [], 0
    for done, item in enumerate(items(args.paths, kb, args.jobs or default_jobs(), render), start=1):
        progress.clear()
        if item.text is not None:
            out.write(item.text)
            if item.last:             # streamed a unit at a time: one write per line cost more
                out.flush()           # than judging in the parent, which shares the cores
        else:
            _stream_one(args, item.result, kb, out, color)
            results.append(item.result)
        worst = max(worst, item.worst)
        progress.step(done, item.id)
    progress.clear()
    _write_whole(args.format, results, kb, out)
    return worst


def _stream_one(args: argparse.Namespace, result: Any, kb: Any, out: TextIO, color: bool) -> None:
    """What is written as soon as one scenario is judged (text and jsonl stream)."""
    from .. import formats

    if args.format == "jsonl":
        out.write(formats.run_jsonl_line(result, kb))
        out.flush()
    elif args.format == "text" and not args.quiet:
        out.write(formats.run_text_one(result, color))
    elif args.format == "text" and result.worst:
        lines = formats.run_text_one(result, color).splitlines(keepends=True)
        out.write("".join(lines[:2 if result.error else 1]))    # not judged: and its first reason


def _write_whole(fmt: str, results: Sequence[Any], kb: Any, out: TextIO) -> None:
    """What needs the whole batch: the JSON document, the report, the summary line."""
    from .. import formats, markdown

    if fmt == "json":
        out.write(formats.run_json(results, kb))
    elif fmt == "markdown":
        out.write(markdown.run_report(results, kb))
    elif fmt == "text":
        out.write(formats.run_text_summary(results))
