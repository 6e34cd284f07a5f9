""""Did you mean" for codes: rank catalog codes for a mistyped code, for a scenario whose
service does not fit the billed code, or for a plain-language description.

Scores are in [0, 1] and every suggestion says why in words. The signals are small pure
functions, each explainable on its own:

* how close the code strings are (engine/distance.py: swaps, a key pressed twice, a code cut
  short, a neighbouring key, a missing ``D``);
* whether the code's own service kind is what the scenario says was done, and whether the
  code's own rules accept or reject it for these facts (re-run in plain Python with the
  candidate as the billed code);
* how near the code sits to the billed one in the related-code graph (engine/graph.py);
* whether a fired rule named it (``then.suggest``);
* for free text, the catalog keywords it mentions (engine/textmatch.py).

A deleted code (one with ``removed``) is never offered as a current code; it only leads to the
codes that replaced it (``replaced_by`` edges), with that said in the reason.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from . import graph, rulefit, textmatch
from .distance import Edit, edits, similarity
from .enrich import normalize_code
from .model import CodeEntry, KnowledgeBase, Suggestion

__all__ = ["Suggestion", "clean_code", "code_similarity", "for_code", "for_scenario", "for_text",
           "looks_like_code", "suggest"]

MAX_SUGGESTIONS = 3
MIN_CODE_SIMILARITY = 0.6
MISSING_PREFIX_PENALTY = 0.04
_SEPARATORS = re.compile(r"[\s\-_.]+")
_CODE_LIKE = re.compile(r"[A-Za-z]{0,2}[\s\-_.]*[0-9][0-9\s\-_.]{0,7}")
# Weights of the scenario signals; they add up to 1 so a score stays in [0, 1].
W_FIT, W_RULES, W_GRAPH, W_STRING, W_HINT = 0.5, 0.2, 0.15, 0.1, 0.05


def looks_like_code(text: str) -> bool:
    """Whether the input reads as a code (``D9916``, ``9961``, ``d-9961``) rather than words."""
    return bool(_CODE_LIKE.fullmatch(unicodedata.normalize("NFKC", text).strip()))


def clean_code(written: str) -> tuple[str, bool]:
    """(the code with case and separators fixed and a missing ``D`` added, whether D was added).

    Compatibility forms are folded first (NFKC): ``Ｄ９９６１``, typed with a full-width keyboard
    layout, is D9961."""
    clean = _SEPARATORS.sub("", unicodedata.normalize("NFKC", written)).upper()
    if clean and clean[0].isdigit():
        return "D" + clean, True
    return clean, False


@functools.lru_cache(maxsize=8192)     # pure, and a batch repeats the same few typos (issue 8)
def code_similarity(written: str, code: str) -> float:
    """1.0 for the same code; high for a swap, a doubled or dropped key, or a missing 'D'."""
    clean, added = clean_code(written)
    if not clean:
        return 0.0
    return max(0.0, similarity(clean, code) - (MISSING_PREFIX_PENALTY if added else 0.0))


def slip_reason(written: str, code: str) -> str:
    """Say in words how ``written`` differs from ``code``."""
    clean, added = clean_code(written)
    shown = f"'{written}'"
    if clean == code:
        if added:
            return f"{shown} is {code} without its 'D' prefix"
        if unicodedata.normalize("NFKC", written) != written:
            return f"{shown} is {code} typed in full-width (or other compatibility) characters"
        return f"{shown} is {code} written with different case or separators"
    slips = [_slip_words(e) for e in edits(clean, code) if e.op != "same"]
    prefix = "without its 'D' prefix and " if added else ""
    if len(slips) == 1:
        return f"{shown} looks like {code} {prefix}with {slips[0]}"
    return f"{shown} is {len(slips)} slips from {code} ({prefix}{'; '.join(slips)})"


def _slip_words(edit: Edit) -> str:
    return {
        "swap": f"two neighbouring characters swapped ({edit.meant} typed as {edit.written})",
        "neighbour_key": f"a neighbouring key hit ({edit.written} for {edit.meant})",
        "substitute": f"one character wrong ({edit.written} for {edit.meant})",
        "doubled": f"a key pressed twice (extra {edit.written})",
        "extra": f"an extra character ({edit.written})",
        "truncated": f"the last character(s) missing ({edit.meant})",
        "repeat_dropped": f"a repeated character typed once (one {edit.meant} missing)",
        "missing": f"a character missing ({edit.meant})",
    }[edit.op]


def for_code(written: str, kb: KnowledgeBase) -> list[Suggestion]:
    """Rank catalog codes by closeness to a code as written (deleted codes lead to successors)."""
    clean, _ = clean_code(written)
    entry = kb.codes.get(clean)
    if entry is not None and entry.removed is None:
        reason = slip_reason(written, clean) if written != clean else f"{clean} is a current catalog code"
        return _top([Suggestion(clean, entry.name, round(code_similarity(written, clean), 3), reason),
                     *_confusions(clean, kb)])
    ranked = [Suggestion(e.code, e.name, round(s, 3), slip_reason(written, e.code))
              for e, s in _close_codes(written, kb) if e.removed is None]
    ranked.extend(_successors(written, kb))
    return _top(_best_per_code(ranked))


def _close_codes(written: str, kb: KnowledgeBase) -> list[tuple[CodeEntry, float]]:
    scored = [(kb.codes[c], code_similarity(written, c)) for c in sorted(kb.codes)]
    return [(e, s) for e, s in scored if s >= MIN_CODE_SIMILARITY]


def _confusions(code: str, kb: KnowledgeBase) -> list[Suggestion]:
    """For a valid code: the codes billers mix it up with, each with what tells them apart."""
    out = []
    for other, edge, relation in graph.neighbours(kb, code):
        entry = kb.codes[other]
        if relation == "often_confused_with" and entry.removed is None:
            out.append(Suggestion(other, entry.name, 0.5,
                                  f"often confused with {code}, but not interchangeable: {edge.reason}"))
    return out


def _successors(written: str, kb: KnowledgeBase) -> list[Suggestion]:
    """Codes that replaced a deleted code the input is (or is close to)."""
    out = []
    for entry, score in _close_codes(written, kb):
        if entry.removed is None:
            continue
        for other, edge, relation in graph.neighbours(kb, entry.code):
            if relation != "replaced_by" or kb.codes[other].removed is not None:
                continue
            how = "is" if score >= 1.0 else "looks like"
            reason = (f"'{written}' {how} {entry.code}, deleted as of CDT {entry.removed}; "
                      f"{other} is one of the codes that replaced it: {edge.reason}")
            out.append(Suggestion(other, kb.codes[other].name, round(0.9 * score, 3), reason))
    return out


@dataclass(frozen=True)
class _Signals:
    """What is known about one candidate code for one scenario, each signal in [0, 1]."""

    fits: bool              # its service kind is what was done
    stands_in: bool         # fits, or replaces the deleted billed code without contradiction
    verdict: str            # its own coding rules: accepted | silent
    rule_ids: tuple[str, ...]
    closeness: float        # graph proximity to the billed code
    string: float           # closeness of the code as written (unknown billed code only)
    hinted: bool            # a fired rule named it
    successor: bool         # it replaced the deleted billed code

    @property
    def score(self) -> float:
        value = (W_FIT * self.stands_in + W_RULES * {"accepted": 1.0, "silent": 0.5}[self.verdict]
                 + W_GRAPH * self.closeness + W_STRING * self.string + W_HINT * self.hinted)
        return round(min(1.0, value), 3)


def for_scenario(written: str, facts: Mapping[str, Any], kb: KnowledgeBase,
                 hinted: Iterable[str] = ()) -> list[Suggestion]:
    """Rank codes for a scenario: fit with what was done and the codes' own rules first, then
    graph proximity to the billed code, closeness of the string, and rules that named a code."""
    service = (facts.get("service") or {}).get("kind") if isinstance(facts.get("service"), Mapping) else None
    written = str(written)
    clean, _ = clean_code(written)
    # What the engine read the billed code as: a code it had to guess (``9961``) is no code of
    # the catalog's yet, so the guess itself is offered.
    read_as = normalize_code(written)[0]
    if service is None:          # nothing to fit: the code string is the only evidence
        return [s for s in for_code(written, kb) if s.code != read_as]
    billed = kb.codes.get(clean)
    successors = {s.code for s in _successors(written, kb)} if billed and billed.removed else set()
    hints = set(hinted)
    ranked = []
    for entry in _current(kb):
        signals = _signals(entry, written, clean, read_as, facts, kb, service, hints, successors)
        if signals is not None:
            reason = _scenario_reason(entry, written, clean, service, signals, billed)
            ranked.append(Suggestion(entry.code, entry.name, signals.score, reason))
    return _top(ranked)


def _signals(entry: CodeEntry, written: str, clean: str, read_as: str | None, facts: Mapping[str, Any],
             kb: KnowledgeBase, service: str, hints: set[str], successors: set[str]) -> _Signals | None:
    """The candidate's signals, or None when it should not be offered at all."""
    fits = entry.service_kind == service
    string = code_similarity(written, entry.code) if read_as not in kb.codes else 0.0
    string = string if string >= MIN_CODE_SIMILARITY else 0.0
    named = entry.code in hints or entry.code in successors
    # Cheap signals first: the rule re-check runs only for codes that could be offered.
    if (entry.code == read_as and fits) or not (fits or string or named):
        return None
    verdict, rule_ids = rulefit.own_rules(entry.code, facts, kb)
    if verdict == "rejected" or not (fits or named or verdict == "accepted"):
        return None
    successor = entry.code in successors
    closeness = 1.0 if successor else _proximity(kb, clean).get(entry.code, 0.0)
    stands_in = fits or (successor and entry.service_kind in (None, service))
    return _Signals(fits, stands_in, verdict, tuple(rule_ids), closeness, string,
                    entry.code in hints, successor)


