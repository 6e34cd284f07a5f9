"""Rule conditions: parse them from kb/ YAML, and evaluate them in plain Python.

The Python evaluation defines what a condition *means*; the durable_rules compilation
(compiler.py) must agree with it, and a differential test holds the two together. The same
walk gives explanations: which leaves held, with the values seen.

Semantics worth knowing:
- a comparison on an absent fact is false (``is_not`` and ``not_in`` too): rules never guess;
  test absence with ``present: false``;
- ``all_records`` needs at least one record; ``count_records`` of absent records is absent.
"""

from __future__ import annotations

import collections.abc as _abc
import datetime as _dt
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from .model import Condition, lookup

COMPARISONS = ("is", "is_not", "in", "not_in", "gt", "gte", "lt", "lte", "present", "has")
OPERANDS = ("fact", "days_between", "count_records", "lookup", "calc")
GROUPS = ("all", "any")
RECORD_OPS = ("any_record", "all_records")

_MISSING = None
MAX_LITERAL = 1_000_000_000_000     # the engine rejects numbers past about 1e15 (error 204)


@dataclass(frozen=True)
class Leaf:
    """One comparison as evaluated: what it tested, the value seen, and whether it held."""

    text: str
    facts: tuple[str, ...]
    seen: Any
    met: bool
    item: int | None = None


