"""Planning over the live mirror: a save costs what it evicts, not what the app holds.

The mirror holds exactly the modules the app has loaded, so nothing is walked to find them; the planner
visits the changed modules, their importers up to each boundary and the boundaries' imports. Whether a
visited module accepts updates is asked of that module alone: the host's answer, else its source (kept
per module by ``SourceAccepts`` until a save names it, and by file identity in ``graphkit.extract.accepts``).
"""

from __future__ import annotations

from collections.abc import Collection, Container, Iterable, Sequence
from typing import Any

import networkx as nx

from graphkit.extract.accepts import file_accepts
from graphkit.graph.links import LinkGraph
from graphkit.model import Edge, EvictionPlan, ImportKind, ModuleKind
from graphkit.planning.planner import plan_graph

__all__ = ["SourceAccepts", "booted_from", "needed", "plan_live"]


class SourceAccepts:
    """Whether local modules' sources call hot.accept, read once per module and kept until ``forget``.

    The watch loop keeps one for the life of the app and forgets what each save names: a module no save
    named is unchanged, so a save of a module every other imports asks no file system call of them.
    """

    def __init__(self) -> None:
        self._known: dict[str, bool] = {}

    def __call__(self, url: str) -> bool:
        found = self._known.get(url)
        if found is None:
            found = self._known[url] = file_accepts(url)
        return found

    def forget(self, urls: Iterable[str]) -> None:
        for url in urls:
            self._known.pop(url, None)

    def clear(self) -> None:
        self._known.clear()


class _Accepting(Container[str]):
    """Modules the host reports as accepting, or whose local source calls hot.accept; read on demand."""

    def __init__(self, g: LinkGraph, reported: Container[str], sources: SourceAccepts) -> None:
        self._g = g
        self._reported = reported
        self._sources = sources

    def __contains__(self, url: object) -> bool:
        if not isinstance(url, str):
            return False
        if url in self._reported:
            return True
        node = self._g.nodes.get(url)
        return node is not None and node.get("kind") == ModuleKind.LOCAL and self._sources(url)


def plan_live(
    g: nx.DiGraph,
    changed: Sequence[str],
    entry: str,
    *,
    accepting: Container[str] = frozenset(),
    include_packages: bool = False,
    deleted: Collection[str] = (),
    restart_on_entry: bool = False,
    sources: SourceAccepts | None = None,
    booted_from: Collection[str] = (),
    kept: Collection[tuple[str, str]] = (),
) -> EvictionPlan:
    """The plan ``graphkit.planning.planner.plan`` makes for a live graph, from its networkx view ``g``.

    ``accepting`` holds the modules the host reports as accepting; the local sources of visited modules
    are read too, through ``sources`` when given (what it read before stands). Equal to ``plan`` when the
    entry reaches every module of ``g``, as in a running app.
    """
    # networkx's own dictionaries, only read: its views cost a call per neighbour, and a save of a module
    # every other imports walks them all.
    links = LinkGraph(g._node, g._succ, g._pred)
    return plan_graph(
        links,
        changed,
        entry,
        loaded=links,  # a live graph holds what the app holds: no missing modules
        accepting=_Accepting(links, accepting, SourceAccepts() if sources is None else sources),
        include_packages=include_packages,
        deleted=deleted,
        restart_on_entry=restart_on_entry,
        booted_from=booted_from,
        kept=kept,
    )


def booted_from(g: nx.DiGraph, urls: Iterable[str], root: str) -> list[str]:
    """Those of ``urls`` (files the app has not loaded) that its boot may import: they lie in a folder from
    which the app imported its own modules by a computed ``import()`` (an absolute URL or path, as a plugin
    loader such as @fastify/autoload makes) while it booted, or a package ``require()``d them, or in a
    subfolder of one. A boot folder that is
    the app's package folder ``root`` (a URL ending in ``/``) counts for the files directly in it only.

    Walks the live graph's edges: the watch loop asks only when a save names a file the app has not loaded.
    """
    folders = {
        _folder(target)
        for source, target, data in g.edges(data=True)
        if g.nodes[target].get("kind") == ModuleKind.LOCAL and _loaded_by_path(g, source, data)
    }
    return [
        url
        for url in urls
        if url not in g
        and any(_folder(url) == f or (f != root and _folder(url).startswith(f)) for f in folders)
    ]


def needed(g: nx.DiGraph, url: str) -> bool:
    """Whether a module the app loaded cannot do without ``url``, so a reload without it fails: it imports it
    statically, by a literal ``import()`` at boot, or ``require()``s it itself. A plugin loader's import (by a
    computed specifier, or a package's ``require()``) and an ``import()`` made later do not count."""
    return url in g and any(
        _needs(g, source, e) for source, _, data in g.in_edges(url, data=True) for e in data["imports"]
    )


def _needs(g: nx.DiGraph, source: str, edge: Edge) -> bool:
    if edge.kind is ImportKind.REQUIRE:
        return bool(g.nodes[source].get("kind") != ModuleKind.PACKAGE)
    if edge.kind is ImportKind.STARTUP:
        return not _computed(edge.specifier)
    return edge.kind in (ImportKind.STATIC, ImportKind.REEXPORT)


def _loaded_by_path(g: nx.DiGraph, source: str, data: dict[str, Any]) -> bool:
    """An ``import()`` at boot by a computed specifier, or a package's ``require()`` of the app's module (in
    a CommonJS app, @fastify/autoload requires each file)."""
    if data["kind"] == ImportKind.REQUIRE:
        return bool(g.nodes[source].get("kind") == ModuleKind.PACKAGE)
    return data["kind"] == ImportKind.STARTUP and any(_computed(edge.specifier) for edge in data["imports"])


def _folder(url: str) -> str:
    return url[: url.rindex("/") + 1]


def _computed(specifier: str | None) -> bool:
    return specifier is None or specifier.startswith(("file:", "/"))
