"""The networkx view of a ModuleGraph and the queries over it.

Nodes are module URLs with attributes ``kind``, ``format`` and ``status`` (strings or None). There is one
edge per (importer, imported) pair; its ``imports`` attribute holds every occurrence (an ``Edge``) and
``kind`` the strongest of their kinds, so a kind other than ``dynamic`` and ``type`` means the importer is
linked to the target.
Unresolved imports are not edges: they stay in ``G.graph["unresolved"]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from graphkit.graph.links import UNLINKED, edge_rows, node_rows, strong_components
from graphkit.model import Edge, ModuleGraph

__all__ = [
    "ImporterCount",
    "cycles",
    "importers_of",
    "linked_view",
    "most_imported",
    "to_networkx",
]

def to_networkx(graph: ModuleGraph) -> nx.DiGraph:
    g = nx.DiGraph(node=graph.node, unresolved=tuple(e for e in graph.edges if e.target is None))
    g.add_nodes_from(node_rows(graph))
    g.add_edges_from(edge_rows(graph))
    return g


def cycles(g: nx.DiGraph, *, include_dynamic: bool = False) -> list[tuple[str, ...]]:
    """Import cycles as strongly connected components, each sorted; dynamic edges excluded by default."""
    # Plain lists of the linking edges: networkx's filtered view pays a filter call per neighbour visited.
    imports = {
        url: [t for t, data in g.succ[url].items() if include_dynamic or data["kind"] not in UNLINKED]
        for url in g
    }
    _, units = strong_components(imports)
    return sorted(unit for unit in units if len(unit) > 1 or unit[0] in imports[unit[0]])


def linked_view(g: nx.DiGraph) -> nx.DiGraph:
    """The edges that bind an importer to one instance of its target (not import(), not type-only)."""
    return nx.subgraph_view(g, filter_edge=lambda u, v: g[u][v]["kind"] not in UNLINKED)


@dataclass(frozen=True, slots=True)
class ImporterCount:
    url: str
    importers: int


def most_imported(g: nx.DiGraph, limit: int = 10) -> list[ImporterCount]:
    """Modules with the most distinct importers, most first, ties by URL."""
    ranked = sorted(g.in_degree, key=lambda item: (-item[1], item[0]))
    return [ImporterCount(url, n) for url, n in ranked[:limit] if n > 0]


def importers_of(g: nx.DiGraph, url: str) -> list[Edge]:
    """Every import of ``url`` (one per occurrence), by importer and position."""
    if url not in g:
        return []
    found = [e for source in g.predecessors(url) for e in g[source][url]["imports"]]
    return sorted(found, key=lambda e: (e.source, e.line or 0, e.column or 0))
