"""Which imports link an importer to one instance of its target, and a plain-dict view of a graph's links.

``link_graph`` holds the kinds ``graphkit.graph.queries.to_networkx`` holds, in the ``pred``, ``succ`` and
``nodes`` mappings the planner reads, without networkx: a one-off plan of a scanned app (``graphkit plan``
from an editor or a git hook) neither imports nor builds it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from graphkit.model import Edge, ImportKind, ModuleGraph

__all__ = [
    "UNLINKED",
    "LinkGraph",
    "Links",
    "edge_rows",
    "link_graph",
    "node_rows",
    "reached",
    "strong_components",
    "strongest",
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


def node_rows(graph: ModuleGraph) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each module's URL and attributes (``kind``, ``format``, ``status``: strings or None)."""
    # StrEnum members are strings already: str() skips the slower ``.value`` descriptor on big graphs.
    for m in graph.modules:
        yield (
            m.url,
            {
                "kind": str(m.kind),
                "format": str(m.format) if m.format else None,
                "status": str(m.status) if m.status else None,
            },
        )


def edge_rows(graph: ModuleGraph) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """One row per (importer, imported) pair: ``kind`` the strongest of its imports, ``imports`` them all."""
    occurrences: dict[tuple[str, str], list[Edge]] = {}
    for e in graph.edges:
        if e.target is not None:
            occurrences.setdefault((e.source, e.target), []).append(e)
    for (source, target), edges in occurrences.items():
        kind = edges[0].kind if len(edges) == 1 else strongest({e.kind for e in edges})
        yield source, target, {"kind": str(kind), "imports": tuple(edges)}


class Links(Protocol):
    """What the planner reads of a graph: a ``LinkGraph``, or a networkx ``DiGraph`` (the live mirror)."""

    @property
    def nodes(self) -> Mapping[str, Mapping[str, Any]]: ...
    @property
    def succ(self) -> Mapping[str, Mapping[str, Mapping[str, Any]]]: ...
    @property
    def pred(self) -> Mapping[str, Mapping[str, Mapping[str, Any]]]: ...
    def __contains__(self, url: object, /) -> bool: ...


@dataclass(frozen=True, slots=True)
class LinkGraph:
    """Nodes and edges as networkx keeps them: ``succ[a][b]`` and ``pred[b][a]`` are one edge's attributes."""

    nodes: dict[str, dict[str, Any]]
    succ: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    pred: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    def __contains__(self, url: object) -> bool:
        return url in self.nodes

    def __iter__(self) -> Iterator[str]:
        return iter(self.nodes)

    def __len__(self) -> int:
        return len(self.nodes)


def link_graph(graph: ModuleGraph) -> LinkGraph:
    """The planner's view: each node's ``kind``, each (importer, imported) pair's strongest ``kind``."""
    nodes: dict[str, dict[str, Any]] = {m.url: {"kind": str(m.kind)} for m in graph.modules}
    succ: dict[str, dict[str, dict[str, Any]]] = {url: {} for url in nodes}
    pred: dict[str, dict[str, dict[str, Any]]] = {url: {} for url in nodes}
    for e in graph.edges:  # one pass over every import of the app: each lookup saved counts
        source, target = e.source, e.target
        if target is None:
            continue
        targets = succ.get(source)
        if targets is None:
            targets = succ[source] = {}
            nodes.setdefault(source, {})
        data = targets.get(target)
        if data is None:
            importers = pred.get(target)
            if importers is None:
                importers = pred[target] = {}
                nodes.setdefault(target, {})
            targets[target] = importers[source] = {"kind": str(e.kind)}
        else:
            data["kind"] = str(strongest({ImportKind(data["kind"]), e.kind}))
    return LinkGraph(nodes, succ, pred)


def reached(g: Links, entry: str) -> set[str]:
    """What ``entry`` reaches through ``g``'s edges, itself included; all of ``g`` when it is not in it."""
    if entry not in g:
        return set(g.nodes)
    reach, stack = {entry}, [entry]
    while stack:
        for target in g.succ[stack.pop()]:
            if target not in reach:
                reach.add(target)
                stack.append(target)
    return reach


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
