"""One networkx mirror of the running app's module graph, kept current by the host's change journal.

The host answers ``changes {since}`` with one row per URL whose entries may have changed (``journal.mjs``):
the module a full snapshot would list for it, or none, and every edge the snapshot derives from it. The
mirror replaces each row's edges and module, so applying a save's answer costs what the save changed. It
equals ``to_networkx`` of a full snapshot taken at the same moment: the same nodes and attributes, one edge
per (importer, imported) pair with its ``kind`` and ``imports``, unresolved imports in
``graph["unresolved"]``, and builtins only when an app module links them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from sys import intern
from typing import Any

import networkx as nx

from graphkit.errors import ProbeError
from graphkit.graph.links import strongest
from graphkit.model import Edge, Format, ImportKind, Module, ModuleKind, Status
from graphkit.model.protocol import Field

__all__ = ["Delta", "LiveMirror", "Row", "delta_from_reply"]

_FAILED = frozenset({Status.ERRORED, Status.LINKED, Status.INSTANTIATED})
_MODULE_KINDS = {k.value: k for k in ModuleKind}
_FORMATS = {f.value: f for f in Format}
_STATUSES = {s.value: s for s in Status}
_IMPORT_KINDS = {k.value: k for k in ImportKind}
# One string per value for every node's attributes: str() of an enum member makes a new one each time.
_TEXT: dict[str, str] = {m: str(m) for e in (ModuleKind, Format, Status, ImportKind) for m in e}


@dataclass(frozen=True, slots=True)
class Row:
    """What a full snapshot holds for one URL: its module (None: gone) and the edges derived from it."""

    url: str
    module: Module | None
    edges: tuple[Edge, ...]


@dataclass(frozen=True, slots=True)
class Delta:
    """One journal answer; ``full`` replaces everything the reader held."""

    full: bool
    version: int
    rows: tuple[Row, ...]
    accepting: frozenset[str]  # modules whose current instance called hot.accept


def delta_from_reply(reply: dict[str, Any], source: str) -> Delta:
    """The typed form of a ``changes`` reply; a malformed one is a ProbeError naming ``source``.

    Each URL and specifier is interned: the reply repeats a module's URL in every edge that names it, and
    the mirror keeps them all.
    """
    try:
        rows = []
        # Each parsed row is dropped once converted: the first answer holds the whole app, read once.
        pending = reply[Field.ROWS]
        pending.reverse()
        while pending:
            url, module, edges = pending.pop()
            url = intern(url)
            rows.append(Row(url, None if module is None else _module(url, *module), _edges(url, edges)))
        full, version, accepting = bool(reply[Field.FULL]), int(reply[Field.VERSION]), reply[Field.ACCEPTING]
        return Delta(full, version, tuple(rows), frozenset(accepting))
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        raise ProbeError(f"{source}: malformed changes reply ({error!r})") from error


def _module(url: str, kind: str, format: str | None, status: str | None) -> Module:
    return Module(
        url=url,
        kind=_MODULE_KINDS[kind],
        format=_FORMATS[format] if format else None,
        status=_STATUSES[status] if status else None,
    )


def _edges(url: str, rows: list[list[Any]]) -> tuple[Edge, ...]:
    """A row's edges; a source of null is the row's own URL."""
    edges = []
    for source, target, kind, specifier, error in rows:
        edges.append(
            Edge(
                url if source is None else intern(source),
                None if target is None else intern(target),
                _IMPORT_KINDS[kind],
                None if specifier is None else intern(specifier),
                None,
                None,
                error,
            )
        )
    return tuple(edges)


class LiveMirror:
    """The live graph of one app process; ``graph`` is the networkx view the planner walks."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget everything: the next answer the host gives is a full one (a restarted app)."""
        self.graph = nx.DiGraph(node=None, unresolved=())
        self.version = 0  # the last journal answer applied; 0: nothing yet
        self.accepting: frozenset[str] = frozenset()
        self.failed: set[str] = set()  # modules whose load failed (Node caches the failure)
        self._modules: dict[str, Module] = {}  # every row's module, builtins linked by nobody included
        self._owned: dict[str, tuple[Edge, ...]] = {}  # row URL -> the edges it contributes
        self._unresolved: dict[str, tuple[Edge, ...]] = {}  # row URL -> its edges without a target
        self._static_in: Counter[str] = Counter()  # static edges into a URL: a builtin shows when > 0

    def apply(self, delta: Delta) -> None:
        if delta.full:
            self.reset()
        change = _Change()
        unresolved = 0
        for row in delta.rows:
            unresolved += self._replace(row, change)
        for pair, added in change.pairs.items():
            self._sync_pair(pair, change.removed, added)
        for url in change.nodes:
            self._sync_node(url)
        if unresolved:
            self.graph.graph["unresolved"] = tuple(e for edges in self._unresolved.values() for e in edges)
        self.version = delta.version
        self.accepting = delta.accepting

    def _replace(self, row: Row, change: _Change) -> int:
        """Swaps in one row; how many unresolved imports it dropped or brought."""
        change.nodes.add(row.url)
        resolved = tuple(e for e in row.edges if e.target is not None)
        if resolved == self._owned.get(row.url, ()) and row.url not in self._unresolved:
            # A module re-imported unchanged (most of a reload) links what it linked: only its module moves.
            if len(resolved) < len(row.edges):
                self._unresolved[row.url] = tuple(e for e in row.edges if e.target is None)
                unresolved_added = len(row.edges) - len(resolved)
            else:
                unresolved_added = 0
            self._set_module(row)
            return unresolved_added
        for e in self._owned.pop(row.url, ()):
            assert e.target is not None
            change.removed.add(id(e))
            change.pairs.setdefault((e.source, e.target), [])
            if e.kind is ImportKind.STATIC:
                self._static_in[e.target] -= 1
            change.nodes.update((e.source, e.target))
        unresolved = len(self._unresolved.pop(row.url, ()))
        for e in resolved:
            assert e.target is not None
            change.pairs.setdefault((e.source, e.target), []).append(e)
            if e.kind is ImportKind.STATIC:
                self._static_in[e.target] += 1
            change.nodes.update((e.source, e.target))
        if resolved:
            self._owned[row.url] = resolved
        if len(resolved) < len(row.edges):
            self._unresolved[row.url] = tuple(e for e in row.edges if e.target is None)
            unresolved += len(row.edges) - len(resolved)
        self._set_module(row)
        return unresolved

    def _set_module(self, row: Row) -> None:
        if row.module is None:
            self._modules.pop(row.url, None)
        else:
            self._modules[row.url] = row.module

    def _sync_pair(self, pair: tuple[str, str], removed: set[int], added: list[Edge]) -> None:
        """The pair's occurrences (those of the importer's row and of the imported's) live on its edge."""
        g = self.graph
        data = g.get_edge_data(*pair)
        kept = [e for e in data["imports"] if id(e) not in removed] if data is not None else []
        occurrences = (*kept, *added)
        if occurrences:
            kind = strongest({e.kind for e in occurrences})
            g.add_edge(*pair, kind=_TEXT[kind], imports=occurrences)
        elif data is not None:
            g.remove_edge(*pair)

    def _visible(self, url: str) -> Module | None:
        module = self._modules.get(url)
        if module is None:
            return None
        # The probe's own imports put builtins in the cache: one shows only when an app module links it.
        if module.kind is ModuleKind.BUILTIN and self._static_in[url] <= 0:
            return None
        return module

    def _sync_node(self, url: str) -> None:
        module = self._visible(url)
        if module is not None and module.status in _FAILED:
            self.failed.add(url)
        else:
            self.failed.discard(url)
        g = self.graph
        if module is not None:
            attrs = {
                "kind": _TEXT[module.kind],
                "format": _TEXT[module.format] if module.format else None,
                "status": _TEXT[module.status] if module.status else None,
            }
            if url in g:
                g.nodes[url].clear()
                g.nodes[url].update(attrs)
            else:
                g.add_node(url, **attrs)
        elif url in g:
            if g.in_degree(url) or g.out_degree(url):
                g.nodes[url].clear()  # an edge endpoint the app does not hold, as to_networkx leaves it
            else:
                g.remove_node(url)


@dataclass(slots=True)
class _Change:
    """What one answer touches: nodes to sync, and per (importer, imported) pair the occurrences it brings
    (the ``id`` of every occurrence it takes away is in ``removed``)."""

    nodes: set[str] = field(default_factory=set)
    pairs: dict[tuple[str, str], list[Edge]] = field(default_factory=dict)
    removed: set[int] = field(default_factory=set)
