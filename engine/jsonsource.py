"""Read JSON and JSON Lines scenario files into the same :class:`Document` values as YAML.

Billing systems and scripts write JSON, so ``.json`` (one scenario object, or an array of them)
and ``.jsonl`` (one scenario object per line) go through the same validation as YAML and get
the same ``path:line:col`` errors. :func:`json.loads` checks the syntax first (strict, with its
own line and column); then a small walker reads the accepted text again to record where every
value and key starts, decoding strings with json's own ``scanstring`` so both readings agree.
Duplicate keys, depth and size limits behave as in :mod:`engine.yamlsource`.

A plain line of JSON Lines (most of them) skips the walk: ``json.loads`` alone gives its values,
and its positions are worked out when asked (:mod:`engine.positions`). Anything unusual on a
line (a duplicate key, NaN, a key holding ``.`` or ``[``, a line near a limit) gets the walk.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import json
import re
from json.decoder import scanstring
from typing import Any

from .errors import Diagnostic
from .positions import JsonLinePositions, Tables
from .yamlsource import (MAX_DEPTH, MAX_KEY_CHARS, MAX_NODES, MAX_PATH_CHARS, Document, Position,
                         read_documents)

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_LITERALS = {"true": True, "false": False, "null": None}
_JSON_START = re.compile(r"\s*(\[|\{\s*(\"|\}))")
_JSONL_LINE = re.compile(r"\s*\{\s*(\"|\})")


class _Stop(Exception):
    def __init__(self, offset: int, message: str) -> None:
        self.offset, self.message = offset, message


def read_json(path: str, text: str) -> list[Document]:
    """A ``.json`` text: one scenario object, or an array of scenario objects."""
    problem = _syntax_error(path, text, 1)
    if problem is not None:
        return [problem]
    walker = _Walker(path, text, 0)
    start = _WS.match(text, 0).end()
    try:
        if text.startswith("[", start):
            docs = walker.array_documents(start)
            if not docs:
                return [_error(path, 0, *walker.position(start), "the array holds no scenarios")]
            return docs
        return [walker.document(start, 0)[0]]
    except _Stop as stop:
        return [_error(path, 0, *walker.position(stop.offset), stop.message)]


def read_jsonl(path: str, text: str) -> list[Document]:
    """A ``.jsonl`` text: every non-blank line is one scenario document, at that line."""
    docs: list[Document] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            docs.append(read_jsonl_line(path, line, number, len(docs)))
    return docs


def read_jsonl_line(path: str, line: str, number: int, index: int) -> Document:
    """Line ``number`` of a ``.jsonl`` file, the ``index``-th document in it."""
    return _fast_line(path, line, number, index) or _line_document(path, line, number, index)


def _line_document(path: str, line: str, number: int, index: int) -> Document:
    """One line read the careful way: every value's position tabled, every problem reported."""
    problem = _syntax_error(path, line, number, index)
    if problem is not None:
        return problem
    walker = _Walker(path, line, number - 1)
    try:
        return walker.document(_WS.match(line, 0).end(), index)[0]
    except _Stop as stop:
        return _error(path, index, *walker.position(stop.offset), stop.message)


class _NotPlain(Exception):
    """The line needs the careful reading (a duplicate or odd key, NaN, not an object)."""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    keys = "\n".join(out)                  # one C-level scan of all the keys
    if len(out) != len(pairs) or "." in keys or "[" in keys or "" in out or len(keys) > MAX_KEY_CHARS \
            and any(len(k) > MAX_KEY_CHARS for k in out):
        raise _NotPlain
    return out


def _constant(word: str) -> Any:
    raise _NotPlain


def _fast_line(path: str, line: str, number: int, index: int) -> Document | None:
    """The document of a plain line, read by ``json.loads`` alone, or None.

    Plain: an object within the depth and size limits (counted generously from the text),
    without duplicate keys, NaN or keys that would make a fact path ambiguous. Its positions
    are worked out when asked (engine/positions.py), reading the text again only for a column.
    """
    if len(line) > MAX_NODES or line.count("{") + line.count("[") > MAX_DEPTH:
        return None
    try:
        data = json.loads(line, object_pairs_hook=_pairs, parse_constant=_constant)
    except (ValueError, RecursionError, _NotPlain):
        return None
    if not isinstance(data, dict):
        return None
    tables = functools.cache(lambda: _tables(path, line, number))     # one walk for both mappings
    return Document(path, index, number, data, JsonLinePositions(data, number, False, tables),
                    JsonLinePositions(data, number, True, tables), ())


def _tables(path: str, line: str, number: int) -> Tables:
    doc = _Walker(path, line, number - 1).document(_WS.match(line, 0).end(), 0)[0]
    return doc.positions, doc.key_positions


def read_any(path: str, text: str) -> list[Document]:
    """Standard input: JSON Lines, JSON or YAML, told apart by how the text begins.

    JSON Lines when the first non-blank line is a whole JSON object and more lines follow (so
    one broken line later on is reported at its line, not as "extra data" of one document).
    """
    lines = list(itertools.islice((line for line in text.split("\n") if line.strip()), 2))
    if len(lines) > 1 and _JSONL_LINE.match(lines[0]) and _syntax_error(path, lines[0], 1) is None:
        return read_jsonl(path, text)
    if _JSON_START.match(text):
        return read_json(path, text)
    return read_documents(path, text)


