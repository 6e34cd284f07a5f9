"""What a terminal gets that a pipe does not: colour and a progress line.

Colour is for a person at a terminal only: never when the output is a file or a pipe, and never
when ``NO_COLOR`` is set to anything non-empty (https://no-color.org). Progress goes to standard
error, only when that is a terminal and the batch is long enough to wait for, and it erases
itself, so what a program reads from standard output is the same with or without it.
"""

from __future__ import annotations

import os
from typing import Mapping, TextIO

RESET = "\033[0m"
STYLES = {
    "appropriate": "\033[32m",      # green
    "inappropriate": "\033[1;31m",  # bold red
    "needs-review": "\033[33m",     # yellow
    "not evaluated": "\033[1;31m",
    "error": "\033[31m",
    "warning": "\033[33m",
    "info": "\033[36m",             # cyan
}
PROGRESS_FROM = 20   # batches shorter than this finish before a progress line helps


def is_terminal(stream: TextIO) -> bool:
    """True for an interactive terminal; False for files, pipes and in-memory streams."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):   # no isatty, or a closed stream
        return False


def wants_color(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set."""
    env = os.environ if environ is None else environ
    return not env.get("NO_COLOR") and is_terminal(stream)


def paint(text: str, style: str, color: bool) -> str:
    """``text`` in the colour named by ``style`` (a verdict or severity), or as is."""
    code = STYLES.get(style)
    return f"{code}{text}{RESET}" if color and code else text


class Progress:
    """``[n/total] scenario`` on one standard-error line, rewritten in place, then erased."""

    def __init__(self, stream: TextIO, total: int, enabled: bool = True) -> None:
        self.stream, self.total = stream, total
        self.on = enabled and total >= PROGRESS_FROM and is_terminal(stream)
        self.width = 0

    def step(self, done: int, label: str) -> None:
        if not self.on:
            return
        line = f"[{done}/{self.total}] {label}"[:78]
        self.stream.write("\r" + line.ljust(self.width))
        self.stream.flush()
        self.width = len(line)

    def clear(self) -> None:
        """Erase the progress line so the terminal shows only the real output."""
        if self.on and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.width = 0
