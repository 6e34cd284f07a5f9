"""Shared fixtures: the bundled knowledge base, compiled once per test session."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from engine.cli import main
from engine.kbload import load_kb
from engine.runner import Judge

REPO = Path(__file__).resolve().parent.parent
SCENARIOS = REPO / "scenarios"


@pytest.fixture(scope="session")
def kb():
    return load_kb()


@pytest.fixture(scope="session")
def judge(kb):
    with Judge(kb) as j:
        yield j


@pytest.fixture
def cli():
    """Run the CLI in-process: returns (exit code, stdout, stderr)."""
    def call(*argv: str, stdin: str | None = None) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        code = main(list(argv), out, err)
        return code, out.getvalue(), err.getvalue()
    return call


@pytest.fixture
def write(tmp_path):
    """Write a scenario file into a temp folder and return its path as text."""
    def make(text: str, name: str = "case.yaml") -> str:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return str(path)
    return make
