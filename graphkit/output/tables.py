"""A module graph as plain data for notebooks: records (lists of dicts) and a networkx graph whose every
attribute is a string, a number or a boolean, so networkx's own writers (GraphML, GEXF, node-link JSON)
take it as it is.

Paths are relative to the graph's root (the folder its local modules share); a module that names no file
(``node:fs``) keeps its URL.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import networkx as nx

from graphkit.graph.links import link_graph, reached, strongest
from graphkit.graph.queries import cycles, to_networkx
from graphkit.model import Edge, EvictionPlan, ModuleGraph
from graphkit.output.paths import display_path
from graphkit.planning.planner import plan_graph

__all__ = ["edge_records", "every_plan", "module_records", "portable_networkx", "reload_costs"]


def _runtime(graph: ModuleGraph, runtime_only: bool) -> ModuleGraph:
    if not runtime_only:
        return graph
    return replace(graph, edges=tuple(e for e in graph.edges if e.kind.runtime))


def portable_networkx(graph: ModuleGraph, root: Path | None, *, runtime_only: bool = False) -> nx.DiGraph:
    """One node per module (keyed by URL) and one edge per (importer, imported) pair.

    Node attributes: ``path``, ``kind``, and ``format``/``status`` when known. Edge attributes: ``kind``
    (the strongest of the pair's imports), ``count`` (how many imports), ``specifier`` and ``line`` of the
    first, ``runtime`` (False for a TypeScript ``import type``). With ``runtime_only`` type-only edges are
    left out.

    >>> from graphkit.model import ImportKind, Module, ModuleKind
    >>> a, b = "file:///app/a.mjs", "file:///app/b.mjs"
    >>> g = ModuleGraph((Module(a, ModuleKind.LOCAL, None), Module(b, ModuleKind.LOCAL, None)),
    ...                 (Edge(a, b, ImportKind.STATIC, "./b.mjs", 1, 8),))
    >>> portable_networkx(g, Path("/app")).edges[a, b]
    {'kind': 'static', 'count': 1, 'specifier': './b.mjs', 'line': 1, 'runtime': True}
    """
    graph = _runtime(graph, runtime_only)
    g = nx.DiGraph()
    if root is not None:
        g.graph["root"] = str(root)
    if graph.node is not None:
        g.graph["node"] = graph.node
    for m in graph.modules:
        attrs: dict[str, Any] = {"path": display_path(m.url, root), "kind": str(m.kind)}
        if m.format is not None:
            attrs["format"] = str(m.format)
        if m.status is not None:
            attrs["status"] = str(m.status)
        g.add_node(m.url, **attrs)
    pairs: dict[tuple[str, str], list[Edge]] = {}
    for e in graph.edges:
        if e.target is not None:
            pairs.setdefault((e.source, e.target), []).append(e)
    for (source, target), imports in pairs.items():
        first = min(imports, key=lambda e: (e.line or 0, e.column or 0))
        attrs = {"kind": str(strongest({e.kind for e in imports})), "count": len(imports)}
        if first.specifier is not None:
            attrs["specifier"] = first.specifier
        if first.line is not None:
            attrs["line"] = first.line
        attrs["runtime"] = any(e.kind.runtime for e in imports)
        g.add_edge(source, target, **attrs)
    return g


def module_records(
    graph: ModuleGraph, root: Path | None, *, runtime_only: bool = False
) -> list[dict[str, Any]]:
    """One dict per module, sorted by path: ``url``, ``path``, ``folder``, ``kind``, ``format``,
    ``imports`` and ``importers`` (distinct modules), ``dependents`` (modules that import it directly or
    through others, so what a change to it can reach), ``in_cycle``.

    >>> from graphkit.model import ImportKind, Module, ModuleKind
    >>> a, b = "file:///app/a.mjs", "file:///app/lib/b.mjs"
    >>> g = ModuleGraph((Module(a, ModuleKind.LOCAL, None), Module(b, ModuleKind.LOCAL, None)),
    ...                 (Edge(a, b, ImportKind.STATIC, "./lib/b.mjs", 1, 8),))
    >>> [(r["path"], r["folder"], r["dependents"]) for r in module_records(g, Path("/app"))]
    [('a.mjs', '', 0), ('lib/b.mjs', 'lib', 1)]
    """
    graph = _runtime(graph, runtime_only)
    g = to_networkx(graph)
    cyclic = {url for cycle in cycles(g) for url in cycle}
    dependents = _dependent_counts(g)
    rows = []
    for m in graph.modules:
        path = display_path(m.url, root)
        rows.append(
            {
                "url": m.url,
                "path": path,
                "folder": path.rpartition("/")[0] if m.url.startswith("file:") else "",
                "kind": str(m.kind),
                "format": str(m.format) if m.format else "",
                "imports": g.out_degree(m.url),
                "importers": g.in_degree(m.url),
                "dependents": dependents[m.url],
                "in_cycle": m.url in cyclic,
            }
        )
    return sorted(rows, key=lambda r: r["path"])


def _dependent_counts(g: nx.DiGraph) -> dict[str, int]:
    """How many modules reach each module, counted once per strongly connected unit of the graph."""
    units = nx.condensation(g)
    members = units.graph["mapping"]
    size = {u: len(units.nodes[u]["members"]) for u in units}
    reaching = {u: sum(size[a] for a in nx.ancestors(units, u)) for u in units}
    # Inside a cycle every member reaches every other one.
    return {url: reaching[members[url]] + size[members[url]] - 1 for url in g}


def edge_records(
    graph: ModuleGraph, root: Path | None, *, runtime_only: bool = False
) -> list[dict[str, Any]]:
    """One dict per import (each occurrence, unresolved ones too), sorted: ``source``, ``target`` (a path,
    or "" when unresolved), ``kind``, ``specifier``, ``line``, ``column``, ``error``.

    >>> from graphkit.model import ImportKind, Module, ModuleKind
    >>> a = "file:///app/a.mjs"
    >>> g = ModuleGraph((Module(a, ModuleKind.LOCAL, None),),
    ...                 (Edge(a, None, ImportKind.STATIC, "gone", 2, 8, "ERR_MODULE_NOT_FOUND"),))
    >>> edge_records(g, Path("/app"))[0]["error"]
    'ERR_MODULE_NOT_FOUND'
    """
    graph = _runtime(graph, runtime_only)
    rows = [
        {
            "source": display_path(e.source, root),
            "target": display_path(e.target, root) if e.target is not None else "",
            "kind": str(e.kind),
            "specifier": e.specifier or "",
            "line": e.line or 0,
            "column": e.column or 0,
            "error": e.error or "",
        }
        for e in graph.edges
    ]
    return sorted(rows, key=lambda r: (r["source"], r["line"], r["column"], r["target"]))


def every_plan(
    graph: ModuleGraph, *, entry: str | None = None, accepting: frozenset[str] = frozenset()
) -> Iterator[tuple[str, EvictionPlan]]:
    """Each module's URL with the plan for a change to it alone, in an app started from ``entry`` (without
    one, every module counts as loaded); ``accepting`` names the modules that call ``hot.accept``."""
    # One view of the links and one walk of what is loaded serve every plan.
    links = link_graph(_runtime(graph, runtime_only=True))
    start = entry if entry is not None and entry in links else ""
    loaded = reached(links, start) if start else set(links.nodes)
    for m in graph.modules:
        yield m.url, plan_graph(links, [m.url], start, loaded=loaded, accepting=accepting)


def reload_costs(
    graph: ModuleGraph,
    root: Path | None,
    *,
    entry: str | None = None,
    accepting: frozenset[str] = frozenset(),
) -> list[dict[str, Any]]:
    """One dict per module, costliest first: ``path``, ``evicted`` (modules a change to it evicts, itself
    included), ``boundaries``, ``status`` of the plan.

    >>> from graphkit.model import ImportKind, Module, ModuleKind
    >>> a, b = "file:///app/a.mjs", "file:///app/b.mjs"
    >>> g = ModuleGraph((Module(a, ModuleKind.LOCAL, None), Module(b, ModuleKind.LOCAL, None)),
    ...                 (Edge(a, b, ImportKind.STATIC, "./b.mjs", 1, 8),))
    >>> [(r["path"], r["evicted"]) for r in reload_costs(g, Path("/app"))]
    [('b.mjs', 2), ('a.mjs', 1)]
    """
    rows = [
        {
            "path": display_path(url, root),
            "evicted": sum(len(unit) for unit in made.evict),
            "boundaries": len(made.boundaries),
            "status": str(made.status),
        }
        for url, made in every_plan(graph, entry=entry, accepting=accepting)
    ]
    return sorted(rows, key=lambda r: (-r["evicted"], r["path"]))
