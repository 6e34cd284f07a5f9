"""Read YAML safely into plain values while keeping the line and column of every value.

The composer gives nodes with marks; we build dicts, lists and scalars ourselves so that no
tag can construct an object, duplicate keys are errors, and every value's position is kept in a
flat map from fact path (``request.requester``, ``records[0].form``) to ``(line, col)``.
A file is split into documents on ``---`` lines before composing, so a syntax error in one
document leaves the others readable.

Files may come from outside the practice, so the limits below (size, nesting, values counting
alias expansions, key length) are enforced while reading, before validation or evaluation, and
every failure is a :class:`Diagnostic` at its position: reading never raises.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, replace
from typing import Any, Callable

from ruamel.yaml import YAML
from ruamel.yaml.composer import MaxDepthExceededError
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.reader import ReaderError

from .errors import Diagnostic

# Limits against hostile files, checked before any other work on a document (README "Bad input").
MAX_FILE_BYTES = 5 * 1024 * 1024          # bytes read from one file or standard input
MAX_DEPTH = 64                            # nesting of mappings and sequences in one document
MAX_NODES = 100_000                       # values in one document, counting every alias expansion
MAX_KEY_CHARS = 256                       # characters in one mapping key
MAX_PATH_CHARS = 16_000_000               # characters of fact paths kept for one document's positions

Position = tuple[int, int]
Reader = Callable[[str, str], list["Document"]]

_STD = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_STD}{t}" for t in ("str", "int", "float", "bool", "null", "timestamp")}
_INT = re.compile(r"[-+]?[0-9]+")
_BOOLS = {"true": True, "false": False}
_EMPTY_DOCUMENT = "document is empty (null): expected a mapping of keys to values"


@dataclass(frozen=True)
class Document:
    """One YAML document of a file: its plain data (None if unreadable) and positions."""

    path: str
    index: int
    line: int
    data: Any
    positions: dict[str, Position]
    key_positions: dict[str, Position]
    diagnostics: tuple[Diagnostic, ...]


class _Abort(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        self.diagnostic = diagnostic


def read_documents(path: str, text: str) -> list[Document]:
    """Every document of ``text`` (named ``path`` in messages), in order, never raising."""
    chunks = _split_documents(text)
    if not chunks:
        return [_error_document(path, 1, 1, "file holds no YAML document, only blank lines and comments")]
    read = _fast_reader()
    return [read(path, i, start, chunk) for i, (start, chunk) in enumerate(chunks)]


def read_file(path: str, display: str | None = None, parse: Reader | None = None) -> list[Document]:
    """Read and decode a file with the size limit; an unreadable file is one error document."""
    name = display or path
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as err:
        return [_error_document(name, 1, 1, f"cannot read file: {err.strerror or err}")]
    return read_bytes(name, raw, parse)


def read_bytes(name: str, raw: bytes, parse: Reader | None = None) -> list[Document]:
    """Decode UTF-8 bytes (with the size limit) and read their documents."""
    if len(raw) > MAX_FILE_BYTES:
        return [_error_document(name, 1, 1,
                                f"file is larger than the {MAX_FILE_BYTES // (1024 * 1024)} MiB limit")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        col = err.start - (raw.rfind(b"\n", 0, err.start) + 1) + 1
        return [_error_document(name, line, col, "file is not valid UTF-8" + _encoding_hint(raw))]
    if not text.strip():
        return [_error_document(name, 1, 1, "file is empty: expected at least one scenario")]
    return (parse or read_documents)(name, text)       # jsonsource passes its JSON readers


def _encoding_hint(raw: bytes) -> str:
    """Name the likely encoding when a byte-order mark gives it away (Windows editors write UTF-16)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return " (it looks like UTF-16: save it as UTF-8)"
    return ""


def _error_document(path: str, line: int, col: int, message: str) -> Document:
    return Document(path, 0, line, None, {}, {}, (Diagnostic(path, line, col, message),))


def _split_documents(text: str) -> list[tuple[int, str]]:
    """(first line index, text) per document; marker lines become blank to keep line numbers.

    The markers are found by one multi-line regex search over the whole text, and a chunk is
    sliced out of it, not joined from its lines: a 10,000-document file was cut line by line
    in Python before (tests/test_fastyaml.py compares both ways on every bundled, malformed
    and generated file).
    """
    if "\r" in text:          # YAML breaks lines at a lone CR too: so must the cutting
        text = _LONE_CR.sub("\n", text)
    chunks: list[tuple[int, str]] = []
    start, begin, head, number, counted = 0, 0, "", 0, 0
    for marker in _MARKERS.finditer("\n" + text):       # offsets in it are 1 past the text's
        at = marker.start(1) - 1
        number += text.count("\n", counted, at)
        counted = at
        chunks.append((start, head + text[begin:at]))    # with its last line's newline
        line = marker.group(1)
        rest = line[3:].strip()
        inline = rest and not rest.startswith("#") and line.startswith("---")
        start, head, begin = number, (" " * 3 + line[3:]) if inline else "", marker.end(1) - 1
    chunks.append((start, head + text[begin:]))
    return [(s, c) for s, c in chunks if _MEANINGFUL.search(c)]