def _syntax_error(path: str, text: str, first_line: int, index: int = 0) -> Document | None:
    """The strict parser's verdict on ``text``: an error document, or None when it is JSON."""
    try:
        json.loads(text)
    except json.JSONDecodeError as err:
        line = first_line + err.lineno - 1
        return _error(path, index, line, err.colno, f"invalid JSON: {err.msg}")
    except RecursionError:
        return _error(path, index, first_line, 1, f"document is nested deeper than {MAX_DEPTH} levels")
    except ValueError as err:         # e.g. an integer longer than Python converts
        return _error(path, index, first_line, 1, f"invalid JSON: {err}")
    return None


def _error(path: str, index: int, line: int, col: int, message: str) -> Document:
    return Document(path, index, line, None, {}, {}, (Diagnostic(path, line, col, message),))


class _Walker:
    """Re-reads valid JSON, building plain values and the position of every fact path."""

    def __init__(self, path: str, text: str, line_offset: int) -> None:
        self.path, self.text, self.line_offset = path, text, line_offset
        self.newlines = [m.start() for m in re.finditer("\n", text)]
        self._reset()

    def _reset(self) -> None:
        self.positions: dict[str, Position] = {}
        self.key_positions: dict[str, Position] = {}
        self.problems: list[Diagnostic] = []
        self.count = self.path_chars = 0

    def position(self, offset: int) -> Position:
        """1-based (line, col) of a character offset."""
        row = bisect.bisect_left(self.newlines, offset)
        start = self.newlines[row - 1] + 1 if row else 0
        return (self.line_offset + row + 1, offset - start + 1)

    def document(self, start: int, index: int) -> tuple[Document, int]:
        """The value at ``start`` as one scenario document, and the offset after it."""
        self._reset()
        data, end = self.value(start, "", 0)
        line = self.position(start)[0]
        problems = list(self.problems)
        if data is None:
            problems.append(Diagnostic(self.path, *self.position(start),
                                       "a scenario must be a JSON object, not null"))
        return Document(self.path, index, line, data, self.positions, self.key_positions,
                        tuple(problems)), end

    def array_documents(self, start: int) -> list[Document]:
        """Each item of a top-level array as its own document, positions relative to it."""
        docs: list[Document] = []
        at = _WS.match(self.text, start + 1).end()
        while self.text[at] != "]":
            try:
                doc, end = self.document(at, len(docs))
            except _Stop as stop:                      # a limit loses this item, not the others
                doc, end = _error(self.path, len(docs), *self.position(stop.offset), stop.message), self._skip(at)
            docs.append(doc)
            at = self._after_item(end)
        return docs

    def _skip(self, start: int) -> int:
        """The offset just after the (duplicate, ignored, or refused) value at ``start``."""
        return json.JSONDecoder().raw_decode(self.text, start)[1]

    def value(self, at: int, where: str, depth: int) -> tuple[Any, int]:
        """The value starting at offset ``at`` and the offset after it."""
        self.count += 1
        self.path_chars += len(where)
        if self.count > MAX_NODES:
            raise _Stop(at, f"document has more than {MAX_NODES} values")
        if self.path_chars > MAX_PATH_CHARS:
            raise _Stop(at, "document is too large: its keys are too long for the number of values under them")
        if depth > MAX_DEPTH:
            raise _Stop(at, f"document is nested deeper than {MAX_DEPTH} levels")
        self.positions.setdefault(where, self.position(at))
        char = self.text[at]
        if char == "{":
            return self._object(at, where, depth)
        if char == "[":
            return self._array(at, where, depth)
        if char == '"':
            return scanstring(self.text, at + 1)
        for word, literal in _LITERALS.items():
            if self.text.startswith(word, at):
                return literal, at + len(word)
        return self._number(at)

    def _number(self, at: int) -> tuple[Any, int]:
        match = _NUMBER.match(self.text, at)
        if match is None:
            raise _Stop(at, "invalid JSON: expecting a value")
        text = match.group(0)
        number = float(text) if match.group(1) or match.group(2) else int(text)
        return number, match.end()

    def _array(self, at: int, where: str, depth: int) -> tuple[list[Any], int]:
        out: list[Any] = []
        at = _WS.match(self.text, at + 1).end()
        while self.text[at] != "]":
            item, at = self.value(at, f"{where}[{len(out)}]", depth + 1)
            out.append(item)
            at = self._after_item(at)
        return out, at + 1

    def _object(self, at: int, where: str, depth: int) -> tuple[dict[str, Any], int]:
        out: dict[str, Any] = {}
        at = _WS.match(self.text, at + 1).end()
        while self.text[at] != "}":
            key_pos, key_at = self.position(at), at
            key, at = scanstring(self.text, at + 1)
            if len(key) > MAX_KEY_CHARS:               # as in YAML: every path under it repeats it
                raise _Stop(key_at, f"key is longer than {MAX_KEY_CHARS} characters")
            at = _WS.match(self.text, at).end() + 1          # the ':'
            at = _WS.match(self.text, at).end()
            child = f"{where}.{key}" if where else key
            if key in out:
                self.count += 1                            # a duplicate counts as a value
                if self.count > MAX_NODES:
                    raise _Stop(key_at, f"document has more than {MAX_NODES} values")
                first = self.key_positions[child]
                message = f"duplicate key '{key}' (first at line {first[0]}, column {first[1]})"
                self.problems.append(Diagnostic(self.path, *key_pos, message))
                at = self._after_item(self._skip(at))
                continue
            self.key_positions[child] = key_pos
            out[key], at = self.value(at, child, depth + 1)
            at = self._after_item(at)
        return out, at + 1

    def _after_item(self, at: int) -> int:
        """Skip whitespace and one separating comma, landing on the next item or the closer."""
        at = _WS.match(self.text, at).end()
        if self.text[at] == ",":
            at = _WS.match(self.text, at + 1).end()
        return at
