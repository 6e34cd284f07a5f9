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

import collections.abc as _abc
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
# A CDT code has 5 characters; one written with more than this is no slip of one, and the slip
# distance (a table of its length times the code's, in Python) is not worth working out.
MAX_CODE_CHARS = 16
# Memo bounds: a batch bills a few dozen (code, service, hints, about records) and each has a few outcomes.
PLAN_LIMIT, RANKING_LIMIT = 512, 64
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
    if not clean or len(clean) > MAX_CODE_CHARS:
        return 0.0
    return max(0.0, similarity(clean, code) - (MISSING_PREFIX_PENALTY if added else 0.0))


@functools.lru_cache(maxsize=8192)     # pure; its alignment table is the dearest step of a reason
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
    if len(clean) > MAX_CODE_CHARS:
        return f"the code as written is {len(clean)} characters long, too long to be a slip of {code}"
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
    return _top(_by_code(written, kb))


def _by_code(written: str, kb: KnowledgeBase) -> list[Suggestion]:
    """Every code for_code weighs, unsorted and not cut to the top few."""
    clean, _ = clean_code(written)
    entry = kb.codes.get(clean)
    if entry is not None and entry.removed is None:
        reason = slip_reason(written, clean) if written != clean else f"{clean} is a current catalog code"
        return [Suggestion(clean, entry.name, round(code_similarity(written, clean), 3), reason),
                *_confusions(clean, kb)]
    ranked = [Suggestion(e.code, e.name, round(s, 3), slip_reason(written, e.code))
              for e, s in _close_codes(written, kb) if e.removed is None]
    ranked.extend(_successors(written, kb))
    return _best_per_code(ranked)


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


@dataclass(frozen=True)
class _Candidate:
    """A code that may be offered for a billed code and service, before its rules are re-run:
    what does not depend on the scenario's other facts."""

    entry: CodeEntry
    fits: bool
    string: float
    successor: bool
    hinted: bool


@dataclass(frozen=True)
class _Plan:
    """What a ranking for one code as written, service kind and set of hints shares."""

    written: str
    clean: str
    service: str
    billed: CodeEntry | None
    candidates: tuple[_Candidate, ...]


def for_scenario(written: str, facts: Mapping[str, Any], kb: KnowledgeBase,
                 hinted: Iterable[str] = ()) -> list[Suggestion]:
    """Rank codes for a scenario: fit with what was done and the codes' own rules first, then
    graph proximity to the billed code, closeness of the string, and rules that named a code.

    A batch bills the same few wrong codes for a few services, so the candidates are worked
    out once per kb, code, service, hints and whether the scenario is about records copies,
    and the ranking once per outcome of their own rules (which rulefit remembers by the facts
    those rules read)."""
    service = _service_kind(facts)
    written = str(written)
    records = about_records(facts, service, kb)
    if service is None:          # nothing to fit: the code string is the only evidence
        read_as = normalize_code(written)[0]
        ranked = [s for s in _by_code(written, kb) if not (records and _clinical(kb, s.code))]
        return [s for s in _top(ranked) if s.code != read_as]
    hints = frozenset(hinted)
    if type(service) is not str:                # no memo for a value of another type
        return _ranked(_plan(written, service, hints, records, kb), facts, kb, {})
    plans = rulefit.memo_table(kb, "scenario_plans", PLAN_LIMIT)
    key = (written, service, hints, records)
    if key not in plans:
        plans[key] = _plan(written, service, hints, records, kb), {}
    plan, rankings = plans[key]
    if len(rankings) >= RANKING_LIMIT:
        rankings.clear()
    return _ranked(plan, facts, kb, rankings)


def about_records(facts: Mapping[str, Any], service: Any, kb: KnowledgeBase) -> bool:
    """Whether the scenario is about a records copy: it states a request or records, and no
    clinical service (one that is a clinical code's ``service_kind``) as what was done.

    In such a scenario no clinical code is offered: a treatment code never replaces a records
    copy (facts/graph.yaml says so of D9910 and D9911), and where the code's own rules find
    nothing billable, as for the office's backup copies, offering one would contradict them."""
    if not (facts.get("request") or facts.get("records")):
        return False
    return type(service) is not str or service not in _clinical_services(kb)


