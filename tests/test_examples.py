"""The contract's example scenarios judged as their comments say (shared/spec/examples)."""

from __future__ import annotations

import io
import json

import pytest

from engine.cli import main
from tests.conftest import SCENARIOS

EXAMPLES = {
    # scenario id: (verdict, rules that must fire, first suggestion or None)
    "attorney-authorized-ny": ("appropriate", ["d9961-fits-external-copies"], None),
    "batch-a": ("appropriate", ["d9961-fits-external-copies"], None),
    "batch-b": ("appropriate", ["code-fits-service"], None),
    "batch-c": ("appropriate", ["d9961-fits-external-copies", "code-reformatted"], None),
    "behavior-code-for-copies": ("inappropriate", ["d9920-wrong-service"], "D9961"),
    "insurer-dispute-denied": ("appropriate", ["d9961-fits-external-copies"], None),
    "internal-records": ("inappropriate", ["d9961-internal-use"], None),
    "originals-released": ("inappropriate", ["d9961-originals-released"], None),
    "prior-auth-missing": ("appropriate", ["d9961-fits-external-copies"], None),
    "referral-specialist": ("appropriate", ["d9961-fits-external-copies"], None),
    "relocation-copies": ("appropriate", ["d9961-fits-external-copies"], None),
    "unknown-code": ("inappropriate", ["code-malformed"], "D9961"),
    "unverified-third-party": ("appropriate", ["d9961-fits-external-copies"], None),
}




@pytest.fixture(scope="module")
def rows():
    """Every bundled scenario run once through the CLI, by scenario id."""
    out, err = io.StringIO(), io.StringIO()
    main(["run", str(SCENARIOS), "--format", "jsonl"], out, err)
    return {r["scenario"]: r for r in map(json.loads, out.getvalue().splitlines())}


@pytest.mark.parametrize("scenario_id", sorted(EXAMPLES))
def test_example_verdict_and_rules(rows, scenario_id):
    row = rows[scenario_id]
    verdict, fired, first = EXAMPLES[scenario_id]
    assert row["verdict"] == verdict
    assert set(fired) <= set(row["fired"])
    if first:
        assert row["suggestions"] and row["suggestions"][0]["code"] == first


# The examples' comments that bound severity: "info findings only", "at most an info finding"
# on authorization, "no fee_limit error".
SEVERITY_BOUNDS = {
    "relocation-copies": (None, "info"),
    "referral-specialist": ("authorization", "info"),
    "attorney-authorized-ny": ("fee_limit", "info"),
}


@pytest.mark.parametrize("scenario_id", sorted(SEVERITY_BOUNDS))
def test_example_findings_stay_within_the_severity_its_comment_allows(rows, scenario_id):
    row = rows[scenario_id]
    topic, worst = SEVERITY_BOUNDS[scenario_id]
    order = ["info", "warning", "error"]
    relevant = [f for f in row["findings"] if topic is None or f["topic"] == topic]
    assert relevant, "the comment's topic must be addressed"
    assert max(order.index(f["severity"]) for f in relevant) <= order.index(worst)
