"""The command line: parse arguments, call the pure core, pick a formatter, map results to an
exit code (0 clean, 1 an error finding or inappropriate verdict, 2 bad input or usage).

Only this module prints or exits.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from importlib import import_module
from typing import Any, Sequence, TextIO

from . import __version__
from .errors import CdtError, KnowledgeBaseError, UsageError



class _HelpFormatter(argparse.HelpFormatter):
    """Wraps prose to the terminal, but prints example lines exactly as written.

    An example is a command to copy; wrapping it split ``fee-above-state-cap`` at its hyphen
    and ``--junit report.xml`` from its value. Lines starting with ``example:`` and the indented
    lines after them are kept; the other lines of a text are joined and filled as usual.
    """

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        blocks: list[str] = []
        prose: list[str] = []
        for line in text.splitlines():
            if line.startswith("example:") or (line[:1].isspace() and not prose):
                if prose:
                    blocks.append(super()._fill_text(" ".join(prose), width, indent))
                    prose = []
                blocks.append(indent + line)
            else:
                prose.append(line.strip())
        if prose:
            blocks.append(super()._fill_text(" ".join(prose), width, indent))
        return "\n".join(blocks)


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as :class:`UsageError` (exit 2), never exiting itself."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


class _CommandParser(_Parser):
    """A command's parser: options may come between paths (``run a.yaml --jobs 2 b.yaml``).

    The subcommand action calls ``parse_known_args``; it is routed to argparse's intermixed
    parsing, which itself calls ``parse_known_args`` twice (options first, then positionals).
    The flag sends those inner calls to the plain parser. After ``--`` the plain parser is used
    too: Python 3.11's intermixed parsing drops the ``--`` and then reads ``-a.yaml`` as an option.
    """

    _mixing = False

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:  # type: ignore[override]
        if self._mixing or (args is not None and "--" in args):
            return super().parse_known_args(args, namespace)
        self._mixing = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._mixing = False


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="cdt-companion", description="Judge CDT D9961 claim lines against a "
                     "declarative knowledge base.", epilog="example: cdt-companion run scenarios/ --format jsonl")
    parser.add_argument("--version", action="version", version=f"cdt-companion {__version__}")
    common = _Parser(add_help=False)
    common.add_argument("--kb", help="folder of rule files (default: the bundled kb/)")
    common.add_argument("--facts", help="folder of reference facts (default: the bundled facts/)")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_CommandParser)
    for name in COMMAND_MODULES:
        import_module(f"engine.commands.{name}").register(sub, common)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run one command; return its exit code (the console script exits with it)."""
    err = err or sys.stderr or open(os.devnull, "w")
    out = out or sys.stdout
    if out is None:                       # started with standard output closed
        err.write("error: standard output is closed\n")
        return 2
    for stream in (out, err):             # a lone surrogate in a scenario's text must not end
        if isinstance(stream, io.TextIOWrapper):          # the batch at the first write of it
            stream.reconfigure(errors="backslashreplace")
    try:
        args = build_parser().parse_args(argv)
        return args.handler(args, out, err)
    except KnowledgeBaseError as problem:
        err.write("the knowledge base is invalid:\n" + str(problem) + "\n")
        return 2
    except UsageError as problem:
        err.write(f"error: {problem}\n")
        return 2
    except CdtError as problem:
        err.write(f"error: {problem}\n")
        return 2
    except KeyboardInterrupt:
        err.write("interrupted\n")
        return 130
    except BrokenPipeError:
        return _reader_left(out)
    except OSError as problem:            # e.g. writing to a full disk
        err.write(f"error: cannot write the output: {problem.strerror or problem}\n")
        return 2
    except Exception as problem:          # a bug of ours: say so plainly, never a traceback
        err.write(f"error: internal error ({type(problem).__name__}: {problem}); "
                  "please report it with the input that caused it\n")
        return 2


def _reader_left(out: TextIO) -> int:
    """The reader of our output went away (``run ... | head``): stop quietly, as ``cat`` does.

    Standard output is pointed at /dev/null so the interpreter's final flush cannot raise again.
    """
    try:
        if out is sys.stdout:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return 141                        # 128 + SIGPIPE, what a shell reports for a broken pipe


# One module per command under engine/commands/; each has ``register(sub, common)`` that adds
# its parser and sets ``handler``. Order here is the order of ``--help``.
COMMAND_MODULES = ("run", "test", "explain", "suggest", "codes", "rules", "check", "graph", "schema")
