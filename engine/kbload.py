"""Load and validate the knowledge base (kb/*.yaml) and its reference facts (facts/*.yaml).

Every problem is collected as a :class:`Diagnostic` with its file and line; any problem makes
the whole knowledge base unusable (:class:`KnowledgeBaseError`, exit 2), because a judgement
made by a half-loaded rule set would be silently wrong.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from . import __version__
from .conditions import ConditionError, derived_names, fact_paths, parse
from .errors import Diagnostic, KnowledgeBaseError
from .model import CodeEntry, Condition, KnowledgeBase, Rule, Source
from .spelling import did_you_mean
from .vocabulary import RECORD_ITEM, SERVICE_KINDS, SEVERITIES, TOPICS, VERDICTS, fact_fields
from .yamlsource import Document, read_file

if TYPE_CHECKING:
    from .compiler import CompiledKb

RULE_KEYS = ("id", "title", "codes", "topic", "severity", "source", "when", "then",
             "aliases", "rationale", "examples")
REQUIRED_RULE_KEYS = ("id", "title", "codes", "topic", "severity", "source", "when", "then")
THEN_KEYS = ("message", "verdict", "missing", "recommend", "derive", "suggest")
SOURCE_KINDS = ("seed", "regulation", "statute", "payer", "case", "ada", "research", "code_set")
SOURCE_KEYS = ("kind", "ref", "section", "url")
RULE_VERDICTS = ("appropriate", "inappropriate", "needs_review")
_ID = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_.\[\]]*)\}")
_BRACED = re.compile(r"\{([^{}]*)\}")
_CODE = re.compile(r"D[0-9]{4}")


def bundled_dir(name: str) -> Path:
    """The bundled kb/ or facts/: inside the installed package, or beside it in a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / name, here.parent / name):
        if candidate.is_dir():
            return candidate
    return here / name


def load_kb(kb_dir: str | Path | None = None, facts_dir: str | Path | None = None) -> KnowledgeBase:
    """Read, validate and return the knowledge base; raise :class:`KnowledgeBaseError`."""
    kb_path = Path(kb_dir) if kb_dir else bundled_dir("kb")
    facts_path = Path(facts_dir) if facts_dir else bundled_dir("facts")
    problems: list[Diagnostic] = []
    for folder in (kb_path, facts_path):
        if not folder.is_dir():
            raise KnowledgeBaseError([Diagnostic(str(folder), 1, 1, "knowledge base folder not found")])
    fact_docs = {p.stem: _single(p, problems) for p in sorted(facts_path.glob("*.yaml"))}
    codes = _codes(fact_docs.get("codes"), problems, facts_path)
    tables = _tables(fact_docs, problems)
    _check_graph(fact_docs.get("graph"), codes, problems)
    if "states" in fact_docs or "carc" in fact_docs:     # the tables fee and denial rules read
        from .factcheck import check_facts
        problems.extend(check_facts(facts_path))
    rules: list[Rule] = []
    rule_files = sorted([*kb_path.glob("*.yaml"), *kb_path.glob("*.yml")])
    for path in rule_files:
        doc = _single(path, problems)
        if doc is not None:
            rules.extend(_rules(doc, codes, tables, problems))
    _check_ids(rules, problems)
    _check_derived(rules, problems)
    if not rule_files and not problems:
        problems.append(Diagnostic(str(kb_path), 1, 1, "the knowledge base folder holds no rule "
                                   "files (*.yaml): --kb replaces the bundled kb/, so copy it whole"))
    if problems:
        raise KnowledgeBaseError(problems)
    digest = _digest([*rule_files, *sorted(facts_path.glob("*.yaml"))])
    kb = KnowledgeBase(tuple(rules), codes, tables, __version__, digest)
    compile_checked(kb)
    return kb


def compile_checked(kb: KnowledgeBase) -> "CompiledKb":
    """Compile, reporting a rule the engine cannot express like any other kb error (exit 2).

    load_kb calls it, so such a rule stops every command, not only those that evaluate
    (compiling costs a few milliseconds); the Judge calls it for the form it keeps.
    """
    from .compiler import CompileError, compile_kb
    try:
        return compile_kb(kb)
    except CompileError as err:
        raise KnowledgeBaseError([Diagnostic(err.rule.file, err.line, 1,
                                             f"rule '{err.rule.id}': {err}")]) from None


