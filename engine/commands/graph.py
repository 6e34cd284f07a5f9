"""``cdt-companion graph [--format dot|mermaid|json]``: the related-code graph as text."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

EXAMPLE = "cdt-companion graph --format dot | dot -Tsvg -o docs/graph.svg"


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("graph", parents=[common], help="print the related-code graph",
                            description="The catalog codes and the typed edges between them "
                            "(often confused with, related, same subcategory, replaced by, billed "
                            "alongside), each edge with its reason, as Graphviz DOT, Mermaid or JSON.",
                            epilog=f"example: {EXAMPLE}")
    parser.add_argument("--format", choices=("dot", "mermaid", "json"), default="dot",
                        help="dot (default) for Graphviz, mermaid for Markdown pages, json for programs")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..graph import render
    from ..kbload import load_kb

    out.write(render(load_kb(args.kb, args.facts), args.format))
    return 0
