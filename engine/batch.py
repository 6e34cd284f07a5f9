"""Judge a batch in order, streaming, on one core or several (``run --jobs N``).

The input is cut into *units* of work: a few small files each, or slices of the documents of
one big YAML or JSON Lines file (cut at document boundaries, every document keeping its own
line numbers and index). Each unit is read, validated, judged and, for JSON Lines, rendered by a
worker holding its own compiled knowledge base; ``Pool.imap`` hands the units back in input
order, so output is the same as one process's, byte for byte. The parent only does what needs
the whole batch: a scenario id used twice makes the later one invalid (as
``loader.mark_duplicate_ids`` does), and a file is named ``stem#N`` only when it holds more
than one document. Nothing but the current units is held, so memory stays flat.
"""

from __future__ import annotations

import gc
import itertools
import os
import re
from array import array
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterator, Sequence

from . import yamlsource as ys
from .errors import Diagnostic
from .loader import _default_id, file_stem, find_files, read_source, scenarios_from_documents, validate
from .model import Invalid, KnowledgeBase, Result, Scenario
from .runner import Judge

FILES_PER_UNIT = 32
_ORDINAL = re.compile(r"[1-9][0-9]{0,17}")      # the N of a default id stem#N (ASCII, no leading 0)
DOCS_PER_UNIT = 200


@dataclass(frozen=True)
class Unit:
    """Work for one worker call. ``docs`` are (index, first line, text) of one file's slice."""

    paths: tuple[str, ...] = ()
    path: str = ""
    kind: str = ""                   # "yaml" chunks or "jsonl" lines, for a slice
    many: bool = False
    docs: tuple[tuple[int, int, str], ...] = ()


@dataclass(frozen=True)
class Item:
    """One judged document as the parent needs it: identity, exit status and its output."""

    id: str
    file: str
    line: int
    scenario: bool
    worst: int
    text: str | None                 # the rendered output, when a renderer was given
    result: Result | None            # else the Result itself
    index: int = -1                  # the document's index in its file
    many: bool = False               # its file holds several documents (ids default to stem#N)
    last: bool = False               # the last item of its unit: a good moment to flush output


Render = Callable[[Result], str]
_JUDGE: Judge | None = None
_RENDER: Render | None = None


def _init(kb: KnowledgeBase, render: Render | None) -> None:
    """Per worker: compile the knowledge base once, into this process's engine."""
    global _JUDGE, _RENDER
    _JUDGE, _RENDER = Judge(kb), render
    # The kb, compiled rules and modules live as long as the process: keep the cyclic garbage
    # collector from walking them again on every collection of the batch's short-lived values.
    gc.freeze()


def work(unit: Unit) -> list[Item]:
    """Read, validate and judge one unit; what comes back is small and picklable."""
    assert _JUDGE is not None
    return [_item(_JUDGE.result(i), isinstance(i, Invalid), None, i.index, many) for i, many in read(unit)]


def read(unit: Unit) -> list[tuple[Scenario | Invalid, bool]]:
    """The unit's validated documents, each with whether its file holds several."""
    if unit.paths:
        files = [scenarios_from_documents(read_source(p)) for p in unit.paths]
        return [(i, len(f) > 1) for f in files for i in f]
    return [(validate(doc, _default_id(doc, unit.many)), unit.many) for doc in _slice_documents(unit)]


def _item(result: Result, invalid: bool, render: Render | None = None, index: int = -1,
          many: bool = False) -> Item:
    """Rendering in the worker keeps the parent's share of the work (and the pickling) small."""
    render = render or _RENDER
    return Item(result.scenario, result.file, result.line, not invalid, result.worst,
                render(result) if render else None, None if render else result, index, many)


def _slice_documents(unit: Unit) -> list[ys.Document]:
    if unit.kind == "jsonl":                 # each line at its own number: blank lines between count
        from .jsonsource import read_jsonl_line
        return [read_jsonl_line(unit.path, line, number + 1, index) for index, number, line in unit.docs]
    read = ys._fast_reader()
    docs = [read(unit.path, i, start, chunk) for i, start, chunk in unit.docs]
    return [d for d in docs if d.data is not None or d.diagnostics]


# ------------------------------------------------------------------ planning (parent side)

def plan(paths: Sequence[str]) -> Iterator[Unit]:
    """Units in input order: small files grouped, big files sliced, stdin handled whole."""
    group: list[str] = []
    for name in find_files(paths):
        slices = None if name == "-" else _slices(name)
        if slices is None and name != "-" and _size(name) < 64 * 1024:
            group.append(name)
            if len(group) < FILES_PER_UNIT:
                continue
            slices = []
        if group:
            yield Unit(paths=tuple(group))
            group = []
        if slices is None:
            yield Unit(paths=(name,))
        else:
            yield from slices
    if group:
        yield Unit(paths=tuple(group))


def _slices(name: str) -> list[Unit] | None:
    """A big file cut into slices of documents, or None to read it whole (small or odd)."""
    suffix = Path(name).suffix.lower()
    if suffix not in (".yaml", ".yml", ".jsonl") or _size(name) < 64 * 1024:
        return None
    with open(name, "rb") as handle:
        raw = handle.read(ys.MAX_FILE_BYTES + 1)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    if len(raw) > ys.MAX_FILE_BYTES or not text.strip():
        return None
    if suffix == ".jsonl":
        docs = _jsonl_docs(text)
    else:
        chunks = ys._split_documents(text)
        if not _sliceable(chunks):
            return None
        docs = tuple((i, start, chunk) for i, (start, chunk) in enumerate(chunks))
    kind = "jsonl" if suffix == ".jsonl" else "yaml"
    many = len(docs) > 1
    return [Unit(path=name, kind=kind, many=many, docs=docs[i:i + DOCS_PER_UNIT])
            for i in range(0, len(docs), DOCS_PER_UNIT)]