def _digest(paths: list[Path]) -> str:
    sha = hashlib.sha256()
    for path in paths:
        sha.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return sha.hexdigest()


def _single(path: Path, problems: list[Diagnostic]) -> Document | None:
    docs = read_file(str(path))
    for doc in docs:
        problems.extend(doc.diagnostics)
    good = [d for d in docs if d.data is not None]
    if len(good) != 1 or not isinstance(good[0].data, dict):
        if not any(d.diagnostics for d in docs):
            problems.append(Diagnostic(str(path), 1, 1, "expected exactly one YAML mapping in this file"))
        return None
    return good[0]


class _At:
    """Report problems at positions of one document."""

    def __init__(self, doc: Document, problems: list[Diagnostic]) -> None:
        self.doc, self.problems = doc, problems

    def __call__(self, where: str, message: str, hint: str | None = None, key: bool = False) -> None:
        table = self.doc.key_positions if key else self.doc.positions
        line, col = table.get(where) or self.doc.positions.get(where) or _nearest(self.doc, where)
        self.problems.append(Diagnostic(self.doc.path, line, col, message, hint))

    def line(self, where: str) -> int:
        return (self.doc.positions.get(where) or _nearest(self.doc, where))[0]


def _nearest(doc: Document, where: str) -> tuple[int, int]:
    while where:
        where = where.rpartition(".")[0] if "." in where else ""
        base = where.split("[")[0] if where.endswith("]") else where
        for candidate in (where, base):
            if candidate in doc.positions:
                return doc.positions[candidate]
    return (doc.line, 1)


# ---------------------------------------------------------------- facts/

def _codes(doc: Document | None, problems: list[Diagnostic], folder: Path) -> dict[str, CodeEntry]:
    if doc is None:
        problems.append(Diagnostic(str(folder / "codes.yaml"), 1, 1, "the code catalog is missing"))
        return {}
    at = _At(doc, problems)
    out: dict[str, CodeEntry] = {}
    entries = doc.data.get("codes")
    if not isinstance(entries, list):
        at("codes" if "codes" in doc.data else "", "the code catalog holds a list under 'codes'")
        return out
    for i, raw in enumerate(entries):
        where = f"codes[{i}]"
        if not isinstance(raw, dict) or not _CODE.fullmatch(str(raw.get("code", ""))):
            at(where, "each catalog entry needs a code of the form D + 4 digits")
            continue
        missing = [k for k in ("name", "category", "subcategory", "nature") if not raw.get(k)]
        if missing:
            at(where, f"catalog entry {raw['code']} lacks {', '.join(missing)}")
            continue
        if raw["code"] in out:
            at(f"{where}.code", f"code {raw['code']} is listed twice")
        added, removed = _year(at, where, raw, "added"), _year(at, where, raw, "removed")
        if added and removed and removed < added:
            at(f"{where}.removed", f"code {raw['code']} cannot be removed ({removed}) before it was added ({added})")
        kind = raw.get("service_kind")
        if kind is not None:
            _enum(at, f"{where}.service_kind", kind, SERVICE_KINDS, "service kind")
        out[raw["code"]] = CodeEntry(
            code=raw["code"], name=str(raw["name"]), category=str(raw["category"]),
            subcategory=str(raw["subcategory"]), nature=str(raw["nature"]),
            added=added, removed=removed, service_kind=kind,
            keywords=tuple(_words(at, f"{where}.keywords", raw.get("keywords") or [])),
            differs=raw.get("differs_from_d9961"), unit=raw.get("unit"))
    return out


def _year(at: _At, where: str, raw: Mapping[str, Any], key: str) -> int | None:
    """A CDT edition year (``added``, ``removed``), or None when absent or not a year."""
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1969 <= value <= 2100:
        at(f"{where}.{key}", f"'{key}' is the year of a CDT edition, such as 2020, not '{value}'")
        return None
    return value