class ConditionError(ValueError):
    """A condition that cannot be understood; carries the kb-relative path of the problem."""

    def __init__(self, where: str, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.where = where
        self.hint = hint


def parse(raw: Any, where: str, lines: Mapping[str, tuple[int, int]], in_record: bool = False) -> Condition:
    """Turn the YAML form of a condition into a :class:`Condition` tree (or raise)."""
    line, col = lines.get(where, (0, 0))
    if isinstance(raw, list):
        return Condition("all", children=_parse_list(raw, where, lines, in_record), line=line, col=col)
    if not isinstance(raw, dict) or not raw:
        raise ConditionError(where, "a condition must be a mapping or a list of conditions")
    keys = set(raw)
    for group in GROUPS:
        if group in keys:
            _only(raw, {group}, where)
            return Condition(group, children=_parse_list(raw[group], f"{where}.{group}", lines, in_record),
                             line=line, col=col)
    if "derived" in keys:
        _only(raw, {"derived"}, where)
        if in_record:
            raise ConditionError(where, "'derived' cannot be tested inside a record condition")
        return Condition("derived", name=_word(raw["derived"], f"{where}.derived"), line=line, col=col)
    for op in RECORD_OPS:
        if op in keys:
            _only(raw, {op}, where)
            if in_record:
                raise ConditionError(where, f"'{op}' cannot be nested inside a record condition")
            child = parse(raw[op], f"{where}.{op}", lines, in_record=True)
            return Condition(op, children=(child,), line=line, col=col)
    return _comparison(raw, where, lines, in_record, line, col)


def _parse_list(raw: Any, where: str, lines: Mapping[str, tuple[int, int]], in_record: bool) -> tuple[Condition, ...]:
    if not isinstance(raw, list) or not raw:
        raise ConditionError(where, "expected a non-empty list of conditions")
    return tuple(parse(item, f"{where}[{i}]", lines, in_record) for i, item in enumerate(raw))


def _only(raw: Mapping[str, Any], allowed: set[str], where: str) -> None:
    extra = sorted(set(raw) - allowed)
    if extra:
        raise ConditionError(where, f"'{extra[0]}' cannot stand beside '{sorted(allowed)[0]}' "
                             "in one condition: put them in an 'all' list")


def _word(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConditionError(where, "expected a name")
    return value


def _comparison(raw: Mapping[str, Any], where: str, lines: Mapping[str, tuple[int, int]],
                in_record: bool, line: int, col: int = 0) -> Condition:
    operands = [k for k in raw if k in OPERANDS or k == "by"]
    ops = [k for k in raw if k in COMPARISONS]
    unknown = [k for k in raw if k not in OPERANDS and k not in COMPARISONS and k != "by"]
    if unknown:
        from .spelling import did_you_mean
        choices = OPERANDS + COMPARISONS + GROUPS + RECORD_OPS + ("derived",)
        raise ConditionError(f"{where}.{unknown[0]}", f"unknown condition key '{unknown[0]}'",
                             did_you_mean(unknown[0], choices))
    if len([k for k in operands if k != "by"]) != 1 or len(ops) != 1:
        raise ConditionError(where, "a comparison needs exactly one of "
                             f"{', '.join(OPERANDS)} and one of {', '.join(COMPARISONS)}")
    operand = _operand({k: raw[k] for k in operands}, where, lines, in_record)
    op = ops[0]
    value = raw[op]
    if isinstance(value, dict):
        if op not in ("is", "is_not", "gt", "gte", "lt", "lte"):
            raise ConditionError(f"{where}.{op}", f"'{op}' compares with literal values only")
        value = _operand(value, f"{where}.{op}", lines, in_record)
    elif op in ("in", "not_in") and not isinstance(value, list):
        raise ConditionError(f"{where}.{op}", f"'{op}' needs a list of values")
    elif op in ("in", "not_in") and not all(_plain(v) for v in value):
        raise ConditionError(f"{where}.{op}", f"'{op}' needs a list of plain values (text, numbers, true, false)")
    elif op in ("is", "is_not", "has") and not _plain(value):
        raise ConditionError(f"{where}.{op}", f"'{op}' compares with one plain value (text, a number, "
                             "true, false) or another operand")
    elif op == "present" and not isinstance(value, bool):
        raise ConditionError(f"{where}.{op}", "'present' takes true or false")
    elif op in ("gt", "gte", "lt", "lte") and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise ConditionError(f"{where}.{op}", f"'{op}' compares with a number or another operand")
    for number in (value if isinstance(value, list) else [value]):
        if isinstance(number, (int, float)) and not isinstance(number, bool) and not abs(number) <= MAX_LITERAL:
            raise ConditionError(f"{where}.{op}", f"'{number}' is not a number the engine can hold "
                                 f"(finite, at most {MAX_LITERAL:,})")
    return Condition(op, operand=operand, value=value, line=line, col=col)


def _plain(value: Any) -> bool:
    """A literal both evaluators compare the same way (the engine rejects lists and mappings)."""
    return isinstance(value, (str, int, float)) and value == value      # NaN equals nothing


def _operand(raw: Mapping[str, Any], where: str, lines: Mapping[str, tuple[int, int]], in_record: bool) -> dict[str, Any]:
    if "fact" in raw:
        _only(raw, {"fact"}, where)
        return {"fact": _word(raw["fact"], f"{where}.fact")}
    if in_record:
        raise ConditionError(where, "inside a record condition only 'fact' operands (record fields) work")
    if "days_between" in raw:
        _only(raw, {"days_between"}, where)
        pair = raw["days_between"]
        if not isinstance(pair, list) or len(pair) != 2 or not all(isinstance(p, str) for p in pair):
            raise ConditionError(f"{where}.days_between", "'days_between' takes two date fact paths")
        return {"days_between": list(pair)}
    if "count_records" in raw:
        _only(raw, {"count_records"}, where)
        return {"count_records": parse(raw["count_records"], f"{where}.count_records", lines, True)}
    if "calc" in raw:
        _only(raw, {"calc"}, where)
        from .calculations import CALCULATIONS
        from .spelling import did_you_mean
        if not isinstance(raw["calc"], str) or raw["calc"] not in CALCULATIONS:
            raise ConditionError(f"{where}.calc", f"unknown calculation '{raw['calc']}'",
                                 did_you_mean(str(raw["calc"]), CALCULATIONS))
        return {"calc": raw["calc"]}
    if "lookup" in raw:
        _only(raw, {"lookup", "by"}, where)
        target, by = raw["lookup"], raw.get("by")
        if not isinstance(target, str) or target.count(".") != 1 or not isinstance(by, str):
            raise ConditionError(where, "'lookup' takes TABLE.FIELD and 'by' a fact path, "
                                 "e.g. {lookup: states.deadline_days, by: state}")
        return {"lookup": target, "by": by}
    raise ConditionError(where, f"an operand is one of: {', '.join(OPERANDS)}")


# ---------------------------------------------------------------- evaluation

def operand_value(operand: Mapping[str, Any], facts: Mapping[str, Any], tables: Mapping[str, Any],
                  item: Mapping[str, Any] | None = None) -> Any:
    """The value an operand stands for in these facts, or None when it cannot be known."""
    if "fact" in operand:
        return lookup(item if item is not None else facts, operand["fact"])
    if "days_between" in operand:
        first, last = (lookup(facts, p) for p in operand["days_between"])
        return _days_between(first, last)
    if "count_records" in operand:
        records = facts.get("records")
        if records is None:
            return None
        return sum(1 for r in records if holds(operand["count_records"], facts, tables, r))
    if "calc" in operand:
        from .calculations import CALCULATIONS
        return CALCULATIONS[operand["calc"]](facts, tables)
    table, field = operand["lookup"].split(".")
    return _row_field(tables.get(table, {}), field, lookup(facts, operand["by"]))


def _row_field(rows: Any, field: str, key: Any) -> Any:
    """A field of a table's row, or None when the key or the row is missing."""
    row = rows.get(key) if key is not None else None
    # A plain dict is tested first: the abc check is slow and this runs for every scenario.
    return row.get(field) if type(row) is dict or isinstance(row, _abc.Mapping) else None


def operand_function(operand: Mapping[str, Any],
                     tables: Mapping[str, Any]) -> Callable[[Mapping[str, Any]], Any]:
    """``operand_value(operand, facts, tables)`` as a function of the facts alone, with what
    does not change between scenarios (which kind of operand, the calculation, the table)
    looked up once: enrichment computes the same few operands for every scenario (issue 8)."""
    if "fact" in operand:
        return path_getter(operand["fact"])
    if "days_between" in operand:
        first, last = (path_getter(p) for p in operand["days_between"])
        return lambda facts: _days_between(first(facts), last(facts))
    if "count_records" in operand:
        return lambda facts: operand_value(operand, facts, tables)
    if "calc" in operand:
        from .calculations import CALCULATIONS
        compute = CALCULATIONS[operand["calc"]].compute
        return lambda facts: compute(facts, tables)
    table, field = operand["lookup"].split(".")
    rows, by = tables.get(table, {}), path_getter(operand["by"])
    return lambda facts: _row_field(rows, field, by(facts))


def path_getter(path: str) -> Callable[[Mapping[str, Any]], Any]:
    """``lookup(facts, path)`` as a function, with a short way through plain dicts for the
    one- and two-step paths most facts have (anything else takes lookup itself)."""
    parts = path.split(".")
    if len(parts) == 1:
        return lambda facts: facts.get(path) if type(facts) is dict else lookup(facts, path)
    if len(parts) != 2:
        return lambda facts: lookup(facts, path)
    outer, inner = parts

    def get(facts: Mapping[str, Any]) -> Any:
        section = facts.get(outer) if type(facts) is dict else None
        return section.get(inner) if type(section) is dict else lookup(facts, path)
    return get


def _days_between(first: Any, last: Any) -> int | None:
    """Days from one ISO date to another; None when either is missing (rules never guess)."""
    if not first or not last:
        return None
    return (_dt.date.fromisoformat(last) - _dt.date.fromisoformat(first)).days


def compare(op: str, seen: Any, value: Any) -> bool:
    """Apply a comparison operator; an absent value fails every test except ``present: false``."""
    if op == "present":
        return (seen is not None) == value
    if seen is None or value is None:
        return False
    if op == "is":
        return seen == value
    if op == "is_not":
        return seen != value
    if op == "in":
        return seen in value
    if op == "not_in":
        return seen not in value
    if op == "has":
        return isinstance(seen, list) and value in seen
    if isinstance(seen, bool) or not isinstance(seen, (int, float)):
        return False
    return {"gt": seen > value, "gte": seen >= value, "lt": seen < value, "lte": seen <= value}[op]


def holds(cond: Condition, facts: Mapping[str, Any], tables: Mapping[str, Any],
          item: Mapping[str, Any] | None = None, derived: frozenset[str] = frozenset()) -> bool:
    """Whether ``cond`` holds for these facts (and derived facts), in plain Python."""
    op = cond.op
    if op == "all":
        return all(holds(c, facts, tables, item, derived) for c in cond.children)
    if op == "any":
        return any(holds(c, facts, tables, item, derived) for c in cond.children)
    if op == "derived":
        return cond.name in derived
    if op in RECORD_OPS:
        records = facts.get("records") or []
        results = [holds(cond.children[0], facts, tables, r) for r in records]
        return any(results) if op == "any_record" else bool(results) and all(results)
    seen = operand_value(cond.operand or {}, facts, tables, item)
    value = cond.value
    if isinstance(value, dict):
        value = operand_value(value, facts, tables, item)
    return compare(op, seen, value)


def describe(cond: Condition) -> str:
    """A condition in words close to how it is written in kb/."""
    op = cond.op
    if op in GROUPS:
        joiner = " and " if op == "all" else " or "
        return "(" + joiner.join(describe(c) for c in cond.children) + ")"
    if op == "derived":
        return f"derived fact '{cond.name}'"
    if op in RECORD_OPS:
        word = "some record" if op == "any_record" else "every record"
        return f"{word}: {describe(cond.children[0])}"
    left = _operand_text(cond.operand or {})
    value = cond.value
    right = _operand_text(value) if isinstance(value, dict) else _literal(value)
    return f"{left} {op.replace('_', ' ')} {right}"


def _operand_text(operand: Mapping[str, Any]) -> str:
    if "fact" in operand:
        return operand["fact"]
    if "days_between" in operand:
        return "days from {} to {}".format(*operand["days_between"])
    if "count_records" in operand:
        return f"number of records with {describe(operand['count_records'])}"
    if "calc" in operand:
        return f"calc {operand['calc']}"
    return f"{operand['lookup']} for {operand['by']}"


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    return str(value)


def fact_paths(cond: Condition, in_record: bool = False) -> list[str]:
    """Every scenario fact path a condition reads (record fields as ``records[].field``)."""
    out: list[str] = []
    if cond.op in GROUPS:
        for child in cond.children:
            out += fact_paths(child, in_record)
    elif cond.op in RECORD_OPS:
        out += ["records"] + fact_paths(cond.children[0], True)
    elif cond.op != "derived":
        for operand in (cond.operand, cond.value):
            if isinstance(operand, dict):
                out += _operand_paths(operand, in_record)
    return out


def _operand_paths(operand: Mapping[str, Any], in_record: bool) -> list[str]:
    if "fact" in operand:
        return [f"records[].{operand['fact']}" if in_record else operand["fact"]]
    if "days_between" in operand:
        return list(operand["days_between"])
    if "count_records" in operand:
        return ["records"] + fact_paths(operand["count_records"], True)
    if "calc" in operand:
        from .calculations import CALCULATIONS
        return list(CALCULATIONS[operand["calc"]].reads)
    return [operand["by"]]


def derived_names(cond: Condition) -> list[str]:
    """The derived facts a condition depends on."""
    if cond.op == "derived":
        return [cond.name or ""]
    return [name for child in cond.children for name in derived_names(child)]
