"""The related-code graph, its renderings, and the codes command (issue 4)."""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys

import pytest

from engine import graph
from engine.errors import KnowledgeBaseError
from tests.conftest import REPO


def _edge_rows(kb):
    return kb.tables["graph"]["edges"]


def test_networkx_graph_holds_catalog_and_edges(kb):
    g = graph.build(kb)
    assert sorted(g.nodes) == sorted(kb.codes)
    assert g.number_of_edges() == len(_edge_rows(kb))
    assert g.nodes["D9961"]["nature"] == "administrative"
    assert g.nodes["D9940"]["removed"] == 2020
    kinds = {d["kind"] for _, _, d in g.edges("D9961", data=True)}
    assert {"often_confused_with", "related", "same_subcategory", "billed_alongside"} <= kinds
    assert all(d["reason"] for _, _, d in g.edges(data=True))


def test_edges_are_validated(kb):
    broken = {**kb.tables["graph"], "edges": [{"from": "D9961", "to": "D1234", "kind": "related",
                                                "reason": "x"}]}
    bad = dataclasses.replace(kb, tables={**kb.tables, "graph": broken})
    with pytest.raises(KnowledgeBaseError, match="D1234"):
        graph.edges(bad)
    unknown_kind = {**kb.tables["graph"], "edges": [{"from": "D9961", "to": "D9910",
                                                      "kind": "cousin_of", "reason": "x"}]}
    with pytest.raises(KnowledgeBaseError, match="cousin_of"):
        graph.edges(dataclasses.replace(kb, tables={**kb.tables, "graph": unknown_kind}))


def test_neighbours_read_replacements_both_ways(kb):
    assert {(c, r) for c, _, r in graph.neighbours(kb, "D9940")} == {
        ("D9944", "replaced_by"), ("D9945", "replaced_by"), ("D9946", "replaced_by")}
    assert ("D9940", "replaces") in {(c, r) for c, _, r in graph.neighbours(kb, "D9944")}


def test_proximity(kb):
    near = graph.proximity(kb, "D9961")
    assert near["D9910"] == 1.0                      # often confused: one step
    assert near["D9110"] > near["D9985"] > 0         # related closer than same subcategory
    assert near.get("D9944", 0.0) < near["D9985"]    # the occlusal guards are far away
    assert graph.proximity(kb, "D1234") == {}


def test_dot_contains_nodes_and_typed_edges(kb):
    dot = graph.render(kb, "dot")
    assert dot.startswith("graph related_codes {") and dot.rstrip().endswith("}")
    assert dot.count("{") == dot.count("}")
    assert re.search(r'^\s+D9961 -- D9910 \[label="often confused with"', dot, re.M)
    assert re.search(r'^\s+D9940 -- D9944 \[dir=forward, label="replaced by"', dot, re.M)
    declared = set(re.findall(r"^\s+(D\d{4}) \[label=", dot, re.M))
    used = set(re.findall(r"^\s+(D\d{4}) -- (D\d{4})", dot, re.M))
    assert declared == set(kb.codes)
    assert {c for pair in used for c in pair} <= declared
    assert len(re.findall(r"^\s+D\d{4} -- D\d{4}", dot, re.M)) == len(_edge_rows(kb))


def test_mermaid_contains_edges(kb):
    text = graph.render(kb, "mermaid")
    assert text.splitlines()[0] == "graph LR"
    assert "  D9961 ===|often confused with| D9920" in text
    assert "  D9940 -.->|replaced by| D9945" in text
    assert '  D9961["D9961: copying a patient\'s records"]' in text
    assert len(re.findall(r"^  D\d{4} \S+\|", text, re.M)) == len(_edge_rows(kb))


def test_json_parses_and_matches_facts(kb):
    doc = json.loads(graph.render(kb, "json"))
    assert [n["code"] for n in doc["nodes"]] == sorted(kb.codes)
    assert len(doc["edges"]) == len(_edge_rows(kb))
    pairs = {(e["from"], e["to"], e["kind"]) for e in doc["edges"]}
    assert ("D9961", "D9920", "often_confused_with") in pairs
    assert set(doc["edge_kinds"]) >= {"often_confused_with", "related", "same_subcategory", "replaced_by"}


@pytest.mark.parametrize("fmt", graph.FORMATS)
def test_rendering_is_deterministic(cli, fmt):
    first = cli("graph", "--format", fmt)
    second = cli("graph", "--format", fmt)
    assert first[0] == 0 and first == second and first[1]


def test_graph_default_is_dot(cli):
    assert cli("graph")[1].startswith("graph related_codes {")


def test_run_does_not_import_networkx():
    """Judging a batch (suggestions included) must not pay for networkx."""
    code = ("import io, sys; from engine.cli import main; "
            "main(['run', 'scenarios/'], io.StringIO(), io.StringIO()); "
            "print('networkx' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr


# ------------------------------------------------------------------ codes command


def test_codes_lists_catalog(cli, kb):
    code, out, _ = cli("codes")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()[1:-1]] == sorted(kb.codes)
    doc = json.loads(cli("codes", "--format", "json")[1])
    assert [c["code"] for c in doc["codes"]] == sorted(kb.codes)


def test_codes_card_json(cli):
    code, out, _ = cli("codes", "d9961", "--format", "json")
    card = json.loads(out)["code"]
    assert code == 0 and card["code"] == "D9961" and card["added"] == 2020
    assert card["nature"] == "administrative" and card["subcategory"] == "miscellaneous_services"
    assert "d9961-internal-use" in [r["id"] for r in card["rules"]]
    near = {(n["code"], n["relation"]) for n in card["neighbours"]}
    assert ("D9910", "often_confused_with") in near and ("D9310", "billed_alongside") in near
    assert all(n["reason"] for n in card["neighbours"])


def test_codes_card_text_for_deleted_code(cli):
    code, out, _ = cli("codes", "D9940")
    assert code == 0 and "removed:      CDT 2020" in out
    assert "replaced by D9944" in out


def test_codes_unknown_code_hints(cli):
    code, _, err = cli("codes", "D9916")
    assert code == 2 and "did you mean D9961" in err
