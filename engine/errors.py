"""Problems a user can cause, as values; and the few exceptions that abort a command.

Everything a user can get wrong inside a batch (a bad scenario document, a misspelled key) is a
:class:`Diagnostic` value carried in the result, so one bad input never loses the others.
Exceptions are kept for aborting a whole command::

    CdtError                 base of everything this package raises on purpose
    ├── KnowledgeBaseError   kb/ or facts/ is invalid (exit 2); carries its diagnostics
    └── UsageError           the command line or an input path is unusable (exit 2)

A fault inside the rules engine is caught per scenario by the evaluator and becomes that
scenario's error diagnostic, never an exception that crosses into the next scenario.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# What must not reach a terminal or a report as itself: lone surrogates (they cannot be
# written as UTF-8), control characters but tab and newline, DEL, C1 controls, and the
# bidirectional overrides and isolates. Messages quote what a file says (an unknown key, a
# rule id in an expect block), so a file could otherwise clear a reviewer's screen.
_UNSAFE = re.compile("[\ud800-\udfff\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def shown(text: str) -> str:
    """``text`` with every unsafe character written as its escape (``\\x1b``, ``\\u202e``)."""
    return _UNSAFE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem at a place in a file: 1-based line and column, sortable by position.

    Its path, message and hint are made safe to print (:func:`shown`) when it is made."""

    path: str
    line: int
    col: int
    message: str
    hint: str | None = field(default=None, compare=False)
    severity: str = field(default="error", compare=False)
    end_line: int | None = field(default=None, compare=False)
    end_col: int | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        for name in ("path", "message", "hint"):
            text = getattr(self, name)
            if text and _UNSAFE.search(text):
                object.__setattr__(self, name, shown(text))       # frozen: set once, here

    def __str__(self) -> str:
        text = f"{self.path}:{self.line}:{self.col}: {self.severity}: {self.message}"
        return f"{text}\n{self.hint}" if self.hint else text

    def to_dict(self) -> dict[str, object]:
        """The JSON shape used by every machine-readable output."""
        return {"path": self.path, "line": self.line, "col": self.col,
                "severity": self.severity, "message": self.message, "hint": self.hint}


class CdtError(Exception):
    """Base of the exceptions this package raises on purpose."""


class KnowledgeBaseError(CdtError):
    """The knowledge base or its facts are invalid; no scenario can be judged by it."""

    def __init__(self, diagnostics: list[Diagnostic] | tuple[Diagnostic, ...]) -> None:
        self.diagnostics = tuple(sorted(diagnostics))
        super().__init__("\n".join(str(d) for d in self.diagnostics))


class UsageError(CdtError):
    """The command line or an input path cannot be used."""
