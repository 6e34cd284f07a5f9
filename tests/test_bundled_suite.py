"""The bundled scenarios as a test suite, run both ways, and the coverage gate over the kb.

The pytest plugin already makes every bundled scenario with ``expect:`` its own test item
(pyproject's addopts); these tests check that ``cdt-companion test`` agrees with that collection,
and fail when some kb rule is no longer made to fire by any bundled scenario.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from engine.loader import load_scenarios
from engine.model import Scenario
from tests.conftest import REPO, SCENARIOS


@pytest.fixture(scope="module")
def cases() -> list[Scenario]:
    """The bundled scenario documents that carry an ``expect:`` block."""
    return [s for s in load_scenarios([str(SCENARIOS)]) if isinstance(s, Scenario) and s.expect]


def test_bundled_scenarios_carry_expectations(cases):
    assert cases, "no bundled scenario has an expect: block"


def test_cli_passes_every_bundled_scenario(cli, cases):
    code, out, _ = cli("test", str(SCENARIOS))
    last = out.splitlines()[-1]
    assert last.startswith(f"{len(cases)} passed, 0 failed"), out
    assert "error" not in last and "xfailed" not in last
    assert code == 0, out


def test_pytest_collects_each_bundled_scenario_as_its_own_item(cases):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")}
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q",
                           "-p", "no:cacheprovider", "scenarios"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    items = [line for line in done.stdout.splitlines() if "::" in line]
    expected = [f"{os.path.relpath(s.file, REPO)}::{s.id}" for s in cases]
    assert sorted(items) == sorted(expected), done.stdout + done.stderr
    assert len(set(items)) == len(items)


def test_every_rule_is_made_to_fire_by_a_bundled_scenario(cli):
    code, out, _ = cli("test", str(SCENARIOS), "--format", "json", "--coverage", "--fail-under", "100")
    coverage = json.loads(out)["coverage"]
    assert coverage["unfired"] == [], (
        f"rule coverage {coverage['fired']}/{coverage['rules']}: no bundled scenario with expect: "
        f"makes these rules fire: {', '.join(coverage['unfired'])}")
    assert coverage["percent"] == 100.0
    assert code == 0


def test_every_seed_statement_encoded_by_rules_is_exercised(cli):
    _, out, _ = cli("test", str(SCENARIOS), "--format", "json", "--coverage")
    unexercised = json.loads(out)["coverage"]["seed_unexercised"]
    assert unexercised == [], f"seed statements whose rules no scenario fires: {unexercised}"
