"""String distance that knows how people mistype: a weighted optimal-string-alignment distance.

Shared by code suggestions (``D9916`` → D9961) and by the "did you mean" for scenario keys and
values. Plain Levenshtein treats every slip alike, so ``D9916`` is as far from D9910 as from
D9961; real keying slips are not alike. A swap of two neighbouring characters, a key pressed
twice, a repeated character typed once, a code cut short at the end, or a neighbouring key hit
instead of the right one are far more common than a random wrong character, so they cost less.

Pure functions, no dependencies: the catalog holds a few dozen codes and the vocabulary a few
hundred words, so a hand-written dynamic programme is fast enough and easy to test.
"""

from __future__ import annotations

from dataclasses import dataclass

SUBSTITUTE = 1.0
SUBSTITUTE_NEIGHBOUR_KEY = 0.7
SWAP = 0.6
INSERT_OR_DELETE = 1.0
REPEAT_SLIP = 0.6      # a doubled key, or a repeated character typed once
TRUNCATED = 0.6        # characters missing at the very end (the entry was cut short)

# Where each digit sits on a numeric keypad and on the top row of a keyboard.
_KEYPAD = {"7": (0, 0), "8": (0, 1), "9": (0, 2), "4": (1, 0), "5": (1, 1), "6": (1, 2),
           "1": (2, 0), "2": (2, 1), "3": (2, 2), "0": (3, 0)}
_TOP_ROW = "1234567890"


@dataclass(frozen=True)
class Edit:
    """One step of an alignment: what was typed (``written``) against what was meant."""

    op: str            # same | substitute | neighbour_key | swap | extra | doubled | missing | repeat_dropped | truncated
    written: str
    meant: str


def neighbour_keys(a: str, b: str) -> bool:
    """Whether two digits sit next to each other on a keypad or on the keyboard's top row."""
    if a == b or a not in _KEYPAD or b not in _KEYPAD:
        return False
    (ra, ca), (rb, cb) = _KEYPAD[a], _KEYPAD[b]
    if abs(ra - rb) + abs(ca - cb) == 1 or {a, b} == {"0", "2"}:
        return True
    return abs(_TOP_ROW.index(a) - _TOP_ROW.index(b)) == 1


def distance(written: str, meant: str) -> float:
    """The weighted slip distance from what was typed to what was meant (0 when equal)."""
    return _table(written, meant)[0][len(written)][len(meant)]


def similarity(written: str, meant: str) -> float:
    """1.0 when equal, falling with the weighted distance relative to the longer string."""
    longest = max(len(written), len(meant))
    if longest == 0:
        return 1.0
    return max(0.0, 1.0 - distance(written, meant) / longest)


def edits(written: str, meant: str) -> list[Edit]:
    """The cheapest alignment as a list of steps, for explaining a suggestion in words."""
    cost, step = _table(written, meant)
    out: list[Edit] = []
    i, j = len(written), len(meant)
    while i > 0 or j > 0:
        op = step[i][j]
        if op == "swap":
            out.append(Edit(op, written[i - 2:i], meant[j - 2:j]))
            i, j = i - 2, j - 2
        elif op in ("same", "substitute", "neighbour_key"):
            out.append(Edit(op, written[i - 1], meant[j - 1]))
            i, j = i - 1, j - 1
        elif op in ("extra", "doubled"):
            out.append(Edit(op, written[i - 1], ""))
            i -= 1
        else:
            out.append(Edit(op, "", meant[j - 1]))
            j -= 1
    return out[::-1]


def _table(a: str, b: str) -> tuple[list[list[float]], list[list[str]]]:
    """Cost and back-pointer tables of the weighted optimal-string-alignment distance."""
    cost = [[0.0] * (len(b) + 1) for _ in range(len(a) + 1)]
    step = [[""] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        cost[i][0], step[i][0] = cost[i - 1][0] + _delete_cost(a, i), _delete_op(a, i)
    for j in range(1, len(b) + 1):
        cost[0][j], step[0][j] = cost[0][j - 1] + _insert_cost(b, j, 0, len(a)), _insert_op(b, j, 0, len(a))
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            options = [(cost[i - 1][j - 1] + _sub_cost(a[i - 1], b[j - 1]), _sub_op(a[i - 1], b[j - 1])),
                       (cost[i - 1][j] + _delete_cost(a, i), _delete_op(a, i)),
                       (cost[i][j - 1] + _insert_cost(b, j, i, len(a)), _insert_op(b, j, i, len(a)))]
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1] and a[i - 1] != a[i - 2]:
                options.append((cost[i - 2][j - 2] + SWAP, "swap"))
            cost[i][j], step[i][j] = min(options, key=lambda o: o[0])
    return cost, step


def _sub_cost(x: str, y: str) -> float:
    if x == y:
        return 0.0
    return SUBSTITUTE_NEIGHBOUR_KEY if neighbour_keys(x, y) else SUBSTITUTE


def _sub_op(x: str, y: str) -> str:
    if x == y:
        return "same"
    return "neighbour_key" if neighbour_keys(x, y) else "substitute"


def _delete_cost(a: str, i: int) -> float:
    return REPEAT_SLIP if _delete_op(a, i) == "doubled" else INSERT_OR_DELETE


def _delete_op(a: str, i: int) -> str:
    """An extra character typed; cheaper when it repeats the one before (a key pressed twice)."""
    return "doubled" if i > 1 and a[i - 1] == a[i - 2] else "extra"


def _insert_cost(b: str, j: int, i: int, written_len: int) -> float:
    op = _insert_op(b, j, i, written_len)
    return {"missing": INSERT_OR_DELETE, "truncated": TRUNCATED}.get(op, REPEAT_SLIP)


def _insert_op(b: str, j: int, i: int, written_len: int) -> str:
    """A character left out; cheaper at the very end (cut short) or when it repeats a neighbour."""
    if i == written_len and i > 0:
        return "truncated"
    if (j > 1 and b[j - 1] == b[j - 2]) or (j < len(b) and b[j - 1] == b[j]):
        return "repeat_dropped"
    return "missing"
