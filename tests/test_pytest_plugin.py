"""engine/pytest_plugin.py: scenario documents with expect: become pytest items.

Each test builds a small project in a temp folder and runs ``python -m pytest`` on it in a
subprocess (a fresh pytest, as a user would run it), judged by the fixture kb so the outcome
does not move with the bundled kb.
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

import pytest

from engine.pytest_plugin import is_scenario_file

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
CASES = FIXTURES / "suite_cases"
KB_INI = (f"cdt_kb = {FIXTURES / 'suite_kb' / 'kb'}\n"
          f"cdt_facts = {FIXTURES / 'suite_kb' / 'facts'}\n")


def run_pytest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    env.pop("PYTEST_ADDOPTS", None)
    env.pop("PYTEST_PLUGINS", None)
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
                          cwd=project, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with the fixture cases under scenarios/ and malformed YAML elsewhere."""
    (tmp_path / "scenarios").mkdir()
    for name in ("passing.yaml", "internal.yaml", "broken.yaml"):
        (tmp_path / "scenarios" / name).write_text((CASES / name).read_text())
    (tmp_path / "fixtures").mkdir()
    (tmp_path / "fixtures" / "malformed.yaml").write_text("key: [unclosed\n  - : :\n")
    (tmp_path / "pytest.ini").write_text("[pytest]\naddopts = -p engine.pytest_plugin\n" + KB_INI)
    return tmp_path


def test_collect_only_lists_each_scenario_as_its_own_item(project):
    done = run_pytest(project, "--collect-only", "-q")
    items = [line for line in done.stdout.splitlines() if "::" in line]
    assert items == [
        "scenarios/broken.yaml::broken-expectation",
        "scenarios/internal.yaml::internal-bad",
        "scenarios/passing.yaml::outside-ok",
        "scenarios/passing.yaml::known-gap",
    ], done.stdout + done.stderr
    assert "malformed" not in done.stdout + done.stderr
    assert done.returncode == 0


def test_failure_shows_the_difference_and_why_not_and_xfail_is_xfail(project):
    done = run_pytest(project, "-q", "-rfx")
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    assert "1 failed, 2 passed, 1 xfailed" in out
    assert "FAIL broken-expectation (scenarios/broken.yaml:2)" in out
    assert "rule demo-fits to fire (it did not)" in out
    assert "rule demo-fee-charged fired (expected not to)" in out
    assert "[NOT met] service.kind is records_duplication  (seen: consultation)" in out
    assert "XFAIL scenarios/passing.yaml::known-gap" in out
    assert "todo: the fixture kb cannot tell this case apart yet" in out


def test_items_report_the_documents_real_file_and_line(project):
    report = project / "junit.xml"
    run_pytest(project, "-q", f"--junitxml={report}", "-o", "junit_family=xunit1")
    cases = {c.get("name"): c for c in ET.parse(report).getroot().iter("testcase")}
    # pytest writes reportinfo()'s 0-based line; the documents start on lines 4, 15, 1 and 2.
    assert {n: (c.get("file"), c.get("line")) for n, c in cases.items()} == {
        "outside-ok": ("scenarios/passing.yaml", "3"),
        "known-gap": ("scenarios/passing.yaml", "14"),
        "internal-bad": ("scenarios/internal.yaml", "0"),
        "broken-expectation": ("scenarios/broken.yaml", "1"),
    }


def test_same_id_in_two_files_fails_the_second(project):
    (project / "scenarios" / "zz-copy.yaml").write_text((CASES / "internal.yaml").read_text())
    done = run_pytest(project, "-q", "scenarios/internal.yaml", "scenarios/zz-copy.yaml")
    assert "1 failed, 1 passed" in done.stdout, done.stdout
    assert "scenario id 'internal-bad' is already used at scenarios/internal.yaml:1" in done.stdout


def test_ini_option_chooses_the_files(project):
    (project / "cases").mkdir()
    (project / "cases" / "one.yaml").write_text((CASES / "internal.yaml").read_text())
    (project / "pytest.ini").write_text("[pytest]\naddopts = -p engine.pytest_plugin\n"
                                        "cdt_scenarios = cases/**/*.yaml\n" + KB_INI)
    done = run_pytest(project, "--collect-only", "-q")
    items = [line for line in done.stdout.splitlines() if "::" in line]
    assert items == ["cases/one.yaml::internal-bad"], done.stdout + done.stderr


def test_invalid_kb_fails_items_with_its_diagnostics(project, tmp_path_factory):
    broken_kb = tmp_path_factory.mktemp("kb")
    (broken_kb / "bad.yaml").write_text("rules:\n  - id: no-source\n    title: t\n")
    (project / "pytest.ini").write_text(
        "[pytest]\naddopts = -p engine.pytest_plugin\n"
        f"cdt_kb = {broken_kb}\ncdt_facts = {FIXTURES / 'suite_kb' / 'facts'}\n")
    done = run_pytest(project, "-q", "scenarios/internal.yaml")
    assert done.returncode == 1
    assert "the knowledge base is invalid" in done.stdout
    assert "Traceback" not in done.stdout


def _config(root: Path, scenarios: list[str], plugins: list[str]) -> SimpleNamespace:
    return SimpleNamespace(rootpath=root, option=SimpleNamespace(plugins=plugins),
                           getini=lambda name: scenarios)


@pytest.mark.parametrize("rel, patterns, plugins, wanted", [
    ("scenarios/a.yaml", [], ["engine.pytest_plugin"], True),
    ("kb/scenarios/deep/a.yaml", [], ["engine.pytest_plugin"], True),
    ("tests/fixtures/bad.yaml", [], ["engine.pytest_plugin"], False),
    ("scenarios.yaml", [], ["engine.pytest_plugin"], False),
    ("scenarios/a.yaml", [], [], False),             # loaded by entry point only: inert
    ("cases/a.yaml", ["cases"], [], True),
    ("cases/x/a.yaml", ["cases/**/*.yaml"], [], True),
    ("cases/a.yaml", ["cases/**/*.yaml"], [], True),
    ("scenarios/a.yaml", ["cases"], ["engine.pytest_plugin"], False),
])
def test_which_files_are_scenarios(tmp_path, monkeypatch, rel, patterns, plugins, wanted):
    monkeypatch.delenv("PYTEST_PLUGINS", raising=False)
    assert is_scenario_file(_config(tmp_path, patterns, plugins), tmp_path / rel) is wanted


def test_entry_point_is_named_like_the_module():
    # pytest skips an entry point whose name is already registered; with any other name the
    # installed entry point and `-p engine.pytest_plugin` would register the module twice.
    import tomllib
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert project["project"]["entry-points"]["pytest11"] == {"engine.pytest_plugin": "engine.pytest_plugin"}
    ini = project["tool"]["pytest"]["ini_options"]
    assert "-p engine.pytest_plugin" in ini["addopts"] and "scenarios" in ini["testpaths"]
