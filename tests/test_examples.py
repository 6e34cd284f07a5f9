"""The contract's example scenarios judged as their comments say (shared/spec/examples)."""

from __future__ import annotations

import json

import pytest

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




def _run_all(cli):
    code, out, err = cli("run", str(SCENARIOS), "--format", "jsonl")
    return code, [json.loads(line) for line in out.splitlines()], err


@pytest.mark.parametrize("scenario_id", sorted(EXAMPLES))
def test_example_verdict_and_rules(cli, scenario_id):
    _, rows, _ = _run_all(cli)
    row = next(r for r in rows if r["scenario"] == scenario_id)
    verdict, fired, first = EXAMPLES[scenario_id]
    assert row["verdict"] == verdict
    assert set(fired) <= set(row["fired"])
    if first:
        assert row["suggestions"] and row["suggestions"][0]["code"] == first
