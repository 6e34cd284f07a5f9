"""The fast path of yamlsource: compose with libyaml (PyYAML's C parser), build the same Document.

ruamel.yaml's composer is pure Python and costs milliseconds per small scenario; libyaml
through PyYAML's ``CParser`` is the only maintained composer that runs in C *and* keeps the
line/column marks every explanation and error needs. This module composes one document chunk
with it, resolving plain scalars by the YAML 1.2 core rules that ruamel applies (so ``yes``
stays text and ``012`` stays decimal), and hands the nodes to yamlsource's own builder.

Anything unusual goes to the ruamel path, so the result is the same ``Document`` either way
(tests/test_fastyaml.py checks it on every bundled and malformed file):
- any parse error, or any problem found while building (duplicate keys, limits): the
  message and its mark come from ruamel, as before;
- a ``%`` directive (``%YAML 1.1`` changes the scalar rules) or a ``!`` (explicit tags);
- a character the two read differently (NEL, LS, PS, a tab, a byte-order mark).
Without libyaml (``yaml.__with_libyaml__`` false, or PyYAML missing) everything takes the
ruamel path. ``CDT_YAML=ruamel`` in the environment forces it (benchmarks, bisecting).
"""

from __future__ import annotations

import functools
import os
import re
from typing import Any, Callable

from .yamlsource import MAX_DEPTH, MAX_KEY_CHARS, MAX_NODES, MAX_PATH_CHARS, Document, _scalar

try:                                                   # PyYAML is optional: ruamel is the fallback
    from yaml._yaml import CParser as _CParser
    from yaml.nodes import MappingNode as _MappingNode
    from yaml.nodes import ScalarNode as _ScalarNode
    from yaml.nodes import SequenceNode as _SequenceNode
    from yaml.resolver import BaseResolver as _BaseResolver
    AVAILABLE = os.environ.get("CDT_YAML") != "ruamel"
except ImportError:                                    # pragma: no cover - depends on the install
    AVAILABLE = False

_STD = "tag:yaml.org,2002:"
_STR, _MAP, _SEQ, _MERGE = (_STD + t for t in ("str", "map", "seq", "merge"))
_PLAIN_TAGS = frozenset(_STD + t for t in ("str", "int", "float", "bool", "null", "timestamp"))

