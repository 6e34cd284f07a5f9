"""The related-code graph: catalog codes as nodes, typed edges from facts/graph.yaml with reasons.

Two faces over one edge list. :func:`edges` and :func:`hops` are plain Python over the edges
and serve the suggestion ranker, so judging a batch never pays for importing networkx.
:func:`build` makes the networkx graph (imported only there) that the ``graph`` and ``codes``
commands read, and :func:`render` writes it as DOT, Mermaid or JSON, sorted, so the same
knowledge base always gives byte-identical output.
"""

from __future__ import annotations

import heapq
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import Diagnostic, KnowledgeBaseError
from .model import KnowledgeBase

if TYPE_CHECKING:  # pragma: no cover - typing only
    import networkx

FORMATS = ("dot", "mermaid", "json")
ONE_WAY = ("replaced_by",)
# How far apart an edge puts two codes, for "graph proximity": a look-alike or a replacement is
# one step; codes merely read together are a step and a half; siblings under a heading, two.
STEP = {"often_confused_with": 1.0, "replaced_by": 1.0, "billed_alongside": 1.5,
        "related": 1.5, "same_subcategory": 2.0}
_STYLE = {"often_confused_with": 'color="#c0392b", style=bold',
          "replaced_by": 'color="#7f8c8d", style=dashed',
          "billed_alongside": 'color="#2980b9"',
          "related": 'color="#27ae60"',
          "same_subcategory": 'color="#95a5a6", style=dotted'}
_MERMAID_ARROW = {"replaced_by": "-.->", "often_confused_with": "===", "same_subcategory": "-.-"}


@dataclass(frozen=True)
class Edge:
    """One typed edge of the graph and the sentence that says why it is there."""

    source: str
    target: str
    kind: str
    reason: str

    def other(self, code: str) -> str:
        return self.target if code == self.source else self.source


def edges(kb: KnowledgeBase) -> tuple[Edge, ...]:
    """The edges of facts/graph.yaml, checked against the catalog, sorted (from, to, kind)."""
    data = kb.tables.get("graph") or {}
    kinds = data.get("edge_kinds") or {}
    found, problems = [], []
    for i, raw in enumerate(data.get("edges") or []):
        edge, problem = _edge(raw, kb, kinds)
        if problem:
            problems.append(Diagnostic("facts/graph.yaml", 1, 1, f"edges[{i}]: {problem}"))
        elif edge is not None:
            found.append(edge)
    if problems:
        raise KnowledgeBaseError(problems)
    return tuple(sorted(found, key=lambda e: (e.source, e.target, e.kind)))


def _edge(raw: Any, kb: KnowledgeBase, kinds: dict[str, str]) -> tuple[Edge | None, str | None]:
    if not isinstance(raw, dict):
        return None, "each edge is a mapping with from, to, kind and reason"
    missing = [k for k in ("from", "to", "kind", "reason") if not raw.get(k)]
    if missing:
        return None, f"edge lacks {', '.join(missing)}"
    for end in ("from", "to"):
        if raw[end] not in kb.codes:
            return None, f"'{raw[end]}' is not a catalog code"
    if raw["kind"] not in kinds:
        return None, f"edge kind '{raw['kind']}' is not declared under edge_kinds"
    return Edge(raw["from"], raw["to"], raw["kind"], str(raw["reason"])), None


def edge_kinds(kb: KnowledgeBase) -> dict[str, str]:
    """Each edge kind with the sentence that defines it."""
    return dict(sorted(((kb.tables.get("graph") or {}).get("edge_kinds") or {}).items()))


def neighbours(kb: KnowledgeBase, code: str) -> list[tuple[str, Edge, str]]:
    """(neighbour, edge, relation as read from ``code``), sorted by relation strength then code.

    A ``replaced_by`` edge reads ``replaced_by`` from the deleted code and ``replaces`` from
    its successor; every other kind reads the same both ways.
    """
    out = []
    for edge in edges(kb):
        if code not in (edge.source, edge.target) or edge.source == edge.target:
            continue
        relation = edge.kind
        if edge.kind in ONE_WAY and code == edge.target:
            relation = "replaces"
        out.append((edge.other(code), edge, relation))
    return sorted(out, key=lambda n: (STEP.get(n[1].kind, 3.0), n[0], n[1].kind))


def hops(kb: KnowledgeBase, source: str) -> dict[str, float]:
    """Weighted path length from ``source`` to every code it reaches (Dijkstra, plain Python)."""
    adjacent: dict[str, list[tuple[str, float]]] = {}
    for edge in edges(kb):
        step = STEP.get(edge.kind, 3.0)
        adjacent.setdefault(edge.source, []).append((edge.target, step))
        adjacent.setdefault(edge.target, []).append((edge.source, step))
    best = {source: 0.0}
    queue = [(0.0, source)]
    while queue:
        far, code = heapq.heappop(queue)
        if far > best.get(code, float("inf")):
            continue
        for nxt, step in sorted(adjacent.get(code, ())):
            if far + step < best.get(nxt, float("inf")):
                best[nxt] = far + step
                heapq.heappush(queue, (far + step, nxt))
    return best


