"""The scenario JSON Schema: generated from the vocabulary, committed, and in agreement with the
loader (issue 7: every bundled scenario validates, a misspelled key fails)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import jsonschema
import pytest

from engine.loader import find_files, read_source, scenarios_from_documents
from engine.model import Invalid
from engine.schema import scenario_schema, schema_text
from engine.yamlsource import read_documents
from tests.conftest import REPO, SCENARIOS

COMMITTED = REPO / "schema" / "scenario.schema.json"
REGENERATE = "python -m engine schema > schema/scenario.schema.json"


def _validator() -> jsonschema.Draft202012Validator:
    cls = jsonschema.Draft202012Validator
    return cls(scenario_schema(), format_checker=cls.FORMAT_CHECKER)


def _plain(value: Any) -> Any:
    """A YAML document as the JSON an editor's validator sees (dates are strings)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value.isoformat() if isinstance(value, dt.date) else value


def _documents() -> list[tuple[str, Any]]:
    return [(f"{d.path}#{d.index + 1}", d) for f in find_files([str(SCENARIOS)]) for d in read_source(f)]


def test_schema_is_valid_draft_2020_12():
    jsonschema.Draft202012Validator.check_schema(scenario_schema())
    assert scenario_schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_committed_schema_equals_generated():
    assert COMMITTED.read_text(encoding="utf-8") == schema_text(), (
        f"schema/scenario.schema.json is stale; regenerate it from the repo root with: {REGENERATE}")


def test_schema_command_prints_the_schema(cli):
    code, out, _ = cli("schema")
    assert code == 0 and out == schema_text()
    assert json.loads(out)["additionalProperties"] is False


@pytest.mark.parametrize("name,doc", _documents(), ids=[n for n, _ in _documents()])
def test_bundled_scenario_validates(name, doc):
    assert doc.data is not None, name
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in _validator().iter_errors(_plain(doc.data))]
    assert errors == []


def test_misspelled_key_fails_the_schema():
    doc = read_documents("case.yaml", "procedure: {code: D9961}\nrequest:\n  requestor: patient\n")[0]
    errors = list(_validator().iter_errors(_plain(doc.data)))
    assert len(errors) == 1
    assert list(errors[0].absolute_path) == ["request"]
    assert "requestor" in errors[0].message


AGREEMENT = [
    # (YAML text, accepted by the loader and the schema alike?)
    ("procedure: {code: D9961}", True),
    ("procedure: {code: 9961}", True),
    ("procedure: {code: D9961, fee: 12.5}\nstate: NY\ndate_of_service: 2026-03-14", True),
    ("procedure: {code: D9961, fee: ~}\nrequest: ~\nrecords: [{kind: models, count: ~}]", True),
    ("procedure: {code: D9961}\nclaim: {carc: 16, denial_reasons: non_covered}", True),
    ("procedure: {code: D9961}\nclaim: {carc: ['16', 252]}", True),
    ("procedure: {code: D9961}\ninsurance: {covers_code: unknown, prior_authorization: {required: true}}", True),
    ("procedure: {code: D9961}\nexpect: {verdict: appropriate, findings: [{topic: code_fit, severity: info}]}",
     True),
    ("procedure: {code: D9961}\nexpect: {missing_facts: [request.requester]}", True),
    ("title: no procedure", False),
    ("procedure: {fee: 10}", False),
    ("procedure: {code: D9961}\nprocedur: {code: D9961}", False),
    ("procedure: {code: D9961}\nrecords: [{kind: radiographs, medum: film}]", False),
    ("procedure: {code: D9961}\nrequest: {requester: patiant}", False),
    ("procedure: {code: D9961}\nstate: ny", False),
    ("procedure: {code: D9961, fee: -1}", False),
    ("procedure: {code: D9961}\nrecords: [{count: 2.5}]", False),
    ("procedure: {code: D9961}\nrequest: {in_writing: 'yes'}", False),
    ("procedure: {code: D9961}\ninsurance: {covers_code: maybe}", False),
    ("procedure: {code: D9961}\ndate_of_service: 03/14/2026", False),
    ("procedure: {code: D9961}\ndate_of_service: '2026-02-30'", False),
    ("procedure: {code: D9961}\nclaim: {carc: [sixteen]}", False),
    ("procedure: {code: D9961}\nexpect: {verdit: appropriate}", False),
    ("procedure: {code: D9961}\nexpect: {findings: [{topic: code_fit, severty: info}]}", False),
    ("procedure: {code: D9961}\nexpect: {missing_facts: [request.requestor]}", False),
]


@pytest.mark.parametrize("text,accepted", AGREEMENT)
def test_schema_and_loader_agree(text, accepted):
    doc = read_documents("case.yaml", text + "\n")[0]
    loaded = scenarios_from_documents([doc])[0]
    schema_ok = _validator().is_valid(_plain(doc.data))
    assert (not isinstance(loaded, Invalid)) == accepted, getattr(loaded, "diagnostics", None)
    assert schema_ok == accepted
