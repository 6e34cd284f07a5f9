"""``cdt-companion codes [CODE]``: the code catalog, or one code's card."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from ..errors import UsageError

EXAMPLE = "cdt-companion codes D9961"


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("codes", parents=[common], help="list the code catalog or show one code",
                            description="Without CODE, every catalog code with its short name, "
                            "nature and CDT version. With CODE, its card: name, category, "
                            "subcategory, nature, added/removed, the rules that speak of it, and "
                            "its neighbours in the related-code graph with how they differ.",
                            epilog=f"example: {EXAMPLE}")
    parser.add_argument("code", metavar="CODE", nargs="?", help="a catalog code, e.g. D9961")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .. import formats
    from ..kbload import load_kb

    kb = load_kb(args.kb, args.facts)
    if args.code is None:
        rows = [_row(kb.codes[c]) for c in sorted(kb.codes)]
        out.write(formats.dumps({**formats.stamp(kb), "codes": rows}) + "\n" if args.format == "json"
                  else _catalog_text(rows))
        return 0
    card = _card(_resolve(args.code, kb), kb)
    out.write(formats.dumps({**formats.stamp(kb), "code": card}) + "\n" if args.format == "json"
              else _card_text(card))
    return 0


def _resolve(written: str, kb: Any) -> str:
    """The catalog code meant by ``written`` (case and separators forgiven), or a usage error."""
    from ..suggest import clean_code, for_code

    clean, added = clean_code(written)
    if clean in kb.codes and not added:
        return clean
    hints = [s.code for s in for_code(written, kb)]
    hint = f"; did you mean {', '.join(hints)}?" if hints else ""
    shown = written if len(written) <= 20 else written[:19] + "…"
    raise UsageError(f"no code '{shown}' in the catalog{hint}")


def _row(entry: Any) -> dict[str, Any]:
    return {"code": entry.code, "name": entry.name, "category": entry.category,
            "subcategory": entry.subcategory, "nature": entry.nature, "added": entry.added,
            "removed": entry.removed, "service_kind": entry.service_kind, "unit": entry.unit}


def _card(code: str, kb: Any) -> dict[str, Any]:
    from ..graph import neighbours

    entry = kb.codes[code]
    rules = [{"id": r.id, "title": r.title, "topic": r.topic, "severity": r.severity,
              "verdict": r.verdict} for r in sorted(kb.rules, key=lambda r: r.id) if code in r.codes]
    near = [{"code": other, "name": kb.codes[other].name, "relation": relation,
             "kind": edge.kind, "reason": edge.reason} for other, edge, relation in neighbours(kb, code)]
    return {**_row(entry), "keywords": list(entry.keywords), "differs_from_d9961": entry.differs,
            "rules": rules, "neighbours": near}


def _version(year: Any) -> str:
    return f"CDT {year}" if year else "not recorded"


def _catalog_text(rows: list[dict[str, Any]]) -> str:
    lines = [f"{'code':<6} {'nature':<14} {'added':<9} {'removed':<9} name"]
    for r in rows:
        added = str(r["added"] or "-")
        removed = str(r["removed"] or "-")
        lines.append(f"{r['code']:<6} {r['nature']:<14} {added:<9} {removed:<9} {r['name']}")
    lines.append(f"{len(rows)} codes; 'cdt-companion codes CODE' shows one code's card")
    return "\n".join(lines) + "\n"


def _card_text(card: dict[str, Any]) -> str:
    words = lambda s: (s or "not recorded").replace("_", " ")  # noqa: E731
    lines = [f"{card['code']}  {card['name']}",
             f"  category:     {words(card['category'])} / {words(card['subcategory'])}",
             f"  nature:       {card['nature']}",
             f"  service kind: {card['service_kind'] or 'none (no scenario service maps to it)'}"
             + (f", reported {words(card['unit'])}" if card["unit"] else ""),
             f"  added:        {_version(card['added'])}",
             f"  removed:      {_version(card['removed']) if card['removed'] else 'no (current code)'}"]
    if card["differs_from_d9961"]:
        lines.append(f"  vs D9961:     {card['differs_from_d9961']}")
    lines.append(f"  rules that speak of it ({len(card['rules'])}):")
    lines.extend(f"    {r['severity']:<7} {r['topic']:<14} {r['id']}: {r['title']}" for r in card["rules"])
    if not card["rules"]:
        lines.append("    none")
    lines.append(f"  neighbours in the related-code graph ({len(card['neighbours'])}):")
    for n in card["neighbours"]:
        lines.append(f"    {words(n['relation'])} {n['code']} ({n['name']})")
        lines.append(f"      {n['reason']}")
    if not card["neighbours"]:
        lines.append("    none")
    return "\n".join(lines) + "\n"