# YAML 1.2 core schema, as ruamel.yaml's VersionedResolver has it for version 1.2.
_RESOLVERS: list[tuple[str, str, str]] = [
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("float", r"""^(?:
         [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""", "-+0123456789."),
    ("int", r"""^(?:[-+]?0b[0-1_]+
        |[-+]?0o?[0-7_]+
        |[-+]?[0-9_]+
        |[-+]?0x[0-9a-fA-F_]+)$""", "-+0123456789"),
    ("merge", r"^(?:<<)$", "<"),
    ("null", r"^(?: ~ |null|Null|NULL | )$", "~nN"),
    ("timestamp", r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
        |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
        (?:[Tt]|[ \t]+)[0-9][0-9]?
        :[0-9][0-9] :[0-9][0-9] (?:\.[0-9]*)?
        (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""", "0123456789"),
    ("value", r"^(?:=)$", "="),
]


def _resolver_class() -> Any:
    """A resolver with exactly the YAML 1.2 implicit rules (PyYAML's own are YAML 1.1)."""
    class Resolver12(_BaseResolver):
        yaml_implicit_resolvers: dict[Any, Any] = {}

    for kind, pattern, first in _RESOLVERS:
        Resolver12.add_implicit_resolver(_STD + kind, re.compile(pattern, re.X), list(first))
    Resolver12.add_implicit_resolver(_STD + "null", re.compile(r"^$"), [""])
    _BY_FIRST.update(Resolver12.yaml_implicit_resolvers)
    return Resolver12


_BY_FIRST: dict[str, list[tuple[str, Any]]] = {}


def _resolve(kind: Any, value: Any, implicit: Any) -> str:
    """The tag of a node as the YAML 1.2 core schema reads it (plain scalars by their text)."""
    if kind is _ScalarNode:
        if implicit[0]:
            for tag, regexp in _BY_FIRST.get(value[:1], ()):
                if regexp.match(value):
                    return tag
        return _STR
    return _SEQ if kind is _SequenceNode else _MAP


if AVAILABLE:
    class _Composer(_CParser, _resolver_class()):  # type: ignore[misc, valid-type]
        """libyaml's parser with the YAML 1.2 resolver: composes nodes, constructs nothing."""

        def __init__(self, stream: str) -> None:
            _CParser.__init__(self, stream)
            _BaseResolver.__init__(self)

        # PyYAML's generic versions of these three run for every node; with no path resolvers
        # the answers reduce to the lines below (same tags, a third of the time). The composer
        # ignores what the first two return, so they are C callables that do nothing: two
        # Python calls per node were 5% of the instructions of composing a scenario.
        descend_resolver = staticmethod({}.get)      # (node, index) -> index, ignored
        ascend_resolver = staticmethod(tuple)        # () -> (), ignored

        # The tag depends on (kind, value, implicit) alone, and a batch's keys and enum values
        # repeat: a C-level LRU cache answers most nodes without running Python code. It keeps
        # the texts it was asked about, so compose_nodes empties it after a big chunk.
        resolve = staticmethod(functools.lru_cache(maxsize=4096)(_resolve))


# Characters libyaml and ruamel read differently: YAML 1.1 line breaks (NEL, LS, PS), which
# libyaml honours and ruamel, reading YAML 1.2, does not; a tab, which libyaml accepts inside
# a plain scalar and ruamel refuses; a byte-order mark past the start. Text with any of them
# takes the reference path, so both paths keep giving one answer.
_READ_APART = re.compile("[\t\x85\u2028\u2029\ufeff]").search


# The resolver's cache holds scalars of chunks up to this size only (4,096 entries of at most
# this many characters), so a run over many files with huge scalars cannot pile them up.
_CACHED_CHUNK_CHARS = 4096


def compose_nodes(text: str) -> list[Any] | None:
    """The root nodes of ``text`` composed in C, or None when the ruamel path must decide."""
    if not AVAILABLE or "!" in text or "%" in text and _has_directive(text) or _READ_APART(text):
        return None
    parser = _Composer(text)
    try:
        nodes = []
        while parser.check_node():
            nodes.append(parser.get_node())
        return nodes
    except Exception:                                  # ruamel reports the error its own way
        return None
    finally:
        parser.dispose()
        if len(text) > _CACHED_CHUNK_CHARS:           # its scalars may be long: keep none of them
            _Composer.resolve.cache_clear()


class _Mark:
    """Where a node starts, in the whole file (what the builder reads of a mark)."""

    __slots__ = ("line", "column")

    def __init__(self, line: int, column: int) -> None:
        self.line, self.column = line, column


def _shift(nodes: list[Any], lines: int) -> None:
    """Move every node's start mark down by ``lines`` (the chunk's place in its file).

    The ruamel path pads the chunk with newlines instead; for the 10,000th document of a file
    that is 10,000 lines to scan again per document, which made big files quadratic here.
    """
    seen: set[int] = set()
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:           # aliases share one node: shift it once
            continue
        seen.add(id(node))
        mark = node.start_mark                         # libyaml's marks are read-only
        node.start_mark = _Mark(mark.line + lines, mark.column)
        value = node.value
        if isinstance(value, list):
            for child in value:
                stack.extend(child if isinstance(child, tuple) else (child,))


def _has_directive(text: str) -> bool:
    return any(line.startswith("%") for line in text.split("\n"))


def chunk_reader(fallback: Callable[..., Any], build: Callable[..., Any]) -> Callable[..., Any]:
    """A ``(path, index, first_line, chunk) -> Document`` reader trying libyaml first.

    ``fallback`` is yamlsource's ruamel reader; ``build(path, index, first_line, nodes)`` turns
    composed nodes into the Document, the same code the ruamel path runs after composing.
    """
    if not AVAILABLE:
        return fallback

    def read(path: str, index: int, first_line: int, chunk: str) -> Any:
        nodes = compose_nodes(chunk)      # not padded: libyaml would scan every line before it
        if nodes is None:
            return fallback(path, index, first_line, chunk)
        if "&" not in chunk and len(nodes) == 1:         # no anchors, so no shared nodes
            plain = _plain(nodes[0], first_line)
            if plain is not None:
                return _document(path, index, *plain)
        if first_line:
            _shift(nodes, first_line)
        doc = build(path, index, first_line, nodes)
        # A document with any problem is read again by ruamel, so that every message and its
        # position come from the one reference path; except a size limit, which the same
        # builder already reported at the same node, and which ruamel would take minutes over.
        if doc.diagnostics and not (doc.data is None and _over_limit(doc)):
            return fallback(path, index, first_line, chunk)
        return doc
    return read


def _over_limit(doc: Any) -> bool:
    return any(f"more than {MAX_NODES} values" in d.message for d in doc.diagnostics)


class _Unusual(Exception):
    """Anything off the plain path: the general builder (or ruamel) decides."""


def _document(path: str, index: int, line: int, data: Any, positions: dict[str, Any],
              key_positions: dict[str, Any]) -> Any:
    return Document(path, index, line, data, positions, key_positions, ())


def _plain(root: Any, first_line: int) -> tuple[int, Any, dict[str, Any], dict[str, Any]] | None:
    """(line, data, positions, key positions) of a document without any problem, else None.

    The same values yamlsource's builder makes, without its generality: every check that
    builder makes becomes "not plain" here (duplicate keys, merge keys, tags, long keys, depth,
    size), so those documents still get its messages. A new check there needs a line here;
    tests/test_fastyaml.py compares both paths on the malformed corpus.
    """
    walker = _PlainWalker(first_line + 1)
    try:
        data = walker.node(root, "", 0)
    except (_Unusual, RecursionError):
        return None
    if data is None:
        return None
    return root.start_mark.line + first_line + 1, data, walker.positions, walker.key_positions


class _PlainWalker:
    __slots__ = ("offset", "positions", "key_positions", "count", "path_chars")

    def __init__(self, offset: int) -> None:
        self.offset = offset
        self.positions: dict[str, tuple[int, int]] = {}
        self.key_positions: dict[str, tuple[int, int]] = {}
        self.count = self.path_chars = 0

    def node(self, node: Any, where: str, depth: int) -> Any:
        mark = node.start_mark                         # paths are unique: no aliases, no duplicates
        self.positions[where] = (mark.line + self.offset, mark.column + 1)
        self.count += 1
        self.path_chars += len(where)
        if self.count > MAX_NODES or depth > MAX_DEPTH or self.path_chars > MAX_PATH_CHARS:
            raise _Unusual
        cls, tag = node.__class__, node.tag
        if cls is _ScalarNode:
            if tag not in _PLAIN_TAGS:
                raise _Unusual
            return node.value if tag == _STR else _scalar(tag, node.value, node.style)
        if cls is _MappingNode and tag == _MAP:
            return self.mapping(node, where, depth)
        if cls is _SequenceNode and tag == _SEQ:
            return [self.node(item, f"{where}[{i}]", depth + 1) for i, item in enumerate(node.value)]
        raise _Unusual

    def mapping(self, node: Any, where: str, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        offset, positions, key_positions = self.offset, self.positions, self.key_positions
        for key_node, value_node in node.value:
            if key_node.__class__ is not _ScalarNode or key_node.tag == _MERGE:
                raise _Unusual
            key = key_node.value
            if key in out or len(key) > MAX_KEY_CHARS:
                raise _Unusual
            child = f"{where}.{key}" if where else key
            mark = key_node.start_mark
            key_positions[child] = (mark.line + offset, mark.column + 1)
            if value_node.__class__ is not _ScalarNode or depth >= MAX_DEPTH:
                out[key] = self.node(value_node, child, depth + 1)
                continue
            mark, tag = value_node.start_mark, value_node.tag    # a scalar, inline: most values
            positions[child] = (mark.line + offset, mark.column + 1)
            self.count += 1
            self.path_chars += len(child)
            if tag == _STR:
                out[key] = value_node.value
            elif tag in _PLAIN_TAGS:
                out[key] = _scalar(tag, value_node.value, value_node.style)
            else:
                raise _Unusual
        if self.count > MAX_NODES or self.path_chars > MAX_PATH_CHARS:
            raise _Unusual
        return out

