""""Did you mean" for misspelled keys and enum values: a small pure function."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice nearest to ``word``, or None when nothing is close enough to help.

    Case and separators are ignored first (``Requester``, ``written-authorization``), then
    difflib's ratio decides; 0.6 keeps real typos and drops unrelated words.
    """
    options = sorted(set(choices))
    folded = {_fold(c): c for c in options}
    key = _fold(word)
    if key in folded:
        return folded[key]
    found = difflib.get_close_matches(key, list(folded), n=1, cutoff=0.6)
    return folded[found[0]] if found else None


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """The hint line for ``word``: ``did you mean 'x'?`` or None."""
    best = closest(word, choices)
    return f"did you mean '{best}'?" if best else None


def _fold(text: str) -> str:
    return text.strip().lower().replace("-", "_").replace(" ", "_")
