"""Where each value of a document was written, worked out when asked instead of tabled up front.

For a line of JSON Lines, ``json.loads`` (in C) gives the values, but not where they are; a
second, pure-Python reading of the text to table the column of every value and key cost more
than judging the scenario. Yet every value of the line is on that line, a judged scenario reads
only the lines its findings cite, and only an invalid one needs columns, for its messages. So
the fast JSON Lines reader hands out a :class:`JsonLinePositions` mapping: a line is answered
from the values alone, and the first column asked for reads the text again, once.

It behaves as the ``dict`` the general reader builds (``tests/test_positions.py`` compares them
on bundled, generated and malformed lines): ``get``, ``[]`` and ``in`` find one path; iterating,
``len`` and ``==`` build the whole table. Pickling gives the plain dict. YAML keeps plain dicts:
keeping libyaml's node trees alive to find paths in them cost more (memory, and the garbage
collector walking them) than tabling the positions saved.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Callable, Iterator

from .model import Position

Tables = tuple[dict[str, Position], dict[str, Position]]

_STEP = re.compile(r"\[(0|[1-9][0-9]*)\]|\.?([^.\[]+)")


def line_of(positions: Mapping[str, Position], path: str,
            route: tuple[str | int, ...] | None = None) -> int | None:
    """The line of the value (or key) at ``path``, or None when the document has none there.

    ``route`` is ``steps(path)`` when the caller has it already (explanations work out the
    paths they cite once per rule), which spares parsing the path again."""
    if type(positions) is JsonLinePositions or isinstance(positions, JsonLinePositions):
        return positions.line_of(path, route)
    pos = positions.get(path)
    return pos[0] if pos else None


@lru_cache(maxsize=4096)
def steps(path: str) -> tuple[str | int, ...] | None:
    """``records[0].form`` → ``('records', 0, 'form')``; None for a path no plain key spells.

    Cached: a batch asks for the same few fact paths of every scenario."""
    out: list[str | int] = []
    at = 0
    while at < len(path):
        match = _STEP.match(path, at)
        if match is None or (match.group(2) is not None and at and path[at] != "."):
            return None
        index, key = match.groups()
        out.append(int(index) if index is not None else key)
        at = match.end()
    return tuple(out)


class JsonLinePositions(Mapping[str, Position]):
    """``path → (line, col)`` of the values (or, with ``of_keys``, the keys) of one JSON Lines line.

    Only for lines the fast reader accepted: objects whose keys hold no ``.`` or ``[`` and are
    not empty, so a fact path names exactly one value. ``tables`` reads the text again and
    returns both tables (values, keys); it is shared by the two mappings of a document.
    """

    __slots__ = ("data", "line", "of_keys", "tables")

    def __init__(self, data: Any, line: int, of_keys: bool, tables: Callable[[], Tables]) -> None:
        self.data, self.line, self.of_keys, self.tables = data, line, of_keys, tables

    def line_of(self, path: str, route: tuple[str | int, ...] | None = None) -> int | None:
        """The line, without reading the text again (``route``: ``steps(path)``, if known)."""
        return self.line if self._holds(path, route) else None

    def table(self) -> dict[str, Position]:
        return self.tables()[1 if self.of_keys else 0]

    def __getitem__(self, path: str) -> Position:
        if not self._holds(path):
            raise KeyError(path)
        return self.table()[path]

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and self._holds(path)

    def __iter__(self) -> Iterator[str]:
        return iter(self.table())

    def __len__(self) -> int:
        return len(self.table())

    def __repr__(self) -> str:
        return f"JsonLinePositions({self.table()!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (dict, (self.table(),))

    def _holds(self, path: str, route: tuple[str | int, ...] | None = None) -> bool:
        if route is None:
            route = steps(path)
        if route is None or (self.of_keys and (not route or type(route[-1]) is int)):
            return False
        return reaches(self.data, route)


def reaches(data: Any, route: tuple[str | int, ...]) -> bool:
    """Whether the steps of ``route`` lead from ``data`` to a value (null counts): then a
    line's value mapping has a line for the path. Explanations, which know the steps of the
    paths they cite, ask this directly."""
    value = data
    for step in route:
        if type(step) is int:
            if not isinstance(value, list) or step >= len(value):
                return False
        elif not (type(value) is dict or isinstance(value, dict)) or step not in value:
            return False
        value = value[step]
    return True
