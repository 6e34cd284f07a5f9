""""Did you mean" for misspelled keys and enum values: a small pure function.

It shares the slip distance of engine/distance.py with the code suggestions, so a swap of two
letters (``di`` for ``id``, ``kidn`` for ``kind``) or a key pressed twice counts as the small
slip it is, and keeps difflib's ratio, which is good at longer words with a few letters off.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from .distance import similarity

CUTOFF = 0.6


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice nearest to ``word``, or None when nothing is close enough to help.

    Case and separators are ignored first (``Requester``, ``written-authorization``); then each
    choice scores the better of difflib's ratio and the slip similarity, and the best one at or
    above 0.6 wins (ties go to the alphabetically first, so the hint is stable). 0.6 keeps real
    typos and drops unrelated words.
    """
    if len(word) > 64:                  # no vocabulary word is this long; keep the hint cheap
        return None
    options = sorted(set(choices))
    folded = {_fold(c): c for c in options}
    key = _fold(word)
    if key in folded:
        return folded[key]
    best, best_score = None, CUTOFF
    for candidate in sorted(folded):
        score = max(difflib.SequenceMatcher(None, key, candidate).ratio(), similarity(key, candidate))
        if score > best_score or (best is None and score >= best_score):
            best, best_score = candidate, score
    return folded[best] if best is not None else None


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """The hint line for ``word``: ``did you mean 'x'?`` or None."""
    best = closest(word, choices)
    return f"did you mean '{best}'?" if best else None


def _fold(text: str) -> str:
    return text.strip().lower().replace("-", "_").replace(" ", "_")
