"""One result as one canonical JSON line, assembled from pieces encoded once.

``run --format jsonl`` writes a line per scenario, and building ``Result.to_dict()`` and then
sorting and encoding every nested dict was a large share of a scenario's time. Much of a line
does not change between scenarios: a finding's rule, title, topic, severity, recommendations
and source are its rule's metadata, a fact's name recurs, and the stamp is the knowledge
base's. Those parts are encoded once, by the canonical encoder itself, and found again only
by the very objects (or the strings) they were encoded from, so another knowledge base or a
changed rule can never be given someone else's bytes; only the parts that vary are encoded per
line. Keys are written in the order ``sort_keys`` gives; tests/test_render_fast.py compares
every line with the plain ``dumps(result.to_dict())``.
"""

from __future__ import annotations

import json
from typing import Any, Callable

from .model import Because, Finding, Result, Suggestion

Encode = Callable[[Any], str]

# The string encoder the canonical encoder uses (ensure_ascii=False): C, and called directly.
_str: Callable[[str], str] = json.encoder.encode_basestring     # type: ignore[attr-defined]
_int: Callable[[int], str] = int.__repr__
_float: Callable[[float], str] = float.__repr__
_INF = float("inf")

# Fragments by the values they encode; a few hundred entries in practice. Only keys made of
# strings (and None) are kept: equal strings encode alike, while 1, 1.0 and True are equal keys
# that encode differently. The bound keeps odd inputs (endless distinct facts) from growing them.
_MAX_ENTRIES = 4096
_tails: dict[str, tuple[Any, ...]] = {}
_heads: dict[Any, str] = {}


def line(result: Result, stamp: str, encode: Encode) -> str:
    """``encode(result.to_dict() + the stamp) + "\\n"``, from pieces.

    ``stamp`` is the stamp already encoded as its fragment (``', "stamp": {…}'``, or ``""`` for
    none); ``encode`` is the canonical encoder (``formats.dumps``): it writes the constant
    fragments and any value of a kind this module does not write itself.
    """
    r = result
    error = "null" if not r.error else encode([str(d) for d in r.error])
    missing = _strings(r.missing_facts, encode) if r.missing_facts else "[]"
    suggestions = ", ".join([_suggestion(s, encode) for s in r.suggestions]) if r.suggestions else ""
    return "".join((
        '{"code": ', _value(r.code, encode), ', "error": ', error, ', "file": ', _value(r.file, encode),
        ', "findings": [', ", ".join([_finding(f, encode) for f in r.findings]),
        '], "fired": ', _strings(r.fired, encode), ', "line": ', _value(r.line, encode),
        ', "missing_facts": ', missing, ', "normalized_code": ', _value(r.normalized_code, encode),
        ', "scenario": ', _value(r.scenario, encode), stamp, ', "suggestions": [', suggestions,
        '], "title": ', _value(r.title, encode), ', "verdict": ', _value(r.verdict, encode), "}\n"))


def _finding(f: Finding, encode: Encode) -> str:
    """because and message vary; the keys after them (recommend … topic) are the rule's."""
    known = _tails.get(f.rule)
    if known is None or not (known[0] is f.title and known[1] is f.topic and known[2] is f.severity
                             and known[3] is f.recommend and known[4] is f.source):
        known = _tail(f, encode)
    return "".join(('{"because": [', _becauses(f.because, encode),
                    '], "message": ', _value(f.message, encode), known[5]))


def _tail(f: Finding, encode: Encode) -> tuple[Any, ...]:
    """The rule's part of a finding, kept with the very objects it was encoded from: findings
    of one loaded rule share them, so a check by identity (never fooled by another kb's rule of
    the same id, nor by equal values that encode differently) finds it again."""
    whole = encode({"recommend": list(f.recommend), "rule": f.rule, "severity": f.severity,
                    "source": f.source.to_dict(), "title": f.title, "topic": f.topic})
    known = (f.title, f.topic, f.severity, f.recommend, f.source, ", " + whole[1:])
    if type(f.rule) is str:
        _remember(_tails, f.rule, known)
    return known


def _becauses(items: tuple[Because, ...], encode: Encode) -> str:
    """The facts a finding rests on. derived_by and fact repeat across scenarios: their opening
    is encoded once. The common leaves (a string or flag value, an int line) are written inline,
    in one loop without a call per fact: this runs ~10 times a line."""
    out = []
    for b in items:
        by = b.derived_by
        key = b.fact if by is None else (b.fact, by)
        head = _heads.get(key)
        if head is None:
            head = _remember(_heads, key, f'{{"derived_by": {_value(by, encode)}, '
                                          f'"fact": {_value(b.fact, encode)}, "line": ')
        value, at = b.value, b.line
        kind = type(value)
        if kind is str:
            value = _str(value)
        elif kind is bool:
            value = "true" if value else "false"
        else:
            value = _value(value, encode)
        if type(at) is not int:      # an exact int formats as its repr, as the encoder writes it
            at = _value(at, encode)
        out.append(f'{head}{at}, "value": {value}}}')
    return ", ".join(out)


def _suggestion(s: Suggestion, encode: Encode) -> str:
    return (f'{{"code": {_value(s.code, encode)}, "name": {_value(s.name, encode)}, '
            f'"reason": {_value(s.reason, encode)}, "score": {_value(s.score, encode)}}}')


def _strings(items: tuple[str, ...], encode: Encode) -> str:
    """A list of rule ids or fact names (strings; anything else is left to ``encode``)."""
    try:
        return f'[{", ".join(map(_str, items))}]'
    except TypeError:
        return encode(list(items))


def _value(v: Any, encode: Encode) -> str:
    """A leaf as the C encoder writes it; anything else (lists, dicts, subclasses) by ``encode``."""
    t = type(v)
    if t is str:
        return _str(v)
    if v is None:
        return "null"
    if t is bool:
        return "true" if v else "false"
    if t is int:
        return _int(v)
    if t is float and v == v and v != _INF and v != -_INF:
        return _float(v)
    return encode(v)


def _remember(memo: dict[Any, Any], key: Any, text: Any) -> Any:
    """Keep ``text`` under ``key`` when the key is strings only (see above); return it."""
    parts = key if type(key) is tuple else (key,)
    if all(type(p) is str or p is None for p in parts):
        if len(memo) >= _MAX_ENTRIES:
            memo.clear()
        memo[key] = text
    return text