def _size(name: str) -> int:
    """0 for a path that cannot be measured: reading it reports why, as that input's error."""
    try:
        return os.path.getsize(name)
    except OSError:
        return 0


def _sliceable(chunks: list[tuple[int, str]]) -> bool:
    """False when a chunk might be an empty (null) document: reading drops those, which changes
    whether the file counts as holding several documents, so such a file is read whole."""
    if not chunks:                        # no document at all: reading it whole reports that
        return False
    for _, chunk in chunks:
        if not _two_meaningful_lines(chunk) or "!" in chunk and "null" in chunk:
            return False
    return True


def _two_meaningful_lines(chunk: str) -> bool:
    """Whether ``chunk`` has at least two lines that are not blank, comment or directive; the
    search stops at the second (a document's first lines usually are), since planning runs in
    the parent, which shares the cores with the workers."""
    return next(itertools.islice(ys._MEANINGFUL.finditer(chunk), 1, None), None) is not None


def _jsonl_docs(text: str) -> tuple[tuple[int, int, str], ...]:
    lines = text.split("\n")
    numbered = [(n, line) for n, line in enumerate(lines) if line.strip()]
    return tuple((i, n, line) for i, (n, line) in enumerate(numbered))


# ------------------------------------------------------------------ running

def items(paths: Sequence[str], kb: KnowledgeBase, jobs: int,
          render: Render | None = None) -> Iterator[Item]:
    """Every document's item, in input order, with duplicate ids made invalid.

    One unit of work (a small batch) or ``jobs`` 1 runs here; otherwise ``jobs`` forked workers
    (fork: they inherit the loaded knowledge base and ``render`` without pickling them).
    """
    units = plan(paths)
    first = list(_take(units, 2))
    if jobs <= 1 or len(first) < 2 or "-" in paths:     # a worker cannot read our stdin
        _init(kb, render)
        try:
            yield from _checked(map(work, _chain(first, units)), render)
        finally:
            _close()
        return
    import multiprocessing
    with multiprocessing.get_context("fork").Pool(jobs, _init, (kb, render)) as pool:
        yield from _checked(pool.imap(work, _chain(first, units), chunksize=1), render)


def _close() -> None:
    global _JUDGE
    if _JUDGE is not None:
        _JUDGE.close()
        _JUDGE = None


def _take(units: Iterator[Unit], n: int) -> Iterator[Unit]:
    for _ in range(n):
        unit = next(units, None)
        if unit is None:
            return
        yield unit


def _chain(first: list[Unit], rest: Iterator[Unit]) -> Iterator[Unit]:
    yield from first
    yield from rest


def _checked(batches: Iterator[list[Item]], render: Render | None) -> Iterator[Item]:
    """Re-apply the one whole-batch check, duplicate ids, as ``mark_duplicate_ids`` does."""
    seen = _Ids()
    for batch in batches:
        for number, item in enumerate(batch, start=1):
            where = seen.first(item.id)
            if where is not None and item.scenario:
                item = _duplicate(item, where, render)
            if where is None:
                seen.add(item)
            yield replace(item, last=True) if number == len(batch) else item


class _Ids:
    """The ids used so far and where each was first used, in little memory.

    Ids a file gives by default (``stem``, ``stem#N``) are kept as one line number per document
    in an array per file, not as strings: at 100,000 scenarios a dict of id strings was most
    of the growth in memory. Any other id is kept in a dict.
    """

    def __init__(self) -> None:
        self.named: dict[str, str] = {}
        self.files: dict[tuple[str, bool], list[tuple[str, array]]] = {}

    def add(self, item: Item) -> None:
        stem = file_stem(item.file)
        if item.index < 0 or item.id != (f"{stem}#{item.index + 1}" if item.many else stem):
            self.named[item.id] = f"{item.file}:{item.line}"
            return
        records = self.files.setdefault((stem, item.many), [])
        if not records or records[-1][0] != item.file:
            records.append((item.file, array("q")))
        lines = records[-1][1]
        lines.extend([0] * (item.index + 1 - len(lines)))
        lines[item.index] = item.line

    def first(self, name: str) -> str | None:
        """Where ``name`` was first used, or None."""
        if name in self.named:
            return self.named[name]
        readings = [(name, False, 0)]                  # a one-document file's stem...
        head, _, number = name.rpartition("#")
        if head and _ORDINAL.fullmatch(number):
            readings.append((head, True, int(number) - 1))   # ...or stem#N of a bigger file
        for stem, many, index in readings:
            for path, lines in self.files.get((stem, many), ()):
                if index < len(lines) and lines[index]:
                    return f"{path}:{lines[index]}"
        return None


def _duplicate(item: Item, where: str, render: Render | None) -> Item:
    diag = Diagnostic(item.file, item.line, 1, f"scenario id '{item.id}' is already used at {where}")
    return _item(Result(item.id, item.file, item.line, None, None, None, error=(diag,)), True, render)


def count_documents(paths: Sequence[str]) -> int:
    """About how many documents ``paths`` hold (for a progress line; JSON arrays count as one)."""
    total = 0
    for name in find_files(paths):
        if name == "-":
            continue
        try:
            with open(name, "rb") as handle:
                text = handle.read(ys.MAX_FILE_BYTES + 1).decode("utf-8-sig", errors="replace")
        except OSError:
            total += 1
            continue
        if name.lower().endswith(".jsonl"):
            total += len(_jsonl_docs(text))
        elif name.lower().endswith((".yaml", ".yml")):
            total += max(1, len(ys._split_documents(text)))
        else:
            total += 1
    return total


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:                           # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


__all__ = ["Item", "Unit", "items", "plan", "work", "default_jobs", "count_documents"]
