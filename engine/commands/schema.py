"""``cdt-companion schema``: print the scenario file's JSON Schema (draft 2020-12)."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

EXAMPLE = "cdt-companion schema > scenario.schema.json"


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("schema", help="print the scenario file's JSON Schema",
                            description="Print the JSON Schema (draft 2020-12) of a scenario "
                            "document, generated from the same vocabulary the loader checks, for "
                            "editors (the YAML language server) and for programs that write "
                            "scenarios. Unknown keys are rejected.", epilog=f"example: {EXAMPLE}")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..schema import schema_text

    out.write(schema_text())
    return 0
