"""``cdt-companion suggest TEXT_OR_CODE [--scenario PATH]``: ranked "did you mean" codes."""

from __future__ import annotations

import argparse
from typing import Any, Sequence, TextIO

from ..errors import UsageError

EXAMPLE = 'cdt-companion suggest D9916\n         cdt-companion suggest "copies of x-rays for the patient\'s lawyer"'


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("suggest", parents=[common], help="rank codes for a code or a description",
                            description="For a mistyped or unknown code (D9916, 9961, d-9961) or a "
                            "plain-language description of the service, the catalog codes ranked "
                            "with a score in [0, 1] and the reason. With --scenario, codes are "
                            "ranked by how well they fit that scenario's facts.",
                            epilog=f"example: {EXAMPLE}")
    parser.add_argument("query", metavar="TEXT_OR_CODE", help="a code as written, or a description in words")
    parser.add_argument("--scenario", metavar="PATH", help="a scenario file whose facts the codes must fit")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .. import formats
    from ..kbload import load_kb
    from ..suggest import looks_like_code, suggest

    query = args.query
    if not query.strip():
        raise UsageError("give a code (D9961) or a description of the service")
    kb = load_kb(args.kb, args.facts)
    kind = "code" if looks_like_code(query) else "text"
    doc: dict[str, Any] = {**formats.stamp(kb), "query": query, "read_as": kind}
    if args.scenario is None:
        found = suggest(query, kb)
        doc["suggestions"] = [s.to_dict() for s in found]
        text = _block(f"'{_short(query)}' read as a {'code' if kind == 'code' else 'description'}", found)
        worst = 0
    else:
        rows, text, worst = _per_scenario(args.scenario, query, kb, err)
        doc["scenarios"] = rows
    out.write(formats.dumps(doc) + "\n" if args.format == "json" else text)
    return worst


def _per_scenario(path: str, query: str, kb: Any, err: TextIO) -> tuple[list[dict[str, Any]], str, int]:
    from ..loader import load_scenarios
    from ..model import Invalid
    from ..suggest import suggest

    rows, text, worst = [], "", 0
    for item in load_scenarios([path]):
        if isinstance(item, Invalid):
            err.write("".join(f"{d}\n" for d in item.diagnostics))
            worst = 2
            continue
        found = suggest(query, kb, item.facts)
        rows.append({"scenario": item.id, "file": item.file, "line": item.line,
                     "suggestions": [s.to_dict() for s in found]})
        service = (item.facts.get("service") or {}).get("kind") or "not stated"
        text += _block(f"{item.file}:{item.line}: {item.id} (service: {service}), '{_short(query)}'",
                       found, True)
    return rows, text, worst


def _block(head: str, found: Sequence[Any], scenario: bool = False) -> str:
    if not found:
        why = ("no catalog code both matches and passes its own rules for this scenario" if scenario
               else "nothing in the catalog is close enough")
        return f"{head}\n  no suggestion: {why}\n"
    lines = [head]
    for rank, s in enumerate(found, 1):
        lines.append(f"  {rank}. {s.code}  {s.name}  (score {s.score:.2f})")
        lines.append(f"     {s.reason}")
    return "\n".join(lines) + "\n"


def _short(text: str, width: int = 60) -> str:
    """The query as echoed in a heading: one line, cut to ``width`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