def _check_graph(doc: Document | None, codes: Mapping[str, CodeEntry], problems: list[Diagnostic]) -> None:
    """Edges of the related-code graph name catalog codes and declared kinds, at their lines."""
    if doc is None:
        return
    at = _At(doc, problems)
    kinds, edges = doc.data.get("edge_kinds"), doc.data.get("edges")
    if not isinstance(kinds, dict) or not isinstance(edges, list):
        at("", "graph.yaml needs 'edge_kinds' (a mapping) and 'edges' (a list)")
        return
    for i, raw in enumerate(edges):
        where = f"edges[{i}]"
        if not isinstance(raw, dict) or not all(raw.get(k) for k in ("from", "to", "kind", "reason")):
            at(where, "each edge is a mapping with from, to, kind and reason")
            continue
        for end in ("from", "to"):
            if raw[end] not in codes:
                at(f"{where}.{end}", f"'{raw[end]}' is not a catalog code", did_you_mean(str(raw[end]), codes))
        if raw["kind"] not in kinds:
            at(f"{where}.kind", f"edge kind '{raw['kind']}' is not declared under edge_kinds",
               did_you_mean(str(raw["kind"]), kinds))


def _tables(docs: Mapping[str, Document | None], problems: list[Diagnostic]) -> dict[str, Any]:
    """Reference tables keyed for look-ups: states by state code, the rest as written."""
    tables: dict[str, Any] = {}
    for name, doc in docs.items():
        if doc is None or name == "codes":
            continue
        data = doc.data
        if name == "states":
            tables[name] = _states(doc, problems)
        else:
            tables[name] = data
    return tables


def _states(doc: Document, problems: list[Diagnostic]) -> dict[str, Any]:
    """The states table keyed by state code; a row without a usable code is an error."""
    at = _At(doc, problems)
    rows = doc.data.get("states")
    if not isinstance(rows, list):
        at("states" if "states" in doc.data else "", "facts/states.yaml holds a list under 'states'")
        return {}
    out: dict[str, Any] = {}
    for i, row in enumerate(rows):
        if not isinstance(row, dict) or not isinstance(row.get("state"), str):
            at(f"states[{i}]", "each row needs 'state', a two-letter state code")
            continue
        out[row["state"]] = row
    return out


# ---------------------------------------------------------------- kb/

def _rules(doc: Document, codes: Mapping[str, CodeEntry], tables: Mapping[str, Any],
           problems: list[Diagnostic]) -> list[Rule]:
    at = _At(doc, problems)
    raw_rules = doc.data.get("rules")
    for key in doc.data:
        if key != "rules":
            at(key, f"unknown key '{key}' at the top of a kb file", did_you_mean(key, ["rules"]), key=True)
    if not isinstance(raw_rules, list):
        at("rules" if "rules" in doc.data else "", "a kb file holds a list under 'rules'")
        return []
    out = []
    for i, raw in enumerate(raw_rules):
        before = len(problems)
        rule = _rule(raw, f"rules[{i}]", at, codes, tables)
        if rule is not None and len(problems) == before:
            out.append(rule)
    return out


def _rule(raw: Any, where: str, at: _At, codes: Mapping[str, CodeEntry],
          tables: Mapping[str, Any]) -> Rule | None:
    if not isinstance(raw, dict):
        at(where, "each rule must be a mapping")
        return None
    for key in raw:
        if key not in RULE_KEYS:
            at(f"{where}.{key}", f"unknown rule key '{key}'", did_you_mean(key, RULE_KEYS), key=True)
    missing = [k for k in REQUIRED_RULE_KEYS if k not in raw]
    if missing:
        label = raw.get("id", "this rule")
        at(where, f"rule '{label}' lacks {', '.join(missing)}"
           + (" (every rule names where its guidance comes from)" if "source" in missing else ""))
        return None
    rule_id = str(raw["id"])
    if not _ID.fullmatch(rule_id):
        at(f"{where}.id", f"rule id '{rule_id}' must be kebab-case (a-z, 0-9, hyphens)")
    _enum(at, f"{where}.topic", raw["topic"], TOPICS, "topic")
    _enum(at, f"{where}.severity", raw["severity"], SEVERITIES, "severity")
    rule_codes = _code_list(at, f"{where}.codes", raw["codes"], codes)
    source = _source(at, f"{where}.source", raw["source"])
    when = _when(at, f"{where}.when", raw["when"], tables)
    then = raw["then"] if isinstance(raw["then"], dict) else {}
    if not isinstance(raw["then"], dict):
        at(f"{where}.then", "'then' must be a mapping")
    return _finish(raw, where, at, rule_id, rule_codes, source, when, then, codes)


