"""Text from a scenario that reaches a message is shown escaped: a lone surrogate once crashed
the output (losing every later input) and terminal escapes in keys were echoed raw."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.errors import Diagnostic

ROOT = Path(__file__).resolve().parent.parent
GOOD = '{"id": "after", "procedure": {"code": "D9961"}}'
HOSTILE = {
    "surrogate key": '{"id": "a", "procedure": {"code": "D9961"}, "\\ud800": 1}',
    "surrogate list item": '{"id": "a", "procedure": {"code": "D9961"}, "claim": {"status": "denied", '
                           '"denial_reasons": ["\\udc00x"]}}',
    "surrogate expect": '{"id": "a", "procedure": {"code": "D9961"}, "expect": {"fired": ["\\ud800"]}}',
    "escape key": '{"id": "a", "procedure": {"code": "D9961"}, "\\u001b[2J\\u001b]0;pwned\\u0007x": 1, '
                  '"a\\u202eb": 2}',
    "escape expect": '{"id": "a", "procedure": {"code": "D9961"}, "expect": {"findings": '
                     '[{"topic": "\\u001b[31mred"}]}}',
}
RAW = ("\x1b", "\x07", "\u202e")


@pytest.mark.parametrize("command", ["run", "test"])
@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_text_is_escaped_and_the_batch_goes_on(tmp_path: Path, case: str, command: str) -> None:
    path = tmp_path / "h.jsonl"
    path.write_text(HOSTILE[case] + "\n" + GOOD + "\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "engine", command, str(path), "--format", "jsonl"]
                          if command == "run" else [sys.executable, "-m", "engine", command, str(path)],
                          capture_output=True, cwd=ROOT, timeout=120)
    out, err = done.stdout.decode("utf-8"), done.stderr.decode("utf-8")
    assert done.returncode in (0, 1, 2), err          # 2: a document could not be evaluated
    assert "Traceback" not in err and "internal error" not in err
    assert not any(c in out + err for c in RAW), (out + err)[:500]
    if command == "run":
        lines = [json.loads(line) for line in out.splitlines()]
        assert [r["scenario"] for r in lines] == ["a", "after"]
        assert lines[1]["verdict"] and not lines[1]["error"]


def test_a_diagnostic_escapes_what_would_garble_a_terminal() -> None:
    diag = Diagnostic("f\x1b.yaml", 1, 1, "unknown key '\x1b[2J\ud800'", "did you mean '\u202eb'?")
    assert str(diag) == "f\\x1b.yaml:1:1: error: unknown key '\\x1b[2J\\ud800'\ndid you mean '\\u202eb'?"
    assert Diagnostic("f.yaml", 2, 3, "plain 'text'\twith a tab") == Diagnostic("f.yaml", 2, 3, "plain 'text'\twith a tab")
