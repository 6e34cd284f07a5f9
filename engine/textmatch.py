"""Match a plain-language description against the catalog's keywords and names.

"copies of x-rays for the patient's lawyer" should find D9961 and "desensitizing varnish on
sensitive roots" D9910. Each word of the description is matched to each code's keywords
exactly, by a light stem (``roots``/``root``, ``copying``/``copies``) or, for longer words, by
the slip distance of engine/distance.py (``desensitzing``). Words that many codes share
(``anesthesia``, ``appointment``) count less than words only one code has (inverse document
frequency over the catalog), so a code wins by the words that single it out.

The score is the share of the description's informative weight that the code explains,
damped when only one word matched: in [0, 1], and 1 only when every informative word points
to that code.
"""

from __future__ import annotations

import math
import re
from typing import Iterable

from .distance import similarity
from .model import CodeEntry

_TOKEN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Words that say nothing about which service was done (every code concerns a patient).
STOPWORDS = frozenset(
    "a an and are as at be by for from has have in into is it its of on or our per the their "
    "this to was were what when which who with patient patients code codes service services "
    "dental office done did do some".split())
_SUFFIXES = ("ations", "ation", "izing", "ising", "ing", "ed", "s")
FUZZY_MIN_LENGTH = 6
FUZZY_SIMILARITY = 0.8


def words(text: str) -> list[str]:
    """Lower-case words of a description, possessives dropped, hyphenated forms kept whole
    and also split (``x-rays`` gives ``x-rays``, ``x``, ``rays``); stopwords removed."""
    out: list[str] = []
    for token in _TOKEN.findall(text.lower().replace("\u2019", "'").replace("'s", "")):
        parts = [token, *token.split("-")] if "-" in token else [token]
        out.extend(p for p in parts if len(p) > 1 and p not in STOPWORDS)
    return list(dict.fromkeys(out))


def stem(word: str) -> str:
    """A light suffix strip so inflected forms meet (``copies``/``copy``, ``roots``/``root``)."""
    if word.endswith(("ies", "ied")) and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("es") and word[:-2].endswith(("s", "x", "ch", "sh", "z")):
        return word[:-2]
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            return word[: -len(suffix)]
    return word


def match_quality(word: str, vocabulary: set[str], stems: set[str], fuzzy: bool = True) -> float:
    """1 for an exact keyword, 0.9 for a shared stem, up to 0.7 for a near spelling, else 0."""
    if word in vocabulary:
        return 1.0
    if stem(word) in stems:
        return 0.9
    if fuzzy and len(word) >= FUZZY_MIN_LENGTH:
        best = max((similarity(word, v) for v in vocabulary if abs(len(v) - len(word)) <= 2), default=0.0)
        if best >= FUZZY_SIMILARITY:
            return round(0.7 * best, 3)
    return 0.0


def vocabulary(entry: CodeEntry) -> set[str]:
    """A code's keywords and the words of its short name."""
    found = {k.lower() for k in entry.keywords}
    found |= {w for k in entry.keywords for w in words(k)}
    return found | set(words(entry.name))


def rank(text: str, entries: Iterable[CodeEntry]) -> list[tuple[CodeEntry, float, list[str]]]:
    """(code, score, words that matched) for every code matching at least one word, best first."""
    entries = list(entries)
    query, quality = _qualities(words(text), entries)
    weight = {}
    for w in query:
        hits = sum(1 for e in entries if quality[(w, e.code)] > 0)
        weight[w] = math.log(1 + len(entries) / hits) if hits else 0.0
    informative = sum(weight.values())
    ranked = []
    for entry in entries:
        matched = [w for w in query if quality[(w, entry.code)] > 0]
        if not matched or informative == 0:
            continue
        explained = sum(quality[(w, entry.code)] * weight[w] for w in matched) / informative
        damping = 1.0 - 0.5 ** (len(matched) + 1)
        ranked.append((entry, round(min(1.0, explained * damping), 3), matched))
    ranked.sort(key=lambda r: (-r[1], r[0].code))
    return ranked


def _qualities(query: list[str], entries: list[CodeEntry]) -> tuple[list[str], dict[tuple[str, str], float]]:
    """How well each query word matches each code; parts of a hyphenated word that matched whole
    (``x-rays``) are dropped so the word is not counted twice."""
    vocabs = {e.code: vocabulary(e) for e in entries}
    stems = {code: {stem(w) for w in vocab} for code, vocab in vocabs.items()}
    quality = {(w, e.code): match_quality(w, vocabs[e.code], stems[e.code], False)
               for w in query for e in entries}
    for w in query:      # near spellings only for words no code knows as written (typos)
        if not any(quality[(w, e.code)] for e in entries):
            quality.update({(w, e.code): match_quality(w, vocabs[e.code], stems[e.code]) for e in entries})
    whole = [w for w in query if "-" in w and any(quality[(w, e.code)] for e in entries)]
    return [w for w in query if not any(w in h.split("-") for h in whole)], quality
