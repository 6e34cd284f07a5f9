"""The scenario file's JSON Schema (draft 2020-12), generated from engine/vocabulary.py.

The loader and this schema read the same :mod:`engine.vocabulary` definitions, so an editor
that validates with the schema and ``cdt-companion run`` agree on which keys and values exist.
The schema accepts what the loader accepts (an explicit null means "not stated"; a code may be
written as a number; a single denial reason need not be a list) and rejects unknown keys
(``additionalProperties: false``), so a misspelled key is flagged while typing.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Mapping

from .vocabulary import EXPECT, FINDING_KEYS, SCENARIO, SEVERITIES, TOPICS, Field, fact_fields

DIALECT = "https://json-schema.org/draft/2020-12/schema"

_INT_TEXT = {"type": "string", "pattern": r"^\s*[0-9]+\s*$"}


def scenario_schema() -> dict[str, Any]:
    """The schema of one scenario document (a YAML document, a JSON object, a JSONL line)."""
    properties = {key: _property(spec) for key, spec in SCENARIO.items()}
    properties["expect"] = _nullable(_expect())
    return {
        "$schema": DIALECT,
        "title": "cdt-companion scenario",
        "description": "One case for cdt-companion: what was asked for, by whom, "
                       "what was handed over, what was billed and what the payer did.",
        "type": "object",
        "properties": properties,
        "required": _required(SCENARIO),
        "additionalProperties": False,
    }


def schema_text() -> str:
    """The schema as committed in schema/scenario.schema.json: sorted keys, two-space indent."""
    return json.dumps(scenario_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _required(fields: Mapping[str, Field]) -> list[str]:
    return sorted(key for key, spec in fields.items() if spec.required)


def _property(spec: Field) -> dict[str, Any]:
    """A scenario key; optional keys also accept null, which the loader reads as absent."""
    schema = _TYPES[spec.type](spec)
    if spec.doc:
        schema = {"description": spec.doc, **schema}
    return schema if spec.required else _nullable(schema)


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "enum" in schema:
        return {**schema, "enum": [*schema["enum"], None]}
    kind = schema.get("type")
    if isinstance(kind, str):
        return {**schema, "type": [kind, "null"]}
    if isinstance(kind, list):
        return {**schema, "type": [*kind, "null"]}
    return {**schema, "anyOf": [*schema["anyOf"], {"type": "null"}]}


def _section(spec: Field) -> dict[str, Any]:
    schema = {"type": "object", "properties": {k: _property(s) for k, s in spec.fields.items()},
              "additionalProperties": False}
    required = _required(spec.fields)
    return {**schema, "required": required} if required else schema


def _records(spec: Field) -> dict[str, Any]:
    return {"type": "array", "items": _section(spec)}


def _enum(spec: Field) -> dict[str, Any]:
    return {"enum": list(spec.values)}


def _enum_list(spec: Field) -> dict[str, Any]:
    one = _enum(spec)
    return {"anyOf": [one, {"type": "array", "items": one}]}


def _int_list(spec: Field) -> dict[str, Any]:
    one = {"anyOf": [{"type": "integer"}, _INT_TEXT]}
    return {"anyOf": [{"type": "integer"}, _INT_TEXT, {"type": "array", "items": one}]}


_TYPES: dict[str, Callable[[Field], dict[str, Any]]] = {
    "text": lambda spec: {"type": ["string", "number"]},
    "code": lambda spec: {"type": ["string", "integer"]},
    "state": _enum,
    "date": lambda spec: {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
    "money": lambda spec: {"type": "number", "minimum": 0},
    "count": lambda spec: {"type": "integer", "minimum": 0},
    "bool": lambda spec: {"type": "boolean"},
    "tri": lambda spec: {"enum": [True, False, "unknown"]},
    "enum": _enum,
    "enum_list": _enum_list,
    "int_list": _int_list,
    "section": _section,
    "records": _records,
}


def _expect() -> dict[str, Any]:
    """The ``expect:`` block of test suites; its values may not be null (the loader says so)."""
    return {
        "description": "what `cdt-companion test` expects of this scenario; ignored by `run`",
        "type": "object",
        "properties": {key: {"description": spec.doc, **_expect_value(spec)}
                       for key, spec in EXPECT.items()},
        "additionalProperties": False,
    }


def _expect_value(spec: Field) -> dict[str, Any]:
    words = {"type": "array", "items": {"type": "string"}}
    if spec.type == "enum":
        return _enum(spec)
    if spec.type == "text":
        return {"type": ["string", "number"]}
    if spec.type == "path_list":
        return {"type": "array", "items": {"enum": sorted(fact_fields())}}
    if spec.type == "finding_list":
        choices = {"topic": TOPICS, "severity": SEVERITIES}
        pair = {key: {"enum": list(choices[key])} for key in FINDING_KEYS}
        return {"type": "array", "items": {"type": "object", "properties": pair,
                                           "additionalProperties": False}}
    return words
