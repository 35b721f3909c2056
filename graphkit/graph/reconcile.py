"""Comparing a static graph with a live one: which imports both saw, and where they part.

The live graph cannot tell ``import`` from ``export ... from`` (both are links in loadCache), so
``static`` and ``reexport`` compare as one kind. Live ``require`` edges carry no specifier (Node keeps
only ``module.children``), so ``require`` edges compare by importer and target alone. A computed
``import()`` has no specifier for the static side to offer: what it loaded shows up as live-only.
Static ``require`` of a builtin is left out: ``require.cache`` never records builtins, and so are
TypeScript ``type`` imports, which type stripping erases before anything loads.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from graphkit.model import Edge, ImportKind, ModuleGraph
from graphkit.model.urls import file_url_path

__all__ = ["Comparison", "Disagreement", "Row", "compare"]


@dataclass(frozen=True, slots=True)
class Row:
    """One import, from either side; ``where`` is ``path:line`` when the static side knows it."""

    source: str
    target: str | None
    kind: ImportKind
    specifier: str | None
    where: str | None


@dataclass(frozen=True, slots=True)
class Disagreement:
    """The same importer and specifier, sent to different modules by the static resolver and by Node."""

    source: str
    specifier: str
    static_target: str | None
    live_target: str
    where: str | None


@dataclass(frozen=True, slots=True)
class Comparison:
    """The imports of a static and a live graph, matched: ``agreed`` in both, the rest where they part."""

    agreed: tuple[Row, ...]
    live_only: tuple[Row, ...]  # static analysis missed it: computed import(), loader hook, conditions
    static_only: tuple[Row, ...]  # not loaded: import() not executed, branch not taken
    disagreements: tuple[Disagreement, ...]

    @property
    def agrees(self) -> bool:
        return not (self.live_only or self.static_only or self.disagreements)


def _kind(kind: ImportKind) -> ImportKind:
    # The live graph tells re-exports from imports by nothing, and start-up import() calls by timing only.
    return {ImportKind.REEXPORT: ImportKind.STATIC, ImportKind.STARTUP: ImportKind.DYNAMIC}.get(kind, kind)


def _key(edge: Edge) -> tuple[str, ImportKind, str | None, str | None]:
    kind = _kind(edge.kind)
    return (edge.source, kind, None if kind is ImportKind.REQUIRE else edge.specifier, edge.target)


def _where(edge: Edge) -> str | None:
    path = file_url_path(edge.source)
    return None if edge.line is None or path is None else f"{path}:{edge.line}"


def _row(edge: Edge, where: str | None) -> Row:
    return Row(edge.source, edge.target, _kind(edge.kind), edge.specifier, where)


def _compared_static(edges: Iterable[Edge]) -> list[Edge]:
    return [
        e
        for e in edges
        if e.specifier is not None
        and e.kind.runtime
        and not (e.kind is ImportKind.REQUIRE and (e.target or e.specifier).startswith("node:"))
    ]


def compare(static: ModuleGraph, live: ModuleGraph) -> Comparison:
    """Match every static import occurrence against the live edges; rows are sorted and unique."""
    static_edges: dict[tuple[str, ImportKind, str | None, str | None], Edge] = {}
    for e in _compared_static(static.edges):
        static_edges.setdefault(_key(e), e)
    live_edges: dict[tuple[str, ImportKind, str | None, str | None], Edge] = {}
    for e in live.edges:
        live_edges.setdefault(_key(e), e)

    agreed = [_row(e, _where(e)) for k, e in static_edges.items() if k in live_edges]
    static_rest = {k: e for k, e in static_edges.items() if k not in live_edges}
    live_rest = {k: e for k, e in live_edges.items() if k not in static_edges}

    # Same importer, kind and specifier on both sides, different target: a resolution disagreement.
    by_request = {(k[0], k[1], k[2]): (k, e) for k, e in static_rest.items() if k[2] is not None}
    disagreements = []
    for key, e in list(live_rest.items()):
        match = by_request.get((key[0], key[1], key[2])) if key[2] is not None else None
        if match is None or e.target is None:
            continue
        static_key, static_edge = match
        disagreements.append(
            Disagreement(e.source, key[2] or "", static_edge.target, e.target, _where(static_edge))
        )
        del live_rest[key]
        static_rest.pop(static_key, None)

    def ordered(rows: Iterable[Row]) -> tuple[Row, ...]:
        return tuple(sorted(rows, key=lambda r: (r.source, r.target or "", r.kind.value, r.specifier or "")))

    return Comparison(
        agreed=ordered(agreed),
        live_only=ordered(_row(e, None) for e in live_rest.values()),
        static_only=ordered(_row(e, _where(e)) for e in static_rest.values()),
        disagreements=tuple(sorted(disagreements, key=lambda d: (d.source, d.specifier))),
    )
