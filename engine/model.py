"""The data that flows through the pipeline, as frozen dataclasses.

load → :class:`Scenario` and :class:`KnowledgeBase`; compile → :class:`CompiledKb`
(compiler.py); evaluate → :class:`Trace`; explain → :class:`Result` with its
:class:`Finding` values; render → text (formats.py).
"""

from __future__ import annotations

from collections import abc as _abc
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping

from .errors import Diagnostic

Position = tuple[int, int]


@dataclass(frozen=True)
class Expect:
    """What a test suite expects of a scenario (the ``expect:`` block)."""

    verdict: str | None = None
    fired: tuple[str, ...] = ()
    not_fired: tuple[str, ...] = ()
    findings: tuple[tuple[str | None, str | None], ...] = ()
    suggestions: tuple[str, ...] = ()
    missing_facts: tuple[str, ...] | None = None
    todo: str | None = None
    line: int = 0


@dataclass(frozen=True)
class Scenario:
    """One validated case: its facts (plain JSON values) and where each came from."""

    id: str
    file: str
    index: int
    line: int
    facts: Mapping[str, Any]
    positions: Mapping[str, Position]
    title: str | None = None
    expect: Expect | None = None

    def value(self, path: str) -> Any:
        """The value at a dotted fact path, or None when absent."""
        return lookup(self.facts, path)


@dataclass(frozen=True)
class Invalid:
    """A scenario document that could not be loaded: where it is and what is wrong."""

    id: str
    file: str
    index: int
    line: int
    diagnostics: tuple[Diagnostic, ...]


@dataclass(frozen=True)
class Condition:
    """One node of a rule's condition tree, as written in kb/.

    ``op`` is all / any / derived / any_record / all_records, or a comparison
    (is, is_not, in, not_in, gt, gte, lt, lte, present, has). Comparisons test ``operand``
    (``{"fact": path}``, ``{"days_between": [a, b]}``, ``{"count_records": cond}``,
    ``{"lookup": …}``) against ``value``, a literal or another operand.
    """

    op: str
    operand: Mapping[str, Any] | None = None
    value: Any = None
    children: tuple["Condition", ...] = ()
    name: str | None = None
    line: int = 0
    col: int = 0


@dataclass(frozen=True)
class Source:
    """Where a rule's guidance comes from."""

    kind: str
    ref: str
    section: str | None = None
    url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "ref": self.ref, "section": self.section, "url": self.url}


@dataclass(frozen=True)
class Rule:
    """One piece of guidance: metadata, conditions and conclusion."""

    id: str
    title: str
    codes: tuple[str, ...]
    topic: str
    severity: str
    source: Source
    when: Condition
    message: str
    file: str
    line: int
    verdict: str | None = None
    missing: tuple[str, ...] = ()
    recommend: tuple[str, ...] = ()
    derive: tuple[str, ...] = ()
    suggest: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    rationale: str | None = None
    examples: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class CodeEntry:
    """A code of the catalog."""

    code: str
    name: str
    category: str
    subcategory: str
    nature: str
    added: int | None
    removed: int | None
    service_kind: str | None
    keywords: tuple[str, ...] = ()
    differs: str | None = None
    unit: str | None = None


@dataclass(frozen=True)
class KnowledgeBase:
    """The rules and the reference facts they read, as loaded and validated."""

    rules: tuple[Rule, ...]
    codes: Mapping[str, CodeEntry]
    tables: Mapping[str, Any]
    version: str
    digest: str

    def rule(self, rule_id: str) -> Rule | None:
        """The rule with this id or one of its aliases."""
        return self._by_id.get(rule_id)

    @cached_property
    def _by_id(self) -> dict[str, Rule]:
        """Ids and aliases to rules, built on first use (explanations look rules up per firing)."""
        out: dict[str, Rule] = {}
        for rule in self.rules:
            for name in (rule.id, *rule.aliases):
                out.setdefault(name, rule)
        return out


@dataclass(frozen=True)
class Firing:
    """One rule firing recorded by the evaluator: the facts it matched."""

    rule: str
    derived_inputs: tuple[str, ...]
    derived: tuple[str, ...]


@dataclass(frozen=True)
class Trace:
    """What happened while evaluating one scenario, in firing order."""

    asserted: Mapping[str, Any]
    firings: tuple[Firing, ...]
    error: str | None = None


# Explanations make a few of these per finding. A frozen dataclass's own __init__ sets each
# field through object.__setattr__; setting the instance dict once costs about half as much.
# Fields, defaults, equality, hash, repr and pickling stay the dataclass's own.
_set = object.__setattr__


@dataclass(frozen=True, init=False)
class Because:
    """One fact a finding rests on: its path, value and scenario line."""

    fact: str
    value: Any
    line: int | None = None
    derived_by: str | None = None

    def __init__(self, fact: str, value: Any, line: int | None = None, derived_by: str | None = None) -> None:
        _set(self, "__dict__", {"fact": fact, "value": value, "line": line, "derived_by": derived_by})

    def to_dict(self) -> dict[str, Any]:
        return {"fact": self.fact, "value": self.value, "line": self.line,
                "derived_by": self.derived_by}


@dataclass(frozen=True, init=False)
class Finding:
    """What a fired rule reports."""

    rule: str
    title: str
    topic: str
    severity: str
    message: str
    because: tuple[Because, ...]
    recommend: tuple[str, ...]
    source: Source

    def __init__(self, rule: str, title: str, topic: str, severity: str, message: str,
                 because: tuple[Because, ...], recommend: tuple[str, ...], source: Source) -> None:
        _set(self, "__dict__", {"rule": rule, "title": title, "topic": topic, "severity": severity,
                                "message": message, "because": because, "recommend": recommend,
                                "source": source})

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "title": self.title, "topic": self.topic,
                "severity": self.severity, "message": self.message,
                "because": [b.to_dict() for b in self.because],
                "recommend": list(self.recommend), "source": self.source.to_dict()}


@dataclass(frozen=True)
class Suggestion:
    """A "did you mean" code with a score in [0, 1] and the reason in words."""

    code: str
    name: str
    score: float
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "score": self.score, "reason": self.reason}


@dataclass(frozen=True)
class Result:
    """The judgement of one scenario (or the error that kept it from being judged)."""

    scenario: str
    file: str
    line: int
    code: str | None
    normalized_code: str | None
    verdict: str | None
    missing_facts: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()
    fired: tuple[str, ...] = ()
    error: tuple[Diagnostic, ...] = ()
    title: str | None = None

    @property
    def worst(self) -> int:
        """0 clean, 1 an error finding or inappropriate verdict, 2 not evaluated."""
        if self.error:
            return 2
        if self.verdict == "inappropriate" or any(f.severity == "error" for f in self.findings):
            return 1
        return 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario, "title": self.title, "file": self.file, "line": self.line,
            "code": self.code, "normalized_code": self.normalized_code, "verdict": self.verdict,
            "missing_facts": list(self.missing_facts),
            "findings": [f.to_dict() for f in self.findings],
            "suggestions": [s.to_dict() for s in self.suggestions],
            "fired": list(self.fired),
            "error": [str(d) for d in self.error] or None,
        }


def lookup(data: Mapping[str, Any], path: str) -> Any:
    """Follow a dotted path through nested mappings; None when any step is missing."""
    value: Any = data
    for part in path.split("."):
        # Facts are plain dicts: test that first; the abc check (for other mappings) is slow.
        if type(value) is not dict and not isinstance(value, _abc.Mapping) or part not in value:
            return None
        value = value[part]
    return value