def _check_placeholders(at: _At, where: str, message: str, known: Mapping[str, Any]) -> None:
    """Every ``{…}`` of a message must name a fact: anything else would be printed as written."""
    for match in _BRACED.finditer(message):
        name = match.group(1)
        if not _PLACEHOLDER.fullmatch(match.group(0)):
            at(where, f"message has '{match.group(0)}', which is not a placeholder: put a fact path in "
               "lower case between the braces, such as '{request.purpose}'",
               did_you_mean(name.strip().lower(), known))
        elif name not in known and not _is_calc(name):
            at(where, f"message names unknown fact '{{{name}}}'", did_you_mean(name, known))


def _finish(raw: Mapping[str, Any], where: str, at: _At, rule_id: str, rule_codes: tuple[str, ...],
            source: Source | None, when: Condition | None, then: Mapping[str, Any],
            codes: Mapping[str, CodeEntry]) -> Rule | None:
    for key in then:
        if key not in THEN_KEYS:
            at(f"{where}.then.{key}", f"unknown key '{key}' in 'then'", did_you_mean(key, THEN_KEYS), key=True)
    message = then.get("message")
    if not isinstance(message, str) or not message.strip():
        at(f"{where}.then", "'then' needs a message")
        message = ""
    known = fact_fields()
    _check_placeholders(at, f"{where}.then.message", message, known)
    verdict = then.get("verdict")
    if verdict == "needs-review":          # the spelling used in scenarios and output
        verdict = "needs_review"
    if verdict is not None:
        _enum(at, f"{where}.then.verdict", verdict, RULE_VERDICTS, "verdict")
    missing = _words(at, f"{where}.then.missing", then.get("missing", []))
    for i, path in enumerate(missing):
        if path not in known:
            at(f"{where}.then.missing[{i}]", f"'{path}' is not a fact path", did_you_mean(path, known))
    if missing and verdict != "needs_review":
        at(f"{where}.then.missing", "'missing' goes with verdict: needs_review")
    suggest = _code_list(at, f"{where}.then.suggest", then.get("suggest", []), codes)
    if source is None or when is None:
        return None
    examples = raw.get("examples") or {}
    return Rule(
        id=rule_id, title=str(raw["title"]), codes=rule_codes, topic=str(raw["topic"]),
        severity=str(raw["severity"]), source=source, when=when, message=message.strip(),
        file=at.doc.path, line=at.line(where), verdict=verdict, missing=tuple(missing),
        recommend=tuple(_words(at, f"{where}.then.recommend", then.get("recommend", []))),
        derive=tuple(_words(at, f"{where}.then.derive", then.get("derive", []))),
        suggest=suggest, aliases=tuple(_words(at, f"{where}.aliases", raw.get("aliases", []))),
        rationale=raw.get("rationale"),
        examples={k: tuple(v) for k, v in examples.items()} if isinstance(examples, dict) else {})


def _is_calc(name: str) -> bool:
    """``{calc.NAME}`` placeholders show a named calculation's value (engine/calculations.py)."""
    from .calculations import CALCULATIONS
    return name.startswith("calc.") and name[5:] in CALCULATIONS


def _enum(at: _At, where: str, value: Any, choices: tuple[str, ...], what: str) -> None:
    if value not in choices:
        at(where, f"'{value}' is not a {what} (one of: {', '.join(choices)})",
           did_you_mean(str(value), choices))