# A document marker line (---, ... alone or before a space or tab; a CRLF file ends lines in \r),
# led by the newline before it so the regex engine looks for that literal, not at every character.
_MARKERS = re.compile(r"\n((?:---|\.\.\.)(?:[ \t][^\n]*)?\r?)(?=\n|\Z)")
_LONE_CR = re.compile(r"\r(?!\n)")
# A line that is not blank, a comment or a directive (after stripping its whitespace).
_MEANINGFUL = re.compile(r"^[^\S\n]*[^\s#%]", re.M)


def _read_chunk(path: str, index: int, first_line: int, chunk: str) -> Document:
    padded = "\n" * first_line + chunk
    try:
        nodes = list(_composer().compose_all(padded))
    except MaxDepthExceededError as err:
        mark = err.problem_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (first_line + 1, 1)
        return _error_document_at(path, index, line, col, f"document is nested deeper than {MAX_DEPTH} levels")
    except MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (first_line + 1, 1)
        problem = (err.problem or err.context or "invalid YAML").strip() + _opened_at(err)
        doc = _error_document_at(path, index, line, col, f"invalid YAML: {problem}")
        hint = _syntax_hint(problem)
        return replace(doc, diagnostics=(replace(doc.diagnostics[0], hint=hint),)) if hint else doc
    except ReaderError as err:
        line, col = _line_col(padded, err.position)
        code = err.character if isinstance(err.character, int) else ord(str(err.character)[:1] or "?")
        return _error_document_at(path, index, line, col, f"invalid YAML: character U+{code:04X} "
                                  "is not allowed (control characters other than tab and line breaks)")
    except RecursionError:
        return _error_document_at(path, index, first_line + 1, 1,
                                  f"document is nested deeper than {MAX_DEPTH} levels")
    except Exception as err:                       # a reader bug must not lose the rest of the batch
        return _error_document_at(path, index, first_line + 1, 1, f"invalid YAML: {err}")
    return _document_from_nodes(path, index, first_line, nodes)


def _opened_at(err: MarkedYAMLError) -> str:
    """Where the construct that went wrong began, when that is another line (an unclosed '{')."""
    start, at = err.context_mark, err.problem_mark
    if not err.context or start is None or at is None or start.line == at.line:
        return ""
    return f" ({err.context.strip()} that starts at line {start.line + 1}, column {start.column + 1})"


def _syntax_hint(problem: str) -> str | None:
    """A plainer reading of ruamel's two most puzzling messages."""
    if "'\\t'" in problem or "'\t'" in problem:
        return "indent with spaces: YAML does not allow tabs for indentation"
    if "<block end>" in problem or "<block mapping start>" in problem:
        return "check the indentation of this line: keys of one mapping must start in the same column"
    return None


def _composer() -> YAML:
    """ruamel's round-trip composer with its depth guard on: it stops at the first node deeper
    than the limit, before its recursion gets deep (a 10,000-level document is rejected in about
    a second, most of it ruamel's scanner looking ahead for keys)."""
    yaml = YAML(typ="rt")
    yaml.max_depth = MAX_DEPTH + 1                 # ruamel counts the root as depth 1
    return yaml


def _line_col(text: str, offset: int) -> Position:
    """1-based line and column of a character offset."""
    offset = max(0, min(offset, len(text)))
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _fast_reader() -> Any:
    """libyaml when available (engine/fastyaml.py), else ruamel; both give the same Document."""
    global _READER
    if _READER is None:
        from .fastyaml import chunk_reader
        _READER = chunk_reader(_read_chunk, _document_from_nodes)
    return _READER


_READER: Any = None


def _document_from_nodes(path: str, index: int, first_line: int, nodes: list[Any]) -> Document:
    """Plain data and positions from composed root nodes (ruamel's or libyaml's)."""
    nodes = [n for n in nodes if n is not None]
    if not nodes:
        return _error_document_at(path, index, first_line + 1, 1, _EMPTY_DOCUMENT)
    if len(nodes) > 1:                    # never dropped: the cutting missed a document start
        mark = nodes[1].start_mark
        return _error_document_at(path, index, mark.line + 1, mark.column + 1,
                                  "a second YAML document starts here without a '---' line of its "
                                  "own; put '---' alone on the line before it")
    root = nodes[0]
    builder = _Builder(path)
    try:
        data = builder.build(root, "", 0)
    except _Abort as stop:
        return _error_document_at(path, index, stop.diagnostic.line, stop.diagnostic.col,
                                  stop.diagnostic.message)
    line = root.start_mark.line + 1
    if data is None:
        return _error_document_at(path, index, line, root.start_mark.column + 1, _EMPTY_DOCUMENT)
    return Document(path, index, line, data, builder.positions, builder.key_positions,
                    tuple(builder.problems))


