"""Load scenario files: find them, read their YAML documents, validate each against the
vocabulary, and return one :class:`Scenario` or :class:`Invalid` per document, in input order.

Validation reports every problem of a document (not only the first), each at its own
``path:line:col`` with a "did you mean" where one exists.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import re
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from .errors import Diagnostic
from .model import Expect, Invalid, Scenario
from .positions import line_of
from .spelling import closest, did_you_mean
from .vocabulary import EXPECT, FINDING_KEYS, SCENARIO, SEVERITIES, TOPICS, Field, fact_fields, leaf_paths
from .jsonsource import read_any, read_json, read_jsonl
from .yamlsource import MAX_FILE_BYTES, Document, Reader, read_bytes, read_file

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_REASON_CODE = re.compile(r"[0-9]{1,4}")                 # ASCII digits: '²'.isdigit() is true
# The engine cannot hold numbers past about 1e15 (error 204); no real fee or page count nears this.
MAX_NUMBER = 1_000_000_000
MAX_PROBLEMS = 100
_INFINITIES = (float("inf"), float("-inf"))
_SURROGATES = "\ud800-\udfff"
# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides and isolates
_HIDDEN_CHARS = "\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
_SURROGATE = re.compile(f"[{_SURROGATES}]")
# Nearly all text is clean: one search finds either problem, and only a hit asks which. Every
# character it finds is unprintable, so text that str.isprintable() passes (fast) is not searched.
_BAD_TEXT = re.compile(f"[{_SURROGATES}{_HIDDEN_CHARS}]")
SCENARIO_SUFFIXES = (".yaml", ".yml", ".json", ".jsonl")
# Files are read by their suffix; standard input is sniffed (JSON Lines, JSON or YAML).
_READERS: dict[str, Reader] = {".json": read_json, ".jsonl": read_jsonl}


def find_files(paths: Iterable[str]) -> list[str]:
    """Expand folders into their scenario files (sorted); keep files and ``-`` as given.

    A missing path or a folder without scenario files is kept too, so that reading it reports
    it as that input's error (``read_source``) instead of silently dropping it.
    """
    out: list[str] = []
    for raw in paths:
        if raw == "-":
            out.append(raw)
            continue
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix.lower() in SCENARIO_SUFFIXES and p.is_file())
            out.extend(str(p) for p in found)
        if not path.is_dir() or not found:
            out.append(raw)            # a missing path or empty folder is reported as that input's error
    return out


def load_scenarios(paths: Iterable[str]) -> list[Scenario | Invalid]:
    """Every scenario document under ``paths``, validated, in input order."""
    items: list[Scenario | Invalid] = []
    for name in find_files(paths):
        items.extend(scenarios_from_documents(read_source(name)))
    return mark_duplicate_ids(items)


def _path_problem(name: str) -> list[Document]:
    """An error document for an input path that names no scenario file; [] when it is readable.

    One such path must not stop the batch: the others are evaluated, and it is reported in its
    place like a scenario that could not be read (exit 2).
    """
    if name == "-":
        return []
    path = Path(name)
    if path.is_dir():
        message = f"folder holds no scenario files ({', '.join('*' + s for s in SCENARIO_SUFFIXES)})"
    elif not path.exists():
        message = "no such file or folder"
    elif not path.is_file():              # a FIFO or device would block or never end
        message = "not a regular file"
    else:
        return []
    return [Document(name, 0, 1, None, {}, {}, (Diagnostic(name, 1, 1, message),))]


def read_source(name: str) -> list[Document]:
    """The documents of one scenario file, or of standard input for ``-``."""
    if name == "-":
        return read_bytes("<stdin>", sys.stdin.buffer.read(MAX_FILE_BYTES + 1), read_any)
    return _path_problem(name) or read_file(name, parse=_READERS.get(Path(name).suffix.lower()))


def scenarios_from_documents(docs: list[Document]) -> list[Scenario | Invalid]:
    """Validate each document; ids default to the file stem (+ ``#N`` when a file has several)."""
    many = len(docs) > 1
    return [validate(doc, _default_id(doc, many)) for doc in docs]


def _default_id(doc: Document, many: bool) -> str:
    stem = file_stem(doc.path)
    return f"{stem}#{doc.index + 1}" if many else stem


@lru_cache(maxsize=256)
def file_stem(path: str) -> str:
    """What a file's scenarios are named after when they carry no id (cached: every document
    of a big file asks)."""
    return Path(path).stem if path != "<stdin>" else "stdin"


def mark_duplicate_ids(items: list[Scenario | Invalid]) -> list[Scenario | Invalid]:
    """A scenario id used twice in one run makes the later document invalid."""
    seen: dict[str, Scenario | Invalid] = {}
    out: list[Scenario | Invalid] = []
    for item in items:
        first = seen.get(item.id)
        if first is not None and isinstance(item, Scenario):
            where = f"{first.file}:{first.line}"
            item = Invalid(item.id, item.file, item.index, item.line, (Diagnostic(
                item.file, item.line, 1, f"scenario id '{item.id}' is already used at {where}"),))
        seen.setdefault(item.id, item)
        out.append(item)
    return out


def validate(doc: Document, default_id: str) -> Scenario | Invalid:
    """Check one document against the vocabulary; problems make it :class:`Invalid`."""
    if doc.data is None or doc.diagnostics and not isinstance(doc.data, dict):
        return Invalid(default_id, doc.path, doc.index, doc.line, doc.diagnostics)
    if not isinstance(doc.data, dict):
        line, col = doc.positions.get("") or (doc.line, 1)             # where the value starts
        diag = Diagnostic(doc.path, line, col, "a scenario must be a mapping of keys to values, "
                          f"not {_kind(doc.data)}")
        return Invalid(default_id, doc.path, doc.index, doc.line, (diag,))
    checker = _Checker(doc)
    data = dict(doc.data)
    expect_raw = data.pop("expect", None)
    facts = checker.section(data, _DOCUMENT, "")
    expect = checker.expect(expect_raw) if expect_raw is not None else None
    scenario_id = facts.pop("id", None) or default_id
    title = facts.pop("title", None)
    if doc.diagnostics or checker.problems:
        problems = tuple(sorted(set(doc.diagnostics) | set(checker.problems)))
        return Invalid(scenario_id, doc.path, doc.index, doc.line, problems)
    return Scenario(scenario_id, doc.path, doc.index, doc.line, facts, doc.positions,
                    title=title, expect=expect)


def _elsewhere(key: str) -> str | None:
    """For a top-level key that belongs inside a section (``fee:`` → ``procedure.fee``)."""
    nested = _nested_keys()
    best = closest(key, nested)
    return f"did you mean '{nested[best]}'?" if best else None


@lru_cache(maxsize=1)
def _nested_keys() -> dict[str, str]:
    return {path.rsplit(".", 1)[-1]: path for path, _ in reversed(list(leaf_paths())) if "." in path}


def _bool_hint(value: Any) -> str | None:
    """YAML 1.1 spellings of true/false (yes, no, on, off) are text in YAML 1.2."""
    word = str(value).strip().lower()
    if word in ("yes", "y", "on"):
        return "did you mean 'true'?"
    if word in ("no", "n", "off"):
        return "did you mean 'false'?"
    return did_you_mean(word, ("true", "false"))


def _no_such_day(text: str) -> str:
    """Why a YYYY-MM-DD text is no calendar day (2026-02-30: February 2026 has 28 days)."""
    year, month, _ = (int(part) for part in text.split("-"))
    if not 1 <= month <= 12:
        return f"there is no month {month}"
    if year < 1:
        return "there is no year 0"
    return f"{calendar.month_name[month]} {year} has {calendar.monthrange(year, month)[1]} days"


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, _dt.date):
        return "a date"
    if value is None:
        return "nothing (null)"
    return "text"


