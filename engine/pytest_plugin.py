"""A pytest plugin: every scenario document with an ``expect:`` block becomes one test item.

The item is named by the scenario id, reports the document's real file and line, and on failure
prints the same difference and why-not as ``cdt-companion test`` (both go through
:mod:`engine.suite` and :mod:`engine.testreport`). A new scenario file is tested without
editing Python.

Which YAML files are scenarios:

* the ``cdt_scenarios`` ini option, when set: paths or globs relative to the rootdir
  (``scenarios``, ``cases/**/*.yaml``); only matching files are read;
* otherwise, when the plugin was asked for by name (``-p engine.pytest_plugin``), YAML files
  inside a folder named ``scenarios``;
* otherwise nothing. Installing the package registers the plugin for every project (a
  ``pytest11`` entry point), so it stays inert until a project opts in; other YAML (fixtures,
  CI files, deliberately broken test inputs) is never read.

``cdt_kb`` / ``cdt_facts`` point at another knowledge base (default: the bundled one). The
knowledge base is loaded and compiled once per session.
"""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path
from typing import Any, Iterator

import pytest

PLUGIN = "engine.pytest_plugin"
SUFFIXES = (".yaml", ".yml")
DEFAULT_FOLDER = "scenarios"
_GLOB_CHARS = set("*?[")
_STATE = pytest.StashKey[dict[str, Any]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("cdt_scenarios", type="linelist", default=[],
                  help="cdt-companion: scenario files, folders or globs (relative to the rootdir) "
                  "to collect as tests")
    parser.addini("cdt_kb", default="", help="cdt-companion: folder of rule files (default: bundled kb)")
    parser.addini("cdt_facts", default="", help="cdt-companion: folder of reference facts (default: bundled)")


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_STATE] = {"judge": None, "error": None, "ids": {}}


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(_STATE, None)
    if state and state["judge"] is not None:
        state["judge"].close()
        state["judge"] = None


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix in SUFFIXES and is_scenario_file(parent.config, file_path):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


def is_scenario_file(config: pytest.Config, path: Path) -> bool:
    """Whether ``path`` is one of the configured scenario files (see the module docstring)."""
    rel = _relative(config, path)
    patterns = [p.strip() for p in config.getini("cdt_scenarios") if p.strip()]
    if patterns:
        return any(_matches(rel, p) for p in patterns)
    if _asked_for_by_name(config):
        return DEFAULT_FOLDER in Path(rel).parts[:-1]
    return False


def _asked_for_by_name(config: pytest.Config) -> bool:
    named = list(getattr(config.option, "plugins", None) or [])
    named += os.environ.get("PYTEST_PLUGINS", "").split(",")
    return PLUGIN in (n.strip() for n in named)


def _relative(config: pytest.Config, path: Path) -> str:
    try:
        return path.resolve().relative_to(config.rootpath.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _matches(rel: str, pattern: str) -> bool:
    pattern = pattern.rstrip("/")
    if not _GLOB_CHARS & set(pattern):
        return rel == pattern or rel.startswith(pattern + "/")
    # fnmatch's * already crosses "/"; "**/" must also match no folder at all.
    return fnmatch.fnmatchcase(rel, pattern) or fnmatch.fnmatchcase(rel, pattern.replace("**/", ""))


class ScenarioFailure(Exception):
    """A scenario did not meet its expectations; carries the outcome for ``repr_failure``."""

    def __init__(self, outcome: Any) -> None:
        super().__init__(outcome.scenario)
        self.outcome = outcome


class ScenarioFile(pytest.File):
    """A YAML file of scenario documents; yields one item per document with ``expect:``."""

    def collect(self) -> Iterator[pytest.Item]:
        from .loader import mark_duplicate_ids, scenarios_from_documents
        from .suite import is_case
        from .yamlsource import read_file

        display = _relative(self.config, self.path)
        items = mark_duplicate_ids(scenarios_from_documents(read_file(str(self.path), display)))
        names: set[str] = set()
        for case in items:
            if not is_case(case):
                continue
            case = _claim_id(self.config, case)
            name = case.id if case.id not in names else f"{case.id}@{case.line}"
            names.add(name)
            yield ScenarioItem.from_parent(self, name=name, case=case)


def _claim_id(config: pytest.Config, case: Any) -> Any:
    """A scenario id already used in another file of this session makes this case an error."""
    from .errors import Diagnostic
    from .model import Invalid, Scenario

    seen: dict[str, str] = config.stash[_STATE]["ids"]
    where = f"{case.file}:{case.line}"
    first = seen.setdefault(case.id, where)
    if first == where or not isinstance(case, Scenario):
        return case
    problem = Diagnostic(case.file, case.line, 1, f"scenario id '{case.id}' is already used at {first}")
    return Invalid(case.id, case.file, case.index, case.line, (problem,))


class ScenarioItem(pytest.Item):
    """One scenario checked against its ``expect:`` block."""

    def __init__(self, *, case: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case

    def runtest(self) -> None:
        from .expectations import PASSED, XFAILED
        from .suite import outcome

        result = outcome(shared_judge(self.config), self.case)
        if result.status == XFAILED:
            pytest.xfail(f"todo: {result.todo}")
        if result.status != PASSED:
            raise ScenarioFailure(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        from .errors import KnowledgeBaseError
        from .testreport import detail_text, headline

        if isinstance(excinfo.value, ScenarioFailure):
            found = excinfo.value.outcome
            return headline(found) + "\n" + detail_text(found).rstrip("\n")
        if isinstance(excinfo.value, KnowledgeBaseError):
            return "the knowledge base is invalid:\n" + str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.case.line - 1, f"scenario {self.case.id}"


def shared_judge(config: pytest.Config) -> Any:
    """The session's one :class:`Judge`; an invalid kb fails every item with its diagnostics."""
    from .kbload import load_kb
    from .errors import KnowledgeBaseError
    from .runner import Judge

    state = config.stash[_STATE]
    if state["error"] is not None:
        raise state["error"]
    if state["judge"] is None:
        kb_dir, facts_dir = (_ini_path(config, name) for name in ("cdt_kb", "cdt_facts"))
        try:
            state["judge"] = Judge(load_kb(kb_dir, facts_dir))
        except KnowledgeBaseError as problem:
            state["error"] = problem
            raise
    return state["judge"]


def _ini_path(config: pytest.Config, name: str) -> str | None:
    value = str(config.getini(name) or "").strip()
    return str(config.rootpath / value) if value else None