def proximity(kb: KnowledgeBase, source: str | None) -> dict[str, float]:
    """Closeness in [0, 1] to ``source``: 1 for a direct look-alike, 0 beyond four steps."""
    if not source or source not in kb.codes:
        return {}
    return {code: round(max(0.0, 1.0 - (far - 1.0) / 3.0), 3)
            for code, far in hops(kb, source).items() if code != source}


def build(kb: KnowledgeBase) -> "networkx.MultiDiGraph":
    """The networkx graph: one node per catalog code with its card, one edge per graph fact."""
    import networkx

    graph = networkx.MultiDiGraph(name="related CDT codes")
    for code in sorted(kb.codes):
        entry = kb.codes[code]
        graph.add_node(code, name=entry.name, category=entry.category,
                       subcategory=entry.subcategory, nature=entry.nature, added=entry.added,
                       removed=entry.removed, service_kind=entry.service_kind)
    for edge in edges(kb):
        graph.add_edge(edge.source, edge.target, key=edge.kind, kind=edge.kind, reason=edge.reason)
    return graph


def render(kb: KnowledgeBase, fmt: str) -> str:
    """The graph as DOT, Mermaid or JSON text (deterministic)."""
    graph = build(kb)
    if fmt == "dot":
        return to_dot(graph)
    if fmt == "mermaid":
        return to_mermaid(graph)
    if fmt == "json":
        return to_json(graph, edge_kinds(kb))
    raise ValueError(f"unknown graph format {fmt!r}")


def _nodes(graph: "networkx.MultiDiGraph") -> list[tuple[str, dict[str, Any]]]:
    return sorted(graph.nodes(data=True), key=lambda n: n[0])


def _edges(graph: "networkx.MultiDiGraph") -> list[tuple[str, str, dict[str, Any]]]:
    return sorted(graph.edges(data=True), key=lambda e: (e[0], e[1], e[2]["kind"]))


def to_dot(graph: "networkx.MultiDiGraph") -> str:
    """Graphviz DOT: codes clustered by subcategory; administrative codes boxed, deleted dashed."""
    lines = ["graph related_codes {", '  graph [rankdir=LR, fontname="Helvetica", fontsize=11];',
             '  node [fontname="Helvetica", fontsize=10, style=filled, fillcolor="#ffffff"];',
             '  edge [fontname="Helvetica", fontsize=8];']
    groups: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for code, data in _nodes(graph):
        groups.setdefault(data["subcategory"], []).append((code, data))
    for sub in sorted(groups):
        lines.append(f"  subgraph cluster_{sub} {{")
        lines.append(f"    label={_dot_str(sub.replace('_', ' '))}; color=\"#dddddd\";")
        lines.extend(f"    {_dot_node(code, data)}" for code, data in groups[sub])
        lines.append("  }")
    for source, target, data in _edges(graph):
        arrow = "dir=forward, " if data["kind"] in ONE_WAY else ""
        label = _dot_str(data["kind"].replace("_", " "))
        lines.append(f"  {source} -- {target} [{arrow}label={label}, {_STYLE.get(data['kind'], '')}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_node(code: str, data: dict[str, Any]) -> str:
    label = f"{code}\\n{_wrap(data['name'])}"
    shape = "box" if data["nature"] == "administrative" else "ellipse"
    fill = "#fdebd0" if code == "D9961" else ("#eeeeee" if data["removed"] else "#ffffff")
    extra = ", style=\"filled,dashed\"" if data["removed"] else ""
    return f'{code} [label="{_dot_escape(label)}", shape={shape}, fillcolor="{fill}"{extra}];'


def _wrap(text: str, width: int = 24) -> str:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\\n".join([*lines, line])


def _dot_escape(text: str) -> str:
    return text.replace('"', '\\"')


def _dot_str(text: str) -> str:
    return '"' + _dot_escape(text) + '"'


def to_mermaid(graph: "networkx.MultiDiGraph") -> str:
    """Mermaid flowchart: solid for look-alikes, dotted for siblings, an arrow for replacements."""
    lines = ["graph LR"]
    for code, data in _nodes(graph):
        name = data["name"].replace('"', "#quot;")
        gone = f" (deleted {data['removed']})" if data["removed"] else ""
        opener, closer = ("[", "]") if data["nature"] == "administrative" else ("(", ")")
        lines.append(f'  {code}{opener}"{code}: {name}{gone}"{closer}')
    for source, target, data in _edges(graph):
        arrow = _MERMAID_ARROW.get(data["kind"], "---")
        lines.append(f"  {source} {arrow}|{data['kind'].replace('_', ' ')}| {target}")
    return "\n".join(lines) + "\n"


def to_json(graph: "networkx.MultiDiGraph", kinds: dict[str, str]) -> str:
    """Nodes with their attributes, edges with kind and reason, and what each kind means."""
    doc = {"edge_kinds": kinds,
           "nodes": [{"code": code, **data} for code, data in _nodes(graph)],
           "edges": [{"from": s, "to": t, "kind": d["kind"], "reason": d["reason"]}
                     for s, t, d in _edges(graph)]}
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=2) + "\n"

