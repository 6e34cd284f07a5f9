"""Seeded generator of varied, valid, realistic scenarios for benchmarks/bench.py.

Each scenario varies who asked and why, the service actually done and the code billed (right,
wrong, reformatted, unknown), the records handed over, the state, the fee and the claim, so that
most rules of both the bundled kb and benchmarks/kb20 fire somewhere. Output is YAML in the
style of scenarios/ (sections as flow mappings, one record per line) or one JSON object a line.
"""

from __future__ import annotations

import datetime as _dt
import json
import random
from typing import Any

REQUESTERS = ["patient"] * 4 + ["personal_representative", "dentist", "specialist", "insurer",
                                "attorney", "court", "government_agency", "practice_itself", "other"]
PURPOSES = ["relocation", "referral", "second_opinion", "legal", "insurance_claim",
            "insurance_review", "personal", "office_internal", "backup"]
# Most lines are billed right; about one in five has a code problem (a typo, another service's
# code, the wrong service for D9961), as in an audit sample.
CODES = ["D9961"] * 40 + ["d9961", "D 9961", "D9910", "D9920", "D9110", "D9210", "D9310", "D996", "D9999",
                          "D9916"]
KINDS = ["records_duplication"] * 40 + ["records_transfer_originals", "desensitizing_medicament",
                                        "behavior_management", "palliative_treatment", "local_anesthesia",
                                        "consultation"]
STATES = ["NY", "CA", "TX", "FL", "AL", "IL", "WA", "OH", "PA", "GA", "MA", "NJ"]
RECORD_KINDS = ["radiographs", "photographs", "treatment_notes", "chart", "periodontal_charting",
                "models", "billing_records"]
MEDIA = {"radiographs": ["electronic", "film"], "photographs": ["electronic"], "models": ["physical"],
         "treatment_notes": ["paper", "electronic"], "chart": ["paper", "electronic"],
         "periodontal_charting": ["paper", "electronic"], "billing_records": ["paper"]}
BASE_DATE = _dt.date(2025, 1, 6)


def scenario(rng: random.Random) -> dict[str, Any]:
    """One scenario as plain data; no id, so a file's scenarios are named by its stem (+ #N)."""
    requester = rng.choice(REQUESTERS)
    received = BASE_DATE + _dt.timedelta(days=rng.randrange(600))
    doc: dict[str, Any] = {
        "date_of_service": received + _dt.timedelta(days=rng.choice([0, 2, 7, 14, 35, 70])),
        "state": rng.choice(STATES),
        "procedure": {"code": rng.choice(CODES), "fee": rng.choice([0, 6.5, 15, 25, 40, 75, 120])},
        "service": {"kind": rng.choice(KINDS)},
        "request": _request(rng, requester, received),
        "records": [_record(rng) for _ in range(rng.choice((1, 1, 1, 2, 3)))],
        "billing": {"patient_informed_in_advance": rng.random() < 0.8,
                    "billed_to": rng.choice(["patient", "insurance", "requester"])},
    }
    if rng.random() < 0.05:
        doc["billing"]["withheld_for_unpaid_balance"] = True
    doc["request"]["fulfilled"] = doc["date_of_service"]
    if rng.random() < 0.4:
        doc["insurance"] = {"covers_code": rng.choice([True, False, "unknown"])}
        if rng.random() < 0.5:
            doc["insurance"]["prior_authorization"] = {"required": True, "obtained": rng.random() < 0.5}
    if rng.random() < 0.35:
        doc["claim"] = _claim(rng)
        if doc["claim"]["status"] in ("denied", "appealed"):
            doc["documentation"] = {"narrative": rng.random() < 0.4}
    return doc


def _request(rng: random.Random, requester: str, received: _dt.date) -> dict[str, Any]:
    purpose = "office_internal" if requester == "practice_itself" else rng.choice(PURPOSES[:7])
    out: dict[str, Any] = {"requester": requester, "purpose": purpose, "received": received}
    if rng.random() < 0.2:
        out["identity_verified"] = False
    if requester in ("attorney", "insurer", "other", "government_agency"):
        out["written_authorization"] = rng.random() < 0.7
        out["legal_process"] = rng.choice(["none", "none", "subpoena"])
        out["disclosure_logged"] = rng.random() < 0.6
    return out


def _record(rng: random.Random) -> dict[str, Any]:
    kind = rng.choice(RECORD_KINDS)
    return {"kind": kind, "form": "original" if rng.random() < 0.06 else "copy",
            "medium": rng.choice(MEDIA[kind]), "count": rng.choice([1, 2, 4, 12, 30, 80])}


def _claim(rng: random.Random) -> dict[str, Any]:
    status = rng.choice(["submitted", "paid", "denied", "denied", "appealed"])
    claim: dict[str, Any] = {"status": status}
    if status in ("denied", "appealed"):
        claim["denial_reasons"] = [rng.choice(["missing_documentation", "non_covered", "code_mismatch",
                                               "missing_prior_authorization"])]
        claim["carc"] = [rng.choice([16, 96, 204, 252, 197])]
    return claim


def scenarios(n: int, seed: int = 20261203) -> list[dict[str, Any]]:
    """``n`` scenarios, the same for the same seed."""
    rng = random.Random(seed)
    return [scenario(rng) for _ in range(n)]


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and (" " in value or value[:1].isdigit()):
        return json.dumps(value)
    return str(value)


def to_yaml(doc: dict[str, Any]) -> str:
    """The scenarios/ style: top-level keys in block style, sections as flow mappings."""
    lines = []
    for key, value in doc.items():
        if key == "records":
            lines.append("records:")
            lines.extend(f"  - {_flow(item)}" for item in value)
        else:
            lines.append(f"{key}: {_flow(value)}")
    return "\n".join(lines) + "\n"


def to_json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, default=str, separators=(",", ":"))
