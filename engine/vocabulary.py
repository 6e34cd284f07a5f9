"""The scenario vocabulary as data: one definition read by the loader, the rule checker and
the JSON Schema generator, so the three can never disagree.

Each key of a scenario maps to a :class:`Field`; sections and record items nest. Enum values
and keys are snake_case (the verdict's ``needs-review`` is the one hyphenated value, kept from
the contract).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Mapping

US_STATES = (
    "AK AL AR AZ CA CO CT DC DE FL GA HI IA ID IL IN KS KY LA MA MD ME MI MN MO MS MT NC ND NE "
    "NH NJ NM NV NY OH OK OR PA RI SC SD TN TX UT VA VT WA WI WV WY"
).split()

SERVICE_KINDS = (
    "records_duplication", "desensitizing_medicament", "desensitizing_resin",
    "behavior_management", "palliative_treatment", "fixed_partial_denture_sectioning",
    "local_anesthesia", "regional_block_anesthesia", "consultation",
    "records_transfer_originals", "other",
)
REQUESTERS = (
    "patient", "personal_representative", "dentist", "specialist", "physician", "insurer",
    "attorney", "court", "government_agency", "practice_itself", "other",
)
PURPOSES = (
    "relocation", "referral", "second_opinion", "legal", "insurance_claim", "insurance_review",
    "public_benefits_claim", "personal", "office_internal", "backup", "other",
)
LEGAL_PROCESS = ("none", "subpoena", "court_order", "board_demand")
RECORD_KINDS = (
    "radiographs", "photographs", "treatment_notes", "chart", "periodontal_charting", "models",
    "billing_records", "other",
)
FORMS = ("copy", "original")
MEDIA = ("paper", "electronic", "film", "physical")
BILLED_TO = ("patient", "insurance", "requester", "nobody")
NETWORKS = ("in", "out")
CLAIM_STATUS = ("not_submitted", "submitted", "paid", "denied", "appealed")
DENIAL_REASONS = (
    "non_covered", "missing_documentation", "frequency_limit", "code_mismatch",
    "missing_prior_authorization", "other",
)
VERDICTS = ("appropriate", "inappropriate", "needs-review")
TOPICS = (
    "code_fit", "code_validity", "originals", "external_party", "documentation",
    "authorization", "identity", "disclosure_log", "timeliness", "fee_limit", "fee_notice",
    "coverage", "prior_authorization", "claim", "denial", "appeal", "billing",
)
SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Field:
    """One key of the vocabulary: its type, allowed values and (for sections) its children.

    ``type`` is one of: text, code, state, date, money, count, bool, tri (true/false/unknown),
    enum, enum_list, int_list, section, records.

    ``required_keys`` and ``value_set`` are derived from ``fields`` and ``values`` once, when
    the field is made: the loader asks for them at every section and enum value of every
    scenario. They are plain attributes because a property would cost a lookup each time.
    """

    type: str
    doc: str = ""
    values: tuple[str, ...] = ()
    fields: Mapping[str, "Field"] = field(default_factory=dict)
    required: bool = False

    required_keys: tuple[str, ...] = field(init=False, repr=False, compare=False)
    value_set: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        required = tuple(key for key, spec in self.fields.items() if spec.required)
        object.__setattr__(self, "required_keys", required)       # the class is frozen
        object.__setattr__(self, "value_set", frozenset(self.values))


def _enum(values: tuple[str, ...], doc: str) -> Field:
    return Field("enum", doc, values)


def _bool(doc: str) -> Field:
    return Field("bool", doc)


RECORD_ITEM: Mapping[str, Field] = {
    "kind": _enum(RECORD_KINDS, "what kind of record this item is"),
    "form": _enum(FORMS, "a copy, or the original itself"),
    "medium": _enum(MEDIA, "paper, electronic, film or physical (models)"),
    "count": Field("count", "pages, images or items"),
    "maintained_electronically": _bool("the practice keeps this item electronically"),
}

SCENARIO: Mapping[str, Field] = {
    "id": Field("text", "unique in a run; default: the file stem (+ #N for the N-th document)"),
    "title": Field("text", "a one-line description of the case"),
    "date_of_service": Field("date", "decides which CDT version applies"),
    "state": Field("state", "US state (or DC) of the practice: decides fee limits", US_STATES),
    "procedure": Field("section", "the claim line, as billed or about to be billed", fields={
        "code": Field("code", "the CDT code as written", required=True),
        "fee": Field("money", "USD charged for the line"),
        "description": Field("text", "free text"),
    }, required=True),
    "service": Field("section", "what was actually done, whatever code was billed", fields={
        "kind": _enum(SERVICE_KINDS, "the kind of service performed"),
    }),
    "request": Field("section", "the request for records", fields={
        "requester": _enum(REQUESTERS, "who asked"),
        "purpose": _enum(PURPOSES, "what the copies are for"),
        "legal_process": _enum(LEGAL_PROCESS, "a subpoena, court order or board demand, if any"),
        "received": Field("date", "when the request arrived"),
        "fulfilled": Field("date", "when the copies were handed over"),
        "in_writing": _bool("the request itself is written"),
        "written_authorization": _bool("a signed authorization from the patient is on file"),
        "identity_verified": _bool("the requester's identity and authority were confirmed"),
        "disclosure_logged": _bool("entered in the practice's log of disclosures"),
        "request_kept": _bool("the request is kept with the patient's records"),
        "directed_to_third_party": _bool("the patient asked that copies go to someone else"),
    }),
    "records": Field("records", "what was handed over, one item per kind", fields=RECORD_ITEM),
    "billing": Field("section", "how the line was charged", fields={
        "patient_informed_in_advance": _bool("told of the fee before the copies were made"),
        "billed_to": _enum(BILLED_TO, "who was charged"),
        "on_statement": _bool("the line appears on the patient's account and statement"),
        "withheld_for_unpaid_balance": _bool("copies were held back until a balance was paid"),
    }),
    "insurance": Field("section", "the patient's dental plan", fields={
        "covers_code": Field("tri", "the plan pays for this code: true, false or unknown"),
        "network": _enum(NETWORKS, "in or out of network"),
        "eligibility_checked": _bool("benefits were verified before the service"),
        "prior_authorization": Field("section", "the plan's advance approval", fields={
            "required": Field("tri", "true, false or unknown"),
            "obtained": _bool("approval was obtained"),
        }),
    }),
    "claim": Field("section", "the claim and what the payer did", fields={
        "status": _enum(CLAIM_STATUS, "where the claim stands"),
        "paid_amount": Field("money", "USD paid by the plan"),
        "denial_reasons": Field("enum_list", "why the payer denied the line", DENIAL_REASONS),
        "carc": Field("int_list", "claim adjustment reason codes from the EOB/ERA"),
        "original_claim_ref": Field("text", "the claim under dispute"),
    }),
    "documentation": Field("section", "what is on file or attached to the claim", fields={
        "narrative": _bool("a written explanation of the request"),
        "materials_list": _bool("an itemised list of the copied materials"),
        "authorization_copy": _bool("a copy of the patient's authorization"),
    }),
}

EXPECT: Mapping[str, Field] = {
    "verdict": Field("enum", "the expected verdict", VERDICTS),
    "fired": Field("rule_list", "rules that must fire"),
    "not_fired": Field("rule_list", "rules that must not fire"),
    "findings": Field("finding_list", "topic/severity pairs that must appear"),
    "suggestions": Field("code_list", "the first suggestions, in order"),
    "missing_facts": Field("path_list", "the facts the verdict says are missing"),
    "todo": Field("text", "a known gap: the expectation is expected to fail, with this reason"),
}

# Facts the engine computes for every scenario before rules run (see engine/enrich.py).
COMPUTED: Mapping[str, Field] = {
    "code.known": _bool("the billed code is in the catalog"),
    "code.malformed": _bool("the code as written is not of the form D + 4 digits"),
    "code.reformatted": _bool("the code needed harmless reformatting (case, spaces, dashes)"),
    "code.service_kind": _enum(SERVICE_KINDS, "the kind of service the billed code stands for"),
    "code.nature": _enum(("clinical", "administrative"), "clinical or administrative"),
    "code.added": Field("count", "CDT version year the billed code took effect"),
    "code.removed": Field("count", "CDT version year the billed code was deleted"),
    "code.dos_year": Field("count", "the year of the date of service"),
}


def leaf_paths(fields: Mapping[str, Field] = SCENARIO, prefix: str = "") -> Iterator[tuple[str, Field]]:
    """Every fact path a rule may name, with its field: ``request.requester``, ``records``…"""
    for key, spec in fields.items():
        path = f"{prefix}{key}"
        if spec.type == "section":
            yield from leaf_paths(spec.fields, path + ".")
        else:
            yield path, spec


def fact_fields() -> dict[str, Field]:
    """All paths rules may test: the scenario's leaves and the computed facts.

    Built once (explanations ask for it per finding); callers get their own copy.
    """
    global _FACT_FIELDS
    if _FACT_FIELDS is None:
        _FACT_FIELDS = dict(leaf_paths())
        _FACT_FIELDS.update(COMPUTED)
    return dict(_FACT_FIELDS)


_FACT_FIELDS: dict[str, Field] | None = None

FINDING_KEYS = ("topic", "severity")