def _error_document_at(path: str, index: int, line: int, col: int, message: str) -> Document:
    return Document(path, index, line, None, {}, {}, (Diagnostic(path, line, col, message),))


class _Builder:
    """Turns composed nodes into plain values, recording positions and problems."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.positions: dict[str, Position] = {}
        self.key_positions: dict[str, Position] = {}
        self.problems: list[Diagnostic] = []
        self.count = 0
        self.path_chars = 0

    def build(self, node: Any, where: str, depth: int) -> Any:
        pos = (node.start_mark.line + 1, node.start_mark.column + 1)
        self._limit(node, where, depth, pos)
        self.positions.setdefault(where, pos)
        tag = str(node.tag)
        kind = type(node).__name__
        if kind == "MappingNode":
            self._check_tag(tag, f"{_STD}map", pos)
            return self._mapping(node, where, depth)
        if kind == "SequenceNode":
            self._check_tag(tag, f"{_STD}seq", pos)
            return [self.build(item, f"{where}[{i}]", depth + 1) for i, item in enumerate(node.value)]
        if tag not in _SCALAR_TAGS:
            raise _Abort(Diagnostic(self.path, *pos, f"tag '{_short(tag)}' is not allowed: "
                                    "scenario files hold plain values only"))
        # ruamel marks each fold of a folded (>) scalar with a BEL for its round trip; the
        # value has none (YAML text cannot hold a raw BEL, nor a folded scalar an escape).
        text = node.value.replace("\a", "") if node.style == ">" else node.value
        return _scalar(tag, text, node.style)

    def _limit(self, node: Any, where: str, depth: int, pos: Position) -> None:
        """Stop at the first value past a limit: an alias bomb or a deep or huge document costs
        at most MAX_NODES steps, whatever it would expand to."""
        self.count += 1
        self.path_chars += len(where)
        if self.count > MAX_NODES:                 # the composer shares an anchored node; we expand it
            raise _Abort(Diagnostic(self.path, *pos, f"document has more than {MAX_NODES} values "
                                    "(counting every expansion of an alias)"))
        if depth > MAX_DEPTH:
            raise _Abort(Diagnostic(self.path, *pos, f"document is nested deeper than {MAX_DEPTH} levels"))
        if self.path_chars > MAX_PATH_CHARS:
            raise _Abort(Diagnostic(self.path, *pos, "document is too large: its keys are too long "
                                    "for the number of values under them"))

    def _check_tag(self, tag: str, expected: str, pos: Position) -> None:
        if tag != expected:
            raise _Abort(Diagnostic(self.path, *pos, f"tag '{_short(tag)}' is not allowed: "
                                    "scenario files hold plain values only"))

    def _mapping(self, node: Any, where: str, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            kpos = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if type(key_node).__name__ != "ScalarNode":
                raise _Abort(Diagnostic(self.path, *kpos, "keys must be plain words"))
            if str(key_node.tag) == f"{_STD}merge":
                raise _Abort(Diagnostic(self.path, *kpos, "merge keys ('<<') are not allowed"))
            key = str(key_node.value)
            if len(key) > MAX_KEY_CHARS:
                raise _Abort(Diagnostic(self.path, *kpos, f"key is longer than {MAX_KEY_CHARS} characters"))
            child = f"{where}.{key}" if where else key
            if key in out:
                self._limit(key_node, child, depth + 1, kpos)      # a duplicate counts as a value
                first = self.key_positions[child]
                self.problems.append(Diagnostic(self.path, *kpos,
                                                f"duplicate key '{key}' (first at line {first[0]})"))
                continue
            self.key_positions[child] = kpos
            out[key] = self.build(value_node, child, depth + 1)
        return out


def _short(tag: str) -> str:
    return "!!" + tag[len(_STD):] if tag.startswith(_STD) else tag


def _scalar(tag: str, text: str, style: str | None) -> Any:
    """Plain scalar values by YAML 1.2 core rules; no timestamps beyond dates."""
    kind = tag[len(_STD):]
    if kind == "str" or style:
        return text
    if kind == "null":
        return None
    if kind == "bool":
        return _BOOLS.get(text.lower(), text)
    try:
        if kind == "int":
            return int(text) if _INT.fullmatch(text) else int(text.replace("_", ""), 0)
        if kind == "float":
            return float(text.replace("_", "").replace(".inf", "inf").replace(".nan", "nan"))
    except ValueError:
        return text
    if kind == "timestamp":
        try:
            return _dt.date.fromisoformat(text)
        except ValueError:
            return text
    return text
