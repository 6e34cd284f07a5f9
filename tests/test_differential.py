"""durable_rules against the reference semantics (engine/pyeval.py): the same rules must fire.

The compiler rewrites conditions to dodge engine quirks (record tests in disjunctive normal
form, guarded field comparisons, sharding, derived facts as separate facts); a mistake in any
of that shows up here as a rule that fires in one evaluator and not the other. The scenarios:
every bundled one, and a seeded set of generated ones (vocabulary-driven and mutations of the
bundled ones) that puts numbers and dates on the knowledge base's own thresholds.
"""

from __future__ import annotations

import pytest

from engine import pyeval
from engine.enrich import asserted_fact
from engine.loader import load_scenarios, validate
from engine.model import Invalid, Scenario
from engine.yamlsource import Document
from tests.conftest import SCENARIOS
from tests.scenariogen import Generator

SEED = 20261203
GENERATED = 1000             # vocabulary-driven scenarios
MUTATED = 1000               # variants of the bundled scenarios


def _bundled() -> list[Scenario]:
    return [s for s in load_scenarios([str(SCENARIOS)]) if isinstance(s, Scenario)]


def _as_scenario(data: dict, name: str) -> Scenario:
    item = validate(Document(name, 0, 1, data, {}, {}, ()), name)
    assert not isinstance(item, Invalid), [str(d) for d in item.diagnostics]
    return item


def _generated(kb) -> list[Scenario]:
    gen = Generator(kb, SEED)
    out = [_as_scenario(gen.scenario(), f"gen-{i}") for i in range(GENERATED)]
    bases = [dict(s.facts) for s in _bundled()]
    for i in range(MUTATED):
        data = gen.mutate(gen.rng.choice(bases), gen.rng.randint(1, 4))
        out.append(_as_scenario(data, f"mut-{i}"))
    return out


def _engine_fired(judge, scenario: Scenario) -> list[str]:
    trace = judge.evaluator.evaluate(asserted_fact(scenario, judge.kb, judge.compiled.calculations))
    assert trace.error is None, trace.error
    return sorted({f.rule for f in trace.firings})


def _disagreements(judge, kb, scenarios: list[Scenario], expected: list[tuple[str, ...]] | None = None) -> list[str]:
    problems = []
    for i, scenario in enumerate(scenarios):
        engine = _engine_fired(judge, scenario)
        reference = sorted(expected[i] if expected is not None else pyeval.evaluate(scenario, kb))
        if engine != reference:
            only_engine = sorted(set(engine) - set(reference))
            only_reference = sorted(set(reference) - set(engine))
            problems.append(f"{scenario.id}: only durable_rules {only_engine}, "
                            f"only the reference {only_reference}; facts {dict(scenario.facts)}")
    return problems


def test_bundled_scenarios_agree(judge, kb):
    scenarios = _bundled()
    assert len(scenarios) >= 10
    assert _disagreements(judge, kb, scenarios) == []


@pytest.fixture(scope="module")
def generated(kb):
    return _generated(kb)


@pytest.fixture(scope="module")
def reference(kb, generated):
    """The reference's answers, computed once: they do not depend on the compiler."""
    return [pyeval.evaluate(s, kb) for s in generated]


def test_generated_scenarios_agree(judge, kb, generated, reference):
    assert len(generated) == GENERATED + MUTATED
    problems = _disagreements(judge, kb, generated, reference)
    assert problems == [], f"{len(problems)} disagreements, first: {problems[:3]}"


def test_generated_scenarios_exercise_the_rules(kb, reference):
    """The agreement above means something only if the set makes most rules fire (and not all
    rules fire on every scenario)."""
    fired_per_scenario = [set(fired) for fired in reference]
    ever = set().union(*fired_per_scenario)
    assert len(ever) >= 0.8 * len(kb.rules), sorted(r.id for r in kb.rules if r.id not in ever)
    assert min(len(f) for f in fired_per_scenario) < max(len(f) for f in fired_per_scenario)


def test_reference_chains_derived_facts(kb):
    """Rules that need a derived fact fire in the reference only after the rule deriving it."""
    chained = [r for r in kb.rules if any(c.op == "derived" for c in r.when.children)]
    assert chained, "the knowledge base has no rule that needs a derived fact"
    scenarios = _bundled()
    fired = set().union(*(set(pyeval.evaluate(s, kb)) for s in scenarios))
    assert fired & {r.id for r in chained}, "no bundled scenario fires a chained rule"


@pytest.mark.parametrize("sabotage", ["gte-as-gt", "no-field-guard"])
def test_a_planted_compiler_fault_is_caught(monkeypatch, kb, generated, reference, sabotage):
    """The generated set is strong enough to expose a boundary slip or a missing guard."""
    from engine import compiler
    from engine.runner import Judge
    if sabotage == "gte-as-gt":
        monkeypatch.setitem(compiler._CMP, "gte", "$gt")
        monkeypatch.setitem(compiler._CMP, "lte", "$lt")
    else:
        original = compiler._leaf

        def unguarded(cond, path, calcs, prefix):
            test = original(cond, path, calcs, prefix)
            return test["$and"][-1] if isinstance(cond.value, dict) else test
        monkeypatch.setattr(compiler, "_leaf", unguarded)
    with Judge(kb) as broken:
        assert _disagreements(broken, kb, generated, reference)