def _clinical_services(kb: KnowledgeBase) -> frozenset[str]:
    """The service kinds of clinical codes, once per kb."""
    memo = rulefit.per_kb(kb)
    if "clinical_services" not in memo:
        memo["clinical_services"] = frozenset(
            e.service_kind for e in kb.codes.values() if e.nature == "clinical" and e.service_kind)
    return memo["clinical_services"]


def _clinical(kb: KnowledgeBase, code: str) -> bool:
    return kb.codes[code].nature == "clinical"


def _plan(written: str, service: str, hints: frozenset[str], records: bool,
          kb: KnowledgeBase) -> _Plan:
    """The candidates worth re-judging, by the cheap signals (kind, string, named); in a
    scenario about records copies, no clinical code (see about_records)."""
    clean, _ = clean_code(written)
    # What the engine read the billed code as: a code it had to guess (``9961``) is no code of
    # the catalog's yet, so the guess itself is offered.
    read_as = normalize_code(written)[0]
    billed = kb.codes.get(clean)
    successors = {s.code for s in _successors(written, kb)} if billed and billed.removed else set()
    candidates = []
    for entry in _current(kb):
        if records and entry.nature == "clinical":
            continue
        fits = entry.service_kind == service
        string = code_similarity(written, entry.code) if read_as not in kb.codes else 0.0
        string = string if string >= MIN_CODE_SIMILARITY else 0.0
        named = entry.code in hints or entry.code in successors
        if not ((entry.code == read_as and fits) or not (fits or string or named)):
            candidates.append(_Candidate(entry, fits, string, entry.code in successors, entry.code in hints))
    return _Plan(written, clean, service, billed, tuple(candidates))


def _ranked(plan: _Plan, facts: Mapping[str, Any], kb: KnowledgeBase,
            rankings: dict[Any, tuple[Suggestion, ...]]) -> list[Suggestion]:
    """The top suggestions of a plan for these facts, remembered in ``rankings`` by the
    outcome of every candidate's own rules (all else in a ranking is fixed by the plan)."""
    outcomes = tuple(_outcome(c.entry.code, facts, kb) for c in plan.candidates)
    if outcomes not in rankings:
        ranked = []
        for candidate, outcome in zip(plan.candidates, outcomes):
            signals = _signals(candidate, outcome, plan, kb)
            if signals is not None:
                reason = _scenario_reason(candidate.entry, plan.written, plan.clean, plan.service,
                                          signals, plan.billed)
                ranked.append(Suggestion(candidate.entry.code, candidate.entry.name, signals.score, reason))
        rankings[outcomes] = tuple(_top(ranked))
    return list(rankings[outcomes])


def _outcome(code: str, facts: Mapping[str, Any], kb: KnowledgeBase) -> tuple[str, tuple[str, ...]]:
    verdict, rule_ids = rulefit.own_rules(code, facts, kb)
    return verdict, tuple(rule_ids)


def _signals(candidate: _Candidate, outcome: tuple[str, tuple[str, ...]], plan: _Plan,
             kb: KnowledgeBase) -> _Signals | None:
    """The candidate's signals, or None when its own rules say it should not be offered."""
    verdict, rule_ids = outcome
    named = candidate.hinted or candidate.successor
    if verdict == "rejected" or not (candidate.fits or named or verdict == "accepted"):
        return None
    entry = candidate.entry
    closeness = 1.0 if candidate.successor else _proximity(kb, plan.clean).get(entry.code, 0.0)
    stands_in = candidate.fits or (candidate.successor and entry.service_kind in (None, plan.service))
    return _Signals(candidate.fits, stands_in, verdict, rule_ids, closeness, candidate.string,
                    candidate.hinted, candidate.successor)


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
    service = _service_kind(facts)
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


def _service_kind(facts: Mapping[str, Any]) -> Any:
    """``service.kind`` when ``service`` is a mapping (a plain dict tested first: the abc check
    is slow and this runs for every scenario that gets suggestions)."""
    section = facts.get("service")
    if type(section) is dict or isinstance(section, _abc.Mapping):
        return (section or {}).get("kind")
    return None


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
