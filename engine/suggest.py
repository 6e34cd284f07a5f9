""""Did you mean" for codes: rank catalog codes for a mistyped code, for a scenario whose
service does not fit the billed code, or for a plain-language description.

Scores are in [0, 1] and every suggestion says why in words. Three signals, each a small
pure function: how close the code strings are (typos, transpositions, a missing prefix or
digit), whether the code's own service kind matches what was done, and whether a fired rule
named the code.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

from .enrich import normalize_code
from .model import CodeEntry, KnowledgeBase, Suggestion

__all__ = ["Suggestion", "code_similarity", "for_code", "for_scenario", "for_text"]

MAX_SUGGESTIONS = 3
_WORD = re.compile(r"[a-z0-9]+")


def code_similarity(written: str, code: str) -> float:
    """1.0 for the same code; high for one typo, a swap, or a missing 'D' or digit."""
    clean = re.sub(r"[^0-9A-Za-z]", "", written).upper()
    if not clean:
        return 0.0
    if clean[0] != "D":
        clean = "D" + clean
    distance = _damerau(clean, code)
    return max(0.0, 1.0 - distance / max(len(code), len(clean)))


def _damerau(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions, swaps."""
    rows = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        rows[i][0] = i
    for j in range(len(b) + 1):
        rows[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[-1][-1]


def for_code(written: str, kb: KnowledgeBase) -> list[Suggestion]:
    """Rank catalog codes by closeness to a code as written."""
    ranked = []
    for entry in _current(kb.codes):
        score = code_similarity(written, entry.code)
        if score >= 0.5:
            ranked.append(Suggestion(entry.code, entry.name, round(score, 3),
                                     _typo_reason(written, entry.code)))
    return _top(ranked)


def for_scenario(written: str, facts: Mapping[str, Any], kb: KnowledgeBase,
                 hinted: Iterable[str] = ()) -> list[Suggestion]:
    """Rank codes for a scenario: fit with what was done first, then closeness of the string."""
    service = (facts.get("service") or {}).get("kind")
    hints = set(hinted)
    normalized, _ = normalize_code(written)
    ranked = []
    for entry in _current(kb.codes):
        if entry.code == normalized and entry.service_kind == service:
            continue
        fits = service is not None and entry.service_kind == service
        similarity = code_similarity(written, entry.code)
        score = 0.6 * fits + 0.25 * similarity + 0.15 * (entry.code in hints)
        if fits or entry.code in hints or (similarity >= 0.75 and normalized not in kb.codes):
            ranked.append(Suggestion(entry.code, entry.name, round(score, 3),
                                     _scenario_reason(entry, fits, service, similarity, written, hints)))
    return _top(ranked)


def for_text(text: str, kb: KnowledgeBase) -> list[Suggestion]:
    """Rank codes whose keywords and name share words with a plain-language description."""
    words = set(_WORD.findall(text.lower()))
    ranked = []
    for entry in _current(kb.codes):
        vocab = {w for k in entry.keywords for w in _WORD.findall(k.lower())}
        vocab |= set(_WORD.findall(entry.name.lower()))
        shared = sorted(words & vocab)
        if shared:
            score = len(shared) / (len(words) or 1)
            ranked.append(Suggestion(entry.code, entry.name, round(min(1.0, score), 3),
                                     f"the description mentions {', '.join(shared)}"))
    return _top(ranked)


def _current(codes: Mapping[str, CodeEntry]) -> list[CodeEntry]:
    return [codes[c] for c in sorted(codes) if codes[c].removed is None]


def _top(ranked: list[Suggestion]) -> list[Suggestion]:
    ranked.sort(key=lambda s: (-s.score, s.code))
    return ranked[:MAX_SUGGESTIONS]


def _typo_reason(written: str, code: str) -> str:
    clean = re.sub(r"[^0-9A-Za-z]", "", written).upper()
    if clean == code:
        return f"'{written}' is {code} written differently"
    if clean and clean[0] != "D" and "D" + clean == code:
        return f"'{written}' lacks the 'D' prefix of {code}"
    if len(clean) < len(code):
        return f"'{written}' looks like {code} with a character missing"
    if sorted(clean) == sorted(code):
        return f"'{written}' looks like {code} with two characters swapped"
    return f"'{written}' is one or two keystrokes from {code}"


def _scenario_reason(entry: CodeEntry, fits: bool, service: str | None, similarity: float,
                     written: str, hints: set[str]) -> str:
    parts = []
    if fits:
        parts.append(f"{entry.code} is the code for {service}, which is what was done")
    if entry.code in hints:
        parts.append("a fired rule names it")
    if similarity >= 0.75 and not fits:
        parts.append(_typo_reason(written, entry.code))
    return "; ".join(parts)
