"""The networkx view of a ModuleGraph and the queries over it.

Nodes are module URLs with attributes ``kind``, ``format`` and ``status`` (strings or None). There is one
edge per (importer, imported) pair; its ``imports`` attribute holds every occurrence (an ``Edge``) and
``kind`` the strongest of their kinds, so a kind other than ``dynamic`` and ``type`` means the importer is
linked to the target.
Unresolved imports are not edges: they stay in ``G.graph["unresolved"]``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from graphkit.errors import InputError
from graphkit.model import Edge, ImportKind, ModuleGraph, ModuleKind
from graphkit.model.urls import file_url_path, url_path

__all__ = [
    "UNLINKED",
    "ImporterCount",
    "cycles",
    "default_root",
    "find_module",
    "importers_of",
    "linked_view",
    "most_imported",
    "strong_components",
    "strongest",
    "to_networkx",
]

# Strongest first: a static import binds harder than a dynamic one when both point at one target.
_STRENGTH = (
    ImportKind.STATIC,
    ImportKind.REEXPORT,
    ImportKind.REQUIRE,
    ImportKind.STARTUP,
    ImportKind.DYNAMIC,
    ImportKind.TYPE,
)
# Kinds whose importer is not bound to one instance of the target (``import()``, type-only).
UNLINKED = frozenset(kind for kind in ImportKind if not kind.links)


def strongest(kinds: set[ImportKind]) -> ImportKind:
    """The kind that binds hardest among ``kinds`` (one edge may stand for several imports)."""
    return next(k for k in _STRENGTH if k in kinds)


def to_networkx(graph: ModuleGraph) -> nx.DiGraph:
    g = nx.DiGraph(node=graph.node, unresolved=tuple(e for e in graph.edges if e.target is None))
    # StrEnum members are strings already: str() skips the slower ``.value`` descriptor on big graphs.
    g.add_nodes_from(
        (
            m.url,
            {
                "kind": str(m.kind),
                "format": str(m.format) if m.format else None,
                "status": str(m.status) if m.status else None,
            },
        )
        for m in graph.modules
    )
    occurrences: dict[tuple[str, str], list[Edge]] = {}
    for e in graph.edges:
        if e.target is not None:
            occurrences.setdefault((e.source, e.target), []).append(e)
    g.add_edges_from(
        (source, target, {"kind": str(strongest({e.kind for e in edges})), "imports": tuple(edges)})
        for (source, target), edges in occurrences.items()
    )
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


def strong_components(imports: Mapping[str, Sequence[str]]) -> tuple[dict[str, int], list[tuple[str, ...]]]:
    """Strongly connected components (Tarjan, iterative): each URL's unit number and the sorted units."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    unit_of: dict[str, int] = {}
    units: list[tuple[str, ...]] = []
    for root in imports:
        if root in index:
            continue
        work = [(root, 0)]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            url, next_edge = work[-1]
            targets = imports[url]
            if next_edge < len(targets):
                work[-1] = (url, next_edge + 1)
                target = targets[next_edge]
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, 0))
                elif target in on_stack:
                    low[url] = min(low[url], index[target])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[url])
            if low[url] == index[url]:
                members = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    unit_of[member] = len(units)
                    members.append(member)
                    if member == url:
                        break
                units.append(tuple(sorted(members)))
    return unit_of, units


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


def default_root(graph: ModuleGraph) -> Path | None:
    """The common folder of the local modules (of all file modules when there is no local one)."""
    for kinds in ({ModuleKind.LOCAL}, {ModuleKind.LOCAL, ModuleKind.PACKAGE, ModuleKind.MISSING}):
        paths = (file_url_path(m.url) for m in graph.modules if m.kind in kinds)
        folders = {os.path.dirname(p) for p in paths if p}
        if folders:
            return Path(os.path.commonpath(folders))
    return None


def find_module(graph: ModuleGraph, where: str | Path) -> str:
    """The URL of the module at a path or URL, compared as paths so URL encoding never matters."""
    urls = {m.url for m in graph.modules}
    if str(where) in urls:
        return str(where)
    wanted = Path(where).resolve()
    for url in sorted(urls):
        path = url_path(url)
        if path is not None and path == wanted:
            return url
    raise InputError(f"{where}: not a module of the graph")