def _proximity(kb: KnowledgeBase, code: str) -> dict[str, float]:
    """graph.proximity, worked out once per kb and billed catalog code (a batch bills a few)."""
    if code not in kb.codes:                 # no graph node: nothing near, and no memo to grow
        return {}
    memo = rulefit.per_kb(kb)
    key = ("proximity", code)
    if key not in memo:
        memo[key] = graph.proximity(kb, code)
    return memo[key]


def _scenario_reason(entry: CodeEntry, written: str, clean: str, service: str,
                     sig: _Signals, billed: CodeEntry | None) -> str:
    parts = []
    if sig.fits:
        parts.append(f"{entry.code} is the code for {_words(service)}, which is what the "
                     "scenario says was done (service.kind)")
    if sig.verdict == "accepted":
        many = len(sig.rule_ids) > 1
        parts.append(f"its own rule{'s' if many else ''} {', '.join(sig.rule_ids)} "
                     f"hold{'' if many else 's'} for these facts")
    if sig.successor and billed is not None:
        parts.append(f"it is one of the codes that replaced {clean}, deleted as of CDT "
                     f"{billed.removed}; check which replacement matches what was done")
    elif sig.closeness >= 1.0:
        parts.append(f"billers often confuse it with {clean}")
    elif sig.closeness > 0:
        parts.append(f"it is near {clean} in the related-code graph")
    if sig.string:
        parts.append(slip_reason(written, entry.code))
    if sig.hinted:
        parts.append("a rule that fired names it")
    return "; ".join(parts)