class _Checker:
    """Collects the problems of one document while building its clean facts."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.problems: list[Diagnostic] = []

    def at(self, path: str, message: str, hint: str | None = None, key: bool = False) -> None:
        if len(self.problems) > MAX_PROBLEMS:
            return
        table = self.doc.key_positions if key else self.doc.positions
        line, col = table.get(path) or self.doc.positions.get(path) or (self.doc.line, 1)
        if len(self.problems) == MAX_PROBLEMS:     # a file of nonsense: say so once, stay fast
            message, hint = f"{MAX_PROBLEMS} problems shown; more problems in this document", None
        self.problems.append(Diagnostic(self.doc.path, line, col, message, hint))

    def section(self, data: Mapping[str, Any], section: Field, prefix: str) -> dict[str, Any]:
        """The clean values of one mapping whose keys ``section.fields`` defines."""
        fields = section.fields
        out: dict[str, Any] = {}
        for key, value in data.items():
            spec = fields.get(key)
            if spec is None:
                self._unknown(key, fields, prefix)
            elif value is not None:          # an explicit null means "not stated"
                path = prefix + key
                # value(), written out: this loop runs for every value of every scenario
                if isinstance(value, str) and not value.isprintable() and _BAD_TEXT.search(value):
                    self._bad_text(value, path)
                    continue
                clean = _CHECKS[spec.type](self, value, spec, path)
                if clean is not None:
                    out[key] = clean
        for key in section.required_keys:
            if key not in out and data.get(key) is None:
                where = prefix[:-1] or "the scenario"
                self.at(prefix[:-1], f"missing required key '{prefix}{key}' in {where}")
        return out

    def _unknown(self, key: str, fields: Mapping[str, Field], prefix: str) -> None:
        """An unknown key, with the key it most looks like (or, at the top, the section it belongs in)."""
        if len(self.problems) >= MAX_PROBLEMS:       # not shown: spare the hint (a file of keys)
            self.at(prefix + key, "unknown key", key=True)
            return
        where = f"in '{prefix[:-1]}'" if prefix else "in a scenario"
        hint = did_you_mean(key, fields) or (_elsewhere(key) if not prefix else None)
        self.at(prefix + key, f"unknown key '{key}' {where}", hint, key=True)

    def value(self, value: Any, spec: Field, path: str) -> Any:
        """One value checked against its field: its clean form, or None with a problem noted."""
        if isinstance(value, str) and not value.isprintable() and _BAD_TEXT.search(value):
            self._bad_text(value, path)
            return None
        return _CHECKS[spec.type](self, value, spec, path)

    def _bad_text(self, value: str, path: str) -> None:
        """A lone surrogate anywhere is reported before any hidden character."""
        if _SURROGATE.search(value):
            self.at(path, f"'{path}' is not valid Unicode (it holds a lone surrogate escape)")
            return
        char = _BAD_TEXT.search(value).group()
        self.at(path, f"'{path}' holds the invisible control character U+{ord(char):04X}, "
                "which would garble a reviewer's terminal or report")

    def _section(self, value: Any, spec: Field, path: str) -> Any:
        if not isinstance(value, dict):
            self.at(path, f"'{path}' must be a mapping of keys to values, not {_kind(value)}")
            return None
        return self.section(value, spec, path + ".")

    def _records(self, value: Any, spec: Field, path: str) -> Any:
        if not isinstance(value, list):
            self.at(path, f"'{path}' must be a list of record items, not {_kind(value)}")
            return None
        items = []
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                self.at(f"{path}[{i}]", f"each item of '{path}' must be a mapping, not {_kind(item)}")
                continue
            items.append(self.section(item, spec, f"{path}[{i}]."))
        return items

    def _text(self, value: Any, spec: Field, path: str) -> Any:
        if isinstance(value, str):                 # nearly always
            return str(value)
        if isinstance(value, (dict, list, bool)):
            self.at(path, f"'{path}' must be text, not {_kind(value)}")
            return None
        return value.isoformat() if isinstance(value, _dt.date) else str(value)

    def _code(self, value: Any, spec: Field, path: str) -> Any:
        if isinstance(value, (dict, list, bool)) or isinstance(value, float):
            self.at(path, f"'{path}' must be a code such as D9961, not {_kind(value)}")
            return None
        if isinstance(value, str) and not value.isprintable():    # a zero-width space, a bidi mark
            char = next(c for c in value if not c.isprintable())
            self.at(path, f"'{path}' holds the invisible character U+{ord(char):04X}; "
                    "a code is a letter and digits only")
            return None
        return str(value)

    def _enum(self, value: Any, spec: Field, path: str) -> Any:
        if not isinstance(value, str) or value not in spec.value_set:
            shown = value if isinstance(value, (str, int, float)) and not isinstance(value, bool) else _kind(value)
            self.at(path, f"'{shown}' is not a valid value for '{path}' "
                    f"(one of: {', '.join(spec.values)})", did_you_mean(str(value), spec.values))
            return None
        return value

    def _state(self, value: Any, spec: Field, path: str) -> Any:
        if not isinstance(value, str) or value not in spec.value_set:
            self.at(path, f"'{value}' is not a US state or DC code (two capital letters)",
                    did_you_mean(str(value), spec.values))
            return None
        return value

    def _date(self, value: Any, spec: Field, path: str) -> Any:
        if isinstance(value, _dt.date):
            return (value.date() if isinstance(value, _dt.datetime) else value).isoformat()
        text = str(value) if isinstance(value, (str, int, float)) else _kind(value)
        if not _ISO_DATE.fullmatch(text):
            self.at(path, f"'{text}' is not a valid date for '{path}': write it as YYYY-MM-DD")
            return None
        try:
            return _dt.date.fromisoformat(text).isoformat()
        except ValueError:
            self.at(path, f"'{text}' is not a valid date for '{path}': {_no_such_day(text)}")
            return None

    def _money(self, value: Any, spec: Field, path: str) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.at(path, f"'{path}' must be an amount in USD, not {_kind(value)}")
            return None
        if value < 0 or value != value or value in _INFINITIES:
            self.at(path, f"'{path}' must be a finite amount of zero or more, not {value}")
            return None
        if value > MAX_NUMBER:
            self.at(path, f"'{path}' is too large (at most {MAX_NUMBER:,})")
            return None
        # round() works through decimal digits; a whole number up to MAX_NUMBER is exact as it is
        return float(value) if isinstance(value, int) else round(value, 2)

    def _count(self, value: Any, spec: Field, path: str) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            shown = value if isinstance(value, float) else _kind(value)
            self.at(path, f"'{path}' must be a whole number, not {shown}")
            return None
        if value < 0:
            self.at(path, f"'{path}' must be zero or more, not {value}")
            return None
        if value > MAX_NUMBER:
            self.at(path, f"'{path}' is too large (at most {MAX_NUMBER:,})")
            return None
        return value

    def _bool(self, value: Any, spec: Field, path: str) -> Any:
        if not isinstance(value, bool):
            self.at(path, f"'{path}' must be true or false, not {_kind(value)}", _bool_hint(value))
            return None
        return value

    def _tri(self, value: Any, spec: Field, path: str) -> Any:
        if isinstance(value, bool) or value == "unknown":
            return value
        self.at(path, f"'{path}' must be true, false or unknown, not '{value}'",
                _bool_hint(value) or did_you_mean(str(value), ("true", "false", "unknown")))
        return None

    def _enum_list(self, value: Any, spec: Field, path: str) -> Any:
        items = value if isinstance(value, list) else [value]
        out = [self._enum(item, spec, f"{path}[{i}]" if isinstance(value, list) else path)
               for i, item in enumerate(items)]
        return [x for x in out if x is not None]

    def _int_list(self, value: Any, spec: Field, path: str) -> Any:
        items = value if isinstance(value, list) else [value]
        out = []
        for i, item in enumerate(items):
            where = f"{path}[{i}]" if isinstance(value, list) else path
            if isinstance(item, str) and _REASON_CODE.fullmatch(item.strip()):
                item = int(item)
            if isinstance(item, bool) or not isinstance(item, int):
                self.at(where, f"each item of '{path}' must be a whole number, not {_kind(item)}")
                continue
            if not 1 <= item <= 9999:
                self.at(where, f"each item of '{path}' must be a reason code from 1 to 9999, not {item}")
                continue
            out.append(item)
        return out

    def expect(self, raw: Any) -> Expect | None:
        """The ``expect:`` block, validated (rule ids are checked against the kb by ``test``)."""
        if not isinstance(raw, dict):
            self.at("expect", f"'expect' must be a mapping, not {_kind(raw)}")
            return None
        known_paths = set(fact_fields())
        values: dict[str, Any] = {}
        for key, value in raw.items():
            path = f"expect.{key}"
            spec = EXPECT.get(key)
            if spec is None:
                self.at(path, f"unknown key '{key}' in 'expect'", did_you_mean(key, EXPECT), key=True)
                continue
            if spec.type in ("enum", "text"):
                values[key] = self.value(value, spec, path)
            elif spec.type == "finding_list":
                values[key] = self._findings(value, path)
            else:
                values[key] = self._word_list(value, path, known_paths if spec.type == "path_list" else None)
        if "todo" in values and not str(values["todo"] or "").strip():
            self.at("expect.todo", "'expect.todo' needs the reason the expectation is a known gap")
        verdict = values.get("verdict")
        line = line_of(self.doc.key_positions, "expect") or 0
        return Expect(verdict=verdict, fired=tuple(values.get("fired") or ()),
                      not_fired=tuple(values.get("not_fired") or ()),
                      findings=tuple(values.get("findings") or ()),
                      suggestions=tuple(values.get("suggestions") or ()),
                      missing_facts=tuple(values["missing_facts"]) if "missing_facts" in values else None,
                      todo=values.get("todo"), line=line)

    def _word_list(self, value: Any, path: str, known: set[str] | None) -> list[str]:
        if not isinstance(value, list):
            self.at(path, f"'{path}' must be a list, not {_kind(value)}")
            return []
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, str):
                self.at(f"{path}[{i}]", f"each item of '{path}' must be text, not {_kind(item)}")
                continue
            if known is not None and item not in known:
                self.at(f"{path}[{i}]", f"'{item}' is not a fact path", did_you_mean(item, known))
                continue
            out.append(item)
        return out

    def _findings(self, value: Any, path: str) -> list[tuple[str | None, str | None]]:
        if not isinstance(value, list):
            self.at(path, f"'{path}' must be a list of {{topic, severity}} pairs, not {_kind(value)}")
            return []
        out = []
        for i, item in enumerate(value):
            where = f"{path}[{i}]"
            if not isinstance(item, dict):
                self.at(where, f"each item of '{path}' must be a mapping with topic and severity")
                continue
            for key in item:
                if key not in FINDING_KEYS:
                    self.at(f"{where}.{key}", f"unknown key '{key}' in an expected finding",
                            did_you_mean(key, FINDING_KEYS), key=True)
            topic, severity = item.get("topic"), item.get("severity")
            if topic is not None and topic not in TOPICS:
                self.at(f"{where}.topic", f"'{topic}' is not a finding topic", did_you_mean(str(topic), TOPICS))
            if severity is not None and severity not in SEVERITIES:
                self.at(f"{where}.severity", f"'{severity}' is not a severity (error, warning, info)",
                        did_you_mean(str(severity), SEVERITIES))
            out.append((topic, severity))
        return out


# Field.type → its check, built once (a lookup per value, not a getattr of a built name).
_CHECKS: dict[str, Callable[[_Checker, Any, Field, str], Any]] = {
    "section": _Checker._section, "records": _Checker._records, "text": _Checker._text,
    "code": _Checker._code, "enum": _Checker._enum, "state": _Checker._state, "date": _Checker._date,
    "money": _Checker._money, "count": _Checker._count, "bool": _Checker._bool, "tri": _Checker._tri,
    "enum_list": _Checker._enum_list, "int_list": _Checker._int_list,
}
# The whole document as one section, so the top level is checked like any other.
_DOCUMENT = Field("section", "a scenario", fields=SCENARIO)
