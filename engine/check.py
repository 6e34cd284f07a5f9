"""What ``cdt-companion check`` reports, as data: rule counts, unsourced rules, and the seed
coverage table (facts/seed.yaml) with every problem found in it.

kbload already refuses a knowledge base with unknown facts, codes, duplicate ids or a missing
source; this module adds the shape of the reference tables (factcheck.py) and the seed
traceability, which kbload does not read: each statement of
the seed guide must be encoded by rules or catalog facts that exist, or carry a written reason
for being corrected or set aside.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from .errors import Diagnostic
from .factcheck import check_facts
from .model import KnowledgeBase
from .spelling import did_you_mean
from .yamlsource import Document, read_file

STATUSES = ("encoded", "corrected", "set_aside")
STATEMENT_KEYS = ("id", "section", "says", "status", "covered_by", "catalog", "reason")


@dataclass(frozen=True)
class Statement:
    """One paraphrased statement of the seed, and how the knowledge base answers it."""

    id: str
    section: str
    says: str
    status: str
    covered_by: tuple[str, ...]
    catalog: tuple[str, ...]
    reason: str | None
    line: int


@dataclass(frozen=True)
class CheckReport:
    """Everything ``check`` prints; ``ok`` decides the exit code."""

    rules: int
    rule_files: int
    codes: int
    unsourced: tuple[str, ...]
    statements: tuple[Statement, ...]
    problems: tuple[Diagnostic, ...] = field(default=())
    faulty: frozenset[str] = frozenset()

    @property
    def accounted(self) -> int:
        """Statements encoded, corrected or set aside without a problem."""
        return sum(1 for s in self.statements if s.status in STATUSES and s.id not in self.faulty)

    @property
    def percent(self) -> int:
        total = len(self.statements)
        return 100 if total == 0 else (100 * self.accounted) // total

    @property
    def ok(self) -> bool:
        return not self.problems and not self.unsourced and self.accounted == len(self.statements)

    def by_status(self) -> dict[str, int]:
        counts = Counter(s.status for s in self.statements)
        return {status: counts.get(status, 0) for status in STATUSES}

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "rules": self.rules, "rule_files": self.rule_files, "codes": self.codes,
            "rules_without_source": list(self.unsourced),
            "seed": {"statements": len(self.statements), "accounted": self.accounted,
                     "percent": self.percent, "by_status": self.by_status(),
                     "table": [_row(s) for s in self.statements]},
            "problems": [str(p) for p in self.problems],
        }


def _row(s: Statement) -> dict[str, Any]:
    return {"id": s.id, "section": s.section, "says": s.says, "status": s.status,
            "covered_by": list(s.covered_by), "catalog": list(s.catalog), "reason": s.reason}


def check(kb: KnowledgeBase, facts_dir: Path) -> CheckReport:
    """Check a loaded knowledge base and its seed coverage table."""
    unsourced = tuple(sorted(r.id for r in kb.rules if not (r.source.kind and r.source.ref.strip())))
    problems: list[Diagnostic] = check_facts(facts_dir)
    faulty: set[str] = set()
    statements = seed_statements(facts_dir / "seed.yaml", kb, problems, faulty)
    files = {r.file for r in kb.rules}
    return CheckReport(len(kb.rules), len(files), len(kb.codes), unsourced, tuple(statements),
                       tuple(problems), frozenset(faulty))


def seed_statements(path: Path, kb: KnowledgeBase, problems: list[Diagnostic],
                    faulty: set[str]) -> list[Statement]:
    """Read and validate facts/seed.yaml; problems are appended with their lines and the ids of
    the statements they concern are added to ``faulty``."""
    if not path.is_file():
        problems.append(Diagnostic(str(path), 1, 1, "the seed coverage table is missing"))
        return []
    docs = [d for d in read_file(str(path)) if d.data is not None]
    if len(docs) != 1 or not isinstance(docs[0].data, dict):
        problems.append(Diagnostic(str(path), 1, 1, "expected one mapping with 'statements'"))
        return []
    doc = docs[0]
    raw = doc.data.get("statements")
    if not isinstance(raw, list) or not raw:
        problems.append(Diagnostic(str(path), doc.line, 1, "'statements' must be a non-empty list"))
        return []
    out: list[Statement] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        before = len(problems)
        statement = _statement(item, f"statements[{i}]", doc, kb, problems)
        if statement is None:
            continue
        if statement.id in seen:
            _report(problems, doc, f"statements[{i}].id", f"statement '{statement.id}' is listed twice")
        if len(problems) > before:
            faulty.add(statement.id)
        seen.add(statement.id)
        out.append(statement)
    return out


def _report(problems: list[Diagnostic], doc: Document, where: str, message: str,
            hint: str | None = None) -> None:
    line, col = doc.positions.get(where) or doc.positions.get(where.rsplit(".", 1)[0]) or (doc.line, 1)
    problems.append(Diagnostic(doc.path, line, col, message, hint))


def _statement(item: Any, where: str, doc: Document, kb: KnowledgeBase,
               problems: list[Diagnostic]) -> Statement | None:
    if not isinstance(item, Mapping) or not item.get("id"):
        _report(problems, doc, where, "each statement needs an id")
        return None
    sid = str(item["id"])
    for key in item:
        if key not in STATEMENT_KEYS:
            _report(problems, doc, f"{where}.{key}", f"statement '{sid}': unknown key '{key}'",
                    did_you_mean(str(key), STATEMENT_KEYS))
    statement = Statement(sid, str(item.get("section") or ""), str(item.get("says") or ""),
                          str(item.get("status") or ""), tuple(item.get("covered_by") or ()),
                          tuple(item.get("catalog") or ()), item.get("reason"),
                          (doc.positions.get(where) or (doc.line, 1))[0])
    for message, at, hint in _statement_problems(statement, kb):
        _report(problems, doc, f"{where}.{at}", f"statement '{sid}': {message}", hint)
    return statement


def _statement_problems(s: Statement, kb: KnowledgeBase) -> list[tuple[str, str, str | None]]:
    """What is wrong with one statement: (message, key it sits at, did-you-mean hint)."""
    out: list[tuple[str, str, str | None]] = []
    if s.status not in STATUSES:
        out.append((f"status '{s.status}' is not one of {', '.join(STATUSES)}", "status",
                    did_you_mean(s.status, STATUSES)))
    if not s.says.strip() or not s.section.strip():
        out.append(("needs 'section' and 'says'", "says", None))
    rule_ids = [r.id for r in kb.rules] + [a for r in kb.rules for a in r.aliases]
    for i, rule_id in enumerate(s.covered_by):
        if kb.rule(rule_id) is None:
            out.append((f"covered_by names rule '{rule_id}', which is not in the knowledge base",
                        f"covered_by[{i}]", did_you_mean(rule_id, rule_ids)))
    for i, code in enumerate(s.catalog):
        if code not in kb.codes:
            out.append((f"catalog names code '{code}', which is not in facts/codes.yaml",
                        f"catalog[{i}]", did_you_mean(code, kb.codes)))
    encoded_by = s.covered_by or s.catalog
    if s.status == "encoded" and not encoded_by:
        out.append(("is marked encoded but names no rule (covered_by) or catalog code", "status", None))
    if s.status == "corrected" and not (encoded_by and (s.reason or "").strip()):
        out.append(("is marked corrected: it needs the rules that encode the correction and a "
                    "reason saying what the seed gets wrong", "status", None))
    if s.status == "set_aside" and not (s.reason or "").strip():
        out.append(("is set aside without a reason", "status", None))
    return out