def _words(at: _At, where: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        at(where, "expected a list of text items")
        return []
    return list(value)


def _code_list(at: _At, where: str, value: Any, codes: Mapping[str, CodeEntry]) -> tuple[str, ...]:
    items = _words(at, where, value)
    for i, code in enumerate(items):
        if code not in codes:
            at(f"{where}[{i}]", f"code '{code}' is not in the catalog (facts/codes.yaml)",
               did_you_mean(code, codes))
    return tuple(items)


def _source(at: _At, where: str, raw: Any) -> Source | None:
    if not isinstance(raw, dict) or not raw.get("kind") or not raw.get("ref"):
        at(where, "a source needs 'kind' and 'ref' (e.g. {kind: regulation, ref: '45 CFR 164.524(c)(4)'})")
        return None
    for key in raw:
        if key not in SOURCE_KEYS:
            at(f"{where}.{key}", f"unknown source key '{key}'", did_you_mean(key, SOURCE_KEYS), key=True)
    _enum(at, f"{where}.kind", raw["kind"], SOURCE_KINDS, "source kind")
    return Source(str(raw["kind"]), str(raw["ref"]), raw.get("section"), raw.get("url"))


def _when(at: _At, where: str, raw: Any, tables: Mapping[str, Any]) -> Condition | None:
    try:
        cond = parse(raw, where, at.doc.positions)
    except ConditionError as err:
        at(err.where, str(err), err.hint)
        return None
    known = fact_fields()
    for path in fact_paths(cond):
        if path.startswith("records[]."):
            field = path.split(".", 1)[1]
            if field not in RECORD_ITEM:
                at(where, f"records have no field '{field}'", did_you_mean(field, RECORD_ITEM))
        elif path not in known:
            at(where, f"condition reads unknown fact '{path}'", did_you_mean(path, known))
    _check_lookups(at, where, cond, tables)
    _check_values(at, where, cond, known, False)
    return cond


def _check_values(at: _At, where: str, cond: Condition, known: Mapping[str, Any], in_record: bool) -> None:
    """A literal compared with an enum or true/false fact must be one of its values, or the
    rule could never fire (``requester is lawyer`` instead of ``attorney``)."""
    if cond.op in ("any_record", "all_records"):
        _check_values(at, where, cond.children[0], known, True)
        return
    for child in cond.children:
        _check_values(at, where, child, known, in_record)
    operand = cond.operand or {}
    if "fact" not in operand or cond.op == "present" or isinstance(cond.value, dict):
        return
    spec = (RECORD_ITEM if in_record else known).get(operand["fact"])
    literals = cond.value if isinstance(cond.value, list) else [cond.value]
    for value in literals:
        problem = _literal_problem(spec, value)
        if problem:
            line, col = (cond.line, cond.col) if cond.line else (at.line(where), 1)
            at.problems.append(Diagnostic(at.doc.path, line, col or 1, f"'{operand['fact']}' {problem}",
                                          did_you_mean(str(value), spec.values) if spec and spec.values else None))


def _literal_problem(spec: Any, value: Any) -> str | None:
    if spec is None:
        return None
    if spec.type in ("enum", "enum_list", "state") and value not in spec.values:
        return f"is never '{value}' (its values: {', '.join(spec.values)})"
    if spec.type == "bool" and not isinstance(value, bool):
        return f"is true or false, never '{value}'"
    if spec.type == "tri" and not (isinstance(value, bool) or value == "unknown"):
        return f"is true, false or unknown, never '{value}'"
    return None


def _check_lookups(at: _At, where: str, cond: Condition, tables: Mapping[str, Any]) -> None:
    for operand in (cond.operand, cond.value):
        if isinstance(operand, dict) and "lookup" in operand:
            table = operand["lookup"].split(".")[0]
            if table not in tables:
                at(where, f"look-up into unknown table '{table}'", did_you_mean(table, tables))
    for child in cond.children:
        _check_lookups(at, where, child, tables)


def _check_ids(rules: list[Rule], problems: list[Diagnostic]) -> None:
    seen: dict[str, Rule] = {}
    for rule in rules:
        for name in (rule.id, *rule.aliases):
            first = seen.get(name)
            if first is not None:
                problems.append(Diagnostic(rule.file, rule.line, 1,
                                           f"rule id '{name}' is already used at {first.file}:{first.line}"))
            seen.setdefault(name, rule)


def _check_derived(rules: list[Rule], problems: list[Diagnostic]) -> None:
    """Every derived fact a rule needs is derived by some rule that can fire first."""
    produced = {name for rule in rules for name in rule.derive}
    reachable = _derivable(rules)
    for rule in rules:
        for name in derived_names(rule.when):
            if name not in produced:
                problems.append(Diagnostic(rule.file, rule.line, 1,
                                           f"rule '{rule.id}' needs derived fact '{name}', which no rule derives",
                                           did_you_mean(name, produced)))
            elif name not in reachable:
                problems.append(Diagnostic(rule.file, rule.line, 1,
                                           f"rule '{rule.id}' can never fire: derived fact '{name}' comes only "
                                           "from rules that need it first (a cycle)"))


def _derivable(rules: list[Rule]) -> set[str]:
    """The derived facts some chain of rules can make from a scenario's own facts: a rule
    counts once every derived fact it needs is derivable."""
    done: set[str] = set()
    while True:
        new = {n for r in rules if set(derived_names(r.when)) <= done for n in r.derive} - done
        if not new:
            return done
        done |= new