def for_text(text: str, kb: KnowledgeBase, facts: Mapping[str, Any] | None = None) -> list[Suggestion]:
    """Rank codes by the catalog keywords a plain-language description mentions; with a
    scenario's facts, codes whose service kind fits (and whose own rules hold) move up."""
    ranked = []
    service = (facts.get("service") or {}).get("kind") if facts else None
    for entry, score, words in textmatch.rank(text, _current(kb)):
        reason = f"the description mentions {', '.join(words)}"
        if facts is not None:
            fits = service is not None and entry.service_kind == service
            verdict, _ = rulefit.own_rules(entry.code, facts, kb)
            if verdict == "rejected":
                continue
            score = 0.5 * score + 0.35 * fits + 0.15 * (verdict == "accepted")
            reason += f"; it is the code for {_words(service)}, what the scenario says was done" if fits else ""
        ranked.append(Suggestion(entry.code, entry.name, round(score, 3), reason))
    return _top(ranked)


def suggest(query: str, kb: KnowledgeBase, facts: Mapping[str, Any] | None = None) -> list[Suggestion]:
    """The entry point of the ``suggest`` command: code or words, with or without a scenario."""
    if not looks_like_code(query):
        return for_text(query, kb, facts)
    if facts is None:
        return for_code(query, kb)
    return _top([*_as_billed(query, facts, kb), *for_scenario(query, facts, kb)])


def _as_billed(written: str, facts: Mapping[str, Any], kb: KnowledgeBase) -> list[Suggestion]:
    """The code asked about itself, when it already fits the scenario (so the answer says so)."""
    clean, _ = clean_code(written)
    entry = kb.codes.get(clean)
    service = (facts.get("service") or {}).get("kind") if isinstance(facts.get("service"), Mapping) else None
    if entry is None or entry.removed is not None or entry.service_kind != service:
        return []
    verdict, rule_ids = rulefit.own_rules(clean, facts, kb)
    if verdict == "rejected":
        return []
    many = len(rule_ids) > 1
    held = (f"; its own rule{'s' if many else ''} {', '.join(rule_ids)} hold{'' if many else 's'} "
            "for these facts") if rule_ids else ""
    return [Suggestion(clean, entry.name, 1.0 if verdict == "accepted" else 0.85,
                       f"{clean} already fits: it is the code for {_words(service)}, what the "
                       f"scenario says was done{held}")]


def _words(kind: str | None) -> str:
    return (kind or "an unstated service").replace("_", " ")


def _current(kb: KnowledgeBase) -> tuple[CodeEntry, ...]:
    """The catalog's current codes in code order, once per kb."""
    memo = rulefit.per_kb(kb)
    if "current" not in memo:
        memo["current"] = tuple(kb.codes[c] for c in sorted(kb.codes) if kb.codes[c].removed is None)
    return memo["current"]


def _best_per_code(ranked: list[Suggestion]) -> list[Suggestion]:
    best: dict[str, Suggestion] = {}
    for s in ranked:
        if s.code not in best or s.score > best[s.code].score:
            best[s.code] = s
    return list(best.values())


def _top(ranked: list[Suggestion]) -> list[Suggestion]:
    ranked.sort(key=lambda s: (-s.score, s.code))
    return ranked[:MAX_SUGGESTIONS]
