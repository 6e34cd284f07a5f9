"""The memos of scenario suggestions against the plain ranking they stand for.

suggest.for_scenario remembers, per kb, the candidates for a code as written, a service kind
and the hints, and the ranking for each outcome of the candidates' own rules; rulefit.own_rules
remembers each outcome by exactly the fact values those rules read. Each memo is compared here
with the algorithm as first written (every catalog code weighed, every candidate re-judged with
no memo) on the bundled scenarios, the spec's examples and generated ones for both kbs, twice
over so the second pass answers from warm memos, and on pairs of scenarios that differ in one
fact so a key that is too coarse shows up as a wrong answer.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
from pathlib import Path
from typing import Any, Iterable, Mapping

import pytest

from engine import rulefit, suggest
from engine.conditions import derived_names, fact_paths
from engine.enrich import normalize_code
from engine.kbload import load_kb
from engine.loader import load_scenarios
from engine.model import Condition, KnowledgeBase, Scenario, Suggestion
from engine.runner import Judge
from tests.conftest import REPO, SCENARIOS
from tests.test_explain_fast import KB20, _from_jsonl, _vocabulary_driven, gen, ref_own_rules

EXAMPLES = REPO.parent / "shared" / "spec" / "examples"
# Codes billed in place of the scenario's own: look-alikes, other services, typos, a deleted
# code, a guessed prefix, one the catalog lacks.
WRITTEN = ("D9910", "D9920", "D9110", "D996", "D9916", "9961", "D9940", "D9999", "d-9961", "D1234")


# ---------------------------------------------------------------- the reference

def ref_for_scenario(written: str, facts: Mapping[str, Any], kb: KnowledgeBase,
                     hinted: Iterable[str] = ()) -> list[Suggestion]:
    """for_scenario as first written: every current code weighed, every candidate re-judged."""
    service = (facts.get("service") or {}).get("kind") if isinstance(facts.get("service"), Mapping) else None
    written = str(written)
    clean, _ = suggest.clean_code(written)
    read_as = normalize_code(written)[0]
    # A scenario about records copies (a request or records, no clinical service) is offered
    # no clinical code.
    clinical_kinds = {e.service_kind for e in kb.codes.values() if e.nature == "clinical" and e.service_kind}
    records = bool(facts.get("request") or facts.get("records")) and service not in clinical_kinds
    if service is None:
        ranked = [s for s in suggest._by_code(written, kb)
                  if not (records and kb.codes[s.code].nature == "clinical")]
        ranked.sort(key=lambda s: (-s.score, s.code))
        return [s for s in ranked[:suggest.MAX_SUGGESTIONS] if s.code != read_as]
    billed = kb.codes.get(clean)
    successors = {s.code for s in suggest._successors(written, kb)} if billed and billed.removed else set()
    hints = set(hinted)
    current = [kb.codes[c] for c in sorted(kb.codes) if kb.codes[c].removed is None]
    ranked = []
    for entry in current:
        if records and entry.nature == "clinical":
            continue
        fits = entry.service_kind == service
        string = suggest.code_similarity(written, entry.code) if read_as not in kb.codes else 0.0
        string = string if string >= suggest.MIN_CODE_SIMILARITY else 0.0
        named = entry.code in hints or entry.code in successors
        if (entry.code == read_as and fits) or not (fits or string or named):
            continue
        verdict, rule_ids = ref_own_rules(entry.code, facts, kb)
        if verdict == "rejected" or not (fits or named or verdict == "accepted"):
            continue
        successor = entry.code in successors
        closeness = 1.0 if successor else suggest.graph.proximity(kb, clean).get(entry.code, 0.0)
        stands_in = fits or (successor and entry.service_kind in (None, service))
        signals = suggest._Signals(fits, stands_in, verdict, tuple(rule_ids), closeness, string,
                                   entry.code in hints, successor)
        reason = suggest._scenario_reason(entry, written, clean, service, signals, billed)
        ranked.append(Suggestion(entry.code, entry.name, signals.score, reason))
    ranked.sort(key=lambda s: (-s.score, s.code))
    return ranked[:suggest.MAX_SUGGESTIONS]


# ---------------------------------------------------------------- the scenarios

@pytest.fixture(scope="module")
def kb20() -> KnowledgeBase:
    return load_kb(KB20)


def _loaded(path: Path) -> list[Scenario]:
    return [s for s in load_scenarios([str(path)]) if isinstance(s, Scenario)]


@pytest.fixture(scope="module")
def cases(kb, kb20, tmp_path_factory) -> list[tuple[str, KnowledgeBase, list[Scenario]]]:
    tmp = tmp_path_factory.mktemp("suggest")
    bundled = _loaded(SCENARIOS)
    examples = _loaded(EXAMPLES) if EXAMPLES.is_dir() else []
    out = []
    for name, one in (("bundled kb", kb), ("kb20", kb20)):
        out += [(f"bundled/{name}", one, bundled),
                (f"generated/{name}", one, _from_jsonl(tmp, gen.scenarios(200, seed=len(out) + 5), name)),
                (f"vocabulary/{name}", one, _vocabulary_driven(one)[:200])]
        if examples:
            out.append((f"examples/{name}", one, examples))
    return out


def _hints(judge: Judge, scenario: Scenario) -> list[str]:
    """The codes the fired rules name, as the runner passes them."""
    _, judgement = judge.trace(scenario)
    fired = judgement.fired if judgement is not None else ()
    return [c for rid in fired for c in (judge.kb.rule(rid).suggest if judge.kb.rule(rid) else ())]


# ---------------------------------------------------------------- rankings

def test_rankings_match_the_plain_algorithm_cold_and_warm(cases):
    for name, kb, scenarios in cases:
        rulefit._PER_KB.clear()
        with Judge(kb) as judge:
            work = [(s, _hints(judge, s)) for s in scenarios]
        offered = 0
        for _ in range(2):                          # the second pass answers from the memos
            for i, (scenario, hints) in enumerate(work):
                for written in (str(scenario.facts["procedure"]["code"]), WRITTEN[i % len(WRITTEN)]):
                    fast = suggest.for_scenario(written, scenario.facts, kb, hints)
                    assert fast == ref_for_scenario(written, scenario.facts, kb, hints), \
                        (name, scenario.id, written)
                    offered += bool(fast)
        assert offered > len(work) / 2, name        # the comparison saw rankings, not just empties


def test_runner_suggestions_match_the_plain_algorithm(cases):
    for name, kb, scenarios in cases:
        with Judge(kb) as judge:
            for scenario in scenarios:
                result = judge.result(scenario)
                code = str(scenario.facts["procedure"]["code"])
                if result.suggestions:
                    assert list(result.suggestions) == ref_for_scenario(
                        code, scenario.facts, kb, _hints(judge, scenario)), (name, scenario.id)


def _base(kb: KnowledgeBase) -> dict[str, Any]:
    """A copy made for an attorney, billed as a look-alike: D9961 is a candidate on both kbs."""
    return {"date_of_service": "2025-03-04", "state": "NY",
            "procedure": {"code": "D9910", "fee": 25},
            "service": {"kind": "records_duplication"},
            "request": {"requester": "attorney", "purpose": "legal", "received": "2025-03-01",
                        "written_authorization": True},
            "records": [{"kind": "radiographs", "form": "copy", "medium": "electronic", "count": 4}],
            "billing": {"patient_informed_in_advance": True, "billed_to": "requester"}}


def _variant(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    *parents, last = path.split(".")
    at: Any = out
    for part in parents:
        at = at[int(part)] if isinstance(at, list) else at.setdefault(part, {})
    if isinstance(at, list):
        at[int(last)] = value
    else:
        at[last] = value
    return out


RELEVANT = [("records.0.form", "original"), ("request.requester", "practice_itself"),
            ("request.purpose", "backup"), ("service.kind", "desensitizing_medicament"),
            ("date_of_service", "1999-03-04"), ("records", []),
            ("records", [{"kind": "chart", "form": "copy", "medium": "paper", "count": 4},
                         {"kind": "chart", "form": "original", "medium": "paper", "count": 1}]),
            ("request.requester", "patient"), ("claim", {"status": "denied", "denial_reasons": [16]})]
IRRELEVANT = [("procedure.fee", 120), ("state", "CA"), ("billing.billed_to", "patient"),
              ("records.0.count", 80), ("records.0.medium", "paper")]


@pytest.mark.parametrize("kb_name", ["bundled", "kb20"])
def test_a_memo_hit_never_answers_for_a_scenario_one_fact_away(kb, kb20, kb_name):
    """After the base scenario warms the memos, each variant with one fact changed that the
    candidates' rules read is ranked as the plain algorithm ranks it, and some rank otherwise;
    a change to a fact no coding rule reads reuses the memo (same key) and the same answer."""
    one = kb if kb_name == "bundled" else kb20
    base = _base(one)
    rulefit._PER_KB.clear()
    first = suggest.for_scenario("D9910", base, one)
    assert first == ref_for_scenario("D9910", base, one) and first
    base_key = rulefit.fit_key("D9961", base, one)
    changed = 0
    for path, value in RELEVANT:
        facts = _variant(base, path, value)
        for written in ("D9910", "D9916", "D9940"):
            suggest.for_scenario(written, base, one)                       # warm for this code
            assert suggest.for_scenario(written, facts, one) == ref_for_scenario(written, facts, one), \
                (path, value, written)
        if rulefit.fit_key("D9961", facts, one) != base_key:
            changed += rulefit.own_rules("D9961", facts, one) != rulefit.own_rules("D9961", base, one)
        else:
            assert rulefit.judge_as_billed("D9961", facts, one) == rulefit.judge_as_billed("D9961", base, one)
    assert changed >= 3, changed
    for path, value in IRRELEVANT:
        facts = _variant(base, path, value)
        assert rulefit.fit_key("D9961", facts, one) == base_key, path
        assert suggest.for_scenario("D9910", facts, one) == first == ref_for_scenario("D9910", facts, one)


@pytest.mark.parametrize("kb_name", ["bundled", "kb20"])
@pytest.mark.parametrize("date", [20250304, "abcd-03-04", ["2025"], {"y": 1}, "", None, "2025"])
def test_a_date_of_service_with_no_year_fails_as_it_did(kb, kb20, kb_name, date):
    """kb20's coding rules never read the year, but re-judging a candidate still reads one
    from the date of service: a scenario whose date has none must fail (or not) as before,
    not be answered from a memo warmed by a good date."""
    one = kb if kb_name == "bundled" else kb20
    suggest.for_scenario("D9910", _base(one), one)
    facts = _variant(_base(one), "date_of_service", date)

    def outcome(call: Any) -> Any:
        try:
            return call()
        except Exception as err:
            return repr(err)
    fast = outcome(lambda: suggest.for_scenario("D9910", facts, one))
    assert fast == outcome(lambda: ref_for_scenario("D9910", facts, one))
    assert isinstance(fast, str) == (date not in ("", None, "2025"))


@pytest.mark.parametrize("kb_name", ["bundled", "kb20"])
def test_a_scenario_about_records_is_another_plan(kb, kb20, kb_name):
    """Whether the scenario is about records copies decides if clinical codes are offered, so
    a plan warmed by the records scenario must not answer for the same code without them."""
    one = kb if kb_name == "bundled" else kb20
    with_records = _base(one)
    without = {k: v for k, v in with_records.items() if k not in ("request", "records")}
    answers = []
    for facts in (with_records, without, with_records):
        fast = suggest.for_scenario("D9940", facts, one)        # deleted: clinical successors
        assert fast == ref_for_scenario("D9940", facts, one)
        answers.append([s.code for s in fast])
    assert answers[0] == answers[2] != answers[1]
    assert any(one.codes[c].nature == "clinical" for c in answers[1])
    assert not any(one.codes[c].nature == "clinical" for c in answers[0])


@pytest.mark.parametrize("kb_name", ["bundled", "kb20"])
def test_other_hints_are_another_plan(kb, kb20, kb_name):
    """The same code and service with other codes named by fired rules rank afresh."""
    one = kb if kb_name == "bundled" else kb20
    facts = _base(one)
    rankings = []
    for hints in ((), ("D9986",), ("D9986", "D9986"), ("D9990", "D9986"), ()):
        fast = suggest.for_scenario("D9910", facts, one, hints)
        assert fast == ref_for_scenario("D9910", facts, one, hints), hints
        rankings.append(fast)
    assert rankings[0] != rankings[1] == rankings[2] != rankings[3] and rankings[0] == rankings[4]


# ---------------------------------------------------------------- the own-rules key

def test_equal_keys_mean_equal_plain_judgements(cases):
    """Scenarios that share a key are judged alike by the plain algorithm, for every code."""
    for name, kb, scenarios in cases:
        for code in sorted(kb.codes):
            seen: dict[Any, tuple[str, list[str]]] = {}
            for scenario in scenarios:
                plain = rulefit.judge_as_billed(code, scenario.facts, kb)
                assert plain == ref_own_rules(code, scenario.facts, kb), (name, scenario.id, code)
                assert rulefit.own_rules(code, scenario.facts, kb) == plain, (name, scenario.id, code)
                key = rulefit.fit_key(code, scenario.facts, kb)
                if key is not None:
                    assert seen.setdefault(key, plain) == plain, (name, scenario.id, code)
            assert len(seen) < len(scenarios) or len(scenarios) < 20, (name, code)   # keys do repeat


def test_the_key_tells_values_of_other_types_apart(kb):
    base = _base(kb)
    keys = [rulefit.fit_key("D9961", _variant(base, "records.0.form", v), kb)
            for v in (True, 1, 1.0, "1", None, [1], {"a": 1})]
    assert len(set(keys)) == len(keys)


def test_the_key_covers_every_path_the_rules_read(kb, kb20):
    """What the key reads, set against conditions.fact_paths of the same rules."""
    for one in (kb, kb20):
        for code in sorted(one.codes):
            rules, reads_derived = rulefit._coding_rules(one, code)
            wanted = {n for r in rules for n in derived_names(r.when)}
            for _ in one.rules:                      # enough rounds for any chain of derivations
                wanted |= {n for r in one.rules if set(r.derive) & wanted for n in derived_names(r.when)}
            conditions = [r.when for r in rules] + [r.when for r in one.rules if set(r.derive) & wanted]
            assert bool(wanted) == reads_derived
            paths = {p for c in conditions for p in fact_paths(c)}
            reads = rulefit._reads(one, code)
            fields = {p[len("records[]."):] for p in paths if p.startswith("records[].")}
            plain = {p for p in paths if not p.startswith(("records[].", "code.", "procedure.code"))
                     and p != "records"}
            assert set(reads.paths) == plain, code
            assert set(reads.record_fields or ()) == fields, code
            assert reads.year == ("code.dos_year" in paths), code
            assert reads.decides == bool(rules)


def test_a_producer_that_can_fail_is_read_even_when_no_rule_needs_its_fact(kb20):
    """derive() runs every producer, so one that can raise (a date to parse) stays in the key
    and a scenario it fails on fails as before, however warm the memo."""
    facts = _base(kb20)
    assert "request.received" not in rulefit._reads(kb20, "D9961").paths
    dates = Condition("gt", operand={"days_between": ["request.received", "date_of_service"]}, value=1)
    producer = dataclasses.replace(next(r for r in kb20.rules if r.derive), id="x-unrelated",
                                   when=dates, derive=("x-unrelated",))
    risky = dataclasses.replace(kb20, rules=(*kb20.rules, producer))
    assert "request.received" in rulefit._reads(risky, "D9961").paths
    assert suggest.for_scenario("D9910", facts, risky) == ref_for_scenario("D9910", facts, risky)
    bad = _variant(facts, "request.received", "2025-13-01")
    for ranking in (lambda: suggest.for_scenario("D9910", bad, risky),
                    lambda: ref_for_scenario("D9910", bad, risky)):
        with pytest.raises(ValueError, match="month must be in 1..12"):
            ranking()


def test_rules_that_read_a_calculation_are_judged_afresh(kb):
    """A calculation declares its inputs but is not walked: such rules get no key."""
    rule = kb.rule("d9961-originals-released")
    many = Condition("gt", operand={"calc": "total_items"}, value=10)
    calc_kb = dataclasses.replace(kb, rules=tuple(
        dataclasses.replace(r, when=Condition("all", children=(r.when, many))) if r is rule else r
        for r in kb.rules))
    facts = _variant(_base(kb), "records.0.form", "original")
    assert rulefit.fit_key("D9961", facts, calc_kb) is None
    for count in (1, 40):
        changed = _variant(facts, "records.0.count", count)
        assert rulefit.own_rules("D9961", changed, calc_kb) == ref_own_rules("D9961", changed, calc_kb)
    assert rulefit.own_rules("D9961", _variant(facts, "records.0.count", 40), calc_kb)[0] == "rejected"
    assert rulefit.own_rules("D9961", facts, calc_kb)[0] != "rejected"


# ---------------------------------------------------------------- bounds and kbs

def test_memos_stay_bounded_and_right_when_full(cases, monkeypatch):
    monkeypatch.setattr(rulefit, "MEMO_LIMIT", 5)
    monkeypatch.setattr(suggest, "PLAN_LIMIT", 4)
    monkeypatch.setattr(suggest, "RANKING_LIMIT", 2)
    rulefit._PER_KB.clear()
    for name, kb, scenarios in cases[:4]:
        for scenario, written in zip(scenarios, itertools.cycle(WRITTEN)):
            assert suggest.for_scenario(written, scenario.facts, kb) == \
                ref_for_scenario(written, scenario.facts, kb), (name, scenario.id)
        memo = rulefit.per_kb(kb)
        assert 0 < len(memo["own_rules"]) <= 5 and 0 < len(memo["scenario_plans"]) <= 4
        assert all(len(rankings) <= 2 for _, rankings in memo["scenario_plans"].values())
    rulefit._PER_KB.clear()


def test_a_second_kb_never_sees_the_memos_of_the_first(kb):
    """A kb whose catalog or rules differ answers for itself, after the first's memos are warm."""
    facts = _base(kb)
    before = suggest.for_scenario("D9910", facts, kb)
    assert any(s.code == "D9961" for s in before)
    assert rulefit.own_rules("D9961", facts, kb)[0] != "rejected"

    codes = dict(kb.codes)
    codes["D9961"] = dataclasses.replace(codes["D9961"], service_kind="consultation")
    other_kind = dataclasses.replace(kb, codes=codes)
    moved = suggest.for_scenario("D9910", facts, other_kind)
    assert moved == ref_for_scenario("D9910", facts, other_kind) != before

    never = Condition("present", operand={"fact": "service.kind"}, value=True)
    reject = next(r for r in kb.rules if "D9961" in r.codes and r.topic in rulefit.CODING_TOPICS
                  and r.verdict == "inappropriate")
    strict = dataclasses.replace(kb, rules=tuple(dataclasses.replace(r, when=never) if r is reject else r
                                                 for r in kb.rules))
    assert rulefit.own_rules("D9961", facts, strict)[0] == "rejected"
    assert suggest.for_scenario("D9910", facts, strict) == ref_for_scenario("D9910", facts, strict)
    assert suggest.for_scenario("D9910", facts, kb) == before          # the original is untouched
