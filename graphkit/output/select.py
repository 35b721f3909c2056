"""Which part of a graph a drawing or a JSON document shows: a smaller ModuleGraph cut from a whole one.

Every output (DOT, Mermaid, JSON, the HTML page) takes the same cut, so ``--focus`` or ``--exclude`` means
the same thing whatever the format. Patterns are regular expressions searched in a module's path as it is
shown (relative to the root), or in its URL when it names no file (``node:fs``).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from graphkit.errors import UsageError
from graphkit.graph.lookup import find_module
from graphkit.model import Edge, ModuleGraph
from graphkit.output.paths import display_path
from graphkit.output.view import ViewOptions

__all__ = ["Selection", "compile_pattern", "neighbourhood", "select", "transitive_importers"]


@dataclass(frozen=True, slots=True)
class Selection:
    """What to keep of a graph; the default keeps everything."""

    focus: str | Path | None = None  # the modules around this one (a path, relative to the root too, or URL)
    depth: int | None = None  # with focus: how many imports away, both ways (default: all connected)
    exclude: tuple[str, ...] = ()  # patterns of modules to leave out, with their imports
    reaches: str | Path | None = None  # only this module and the modules that import it, transitively
    keep: frozenset[str] | None = None  # only these module URLs (a plan's affected modules)
    runtime_only: bool = False  # leave out TypeScript `import type` edges: nothing of them loads


def selected_by(options: ViewOptions) -> Selection:
    """The selection a drawing's keyword options ask for."""
    return Selection(
        focus=options.get("focus"),
        depth=options.get("depth"),
        exclude=tuple(options.get("exclude", ())),
        reaches=options.get("reaches"),
        runtime_only=options.get("runtime_only", False),
    )


def compile_pattern(text: str) -> re.Pattern[str]:
    """A user's pattern as a regular expression; a broken one is a usage error naming it."""
    try:
        return re.compile(text)
    except re.error as error:
        raise UsageError(f"pattern {text!r}: not a regular expression ({error})") from None


def _adjacency(graph: ModuleGraph) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    succ: dict[str, set[str]] = {m.url: set() for m in graph.modules}
    pred: dict[str, set[str]] = {m.url: set() for m in graph.modules}
    for e in graph.edges:
        if e.target is not None:
            succ.setdefault(e.source, set()).add(e.target)
            pred.setdefault(e.target, set()).add(e.source)
    return succ, pred


def neighbourhood(
    graphs: Iterable[Mapping[str, Collection[str]]], start: str, depth: int | None
) -> set[str]:
    """Modules within ``depth`` steps of ``start`` along any of the maps (every one reached without depth)."""
    maps = list(graphs)
    seen = {start: 0}
    queue = deque([start])
    while queue:
        url = queue.popleft()
        if depth is not None and seen[url] >= depth:
            continue
        for other in (o for m in maps for o in m.get(url, ())):
            if other not in seen:
                seen[other] = seen[url] + 1
                queue.append(other)
    return set(seen)


def transitive_importers(graph: ModuleGraph, url: str) -> set[str]:
    """Every module that imports ``url`` directly or through others (``url`` itself not included)."""
    _, pred = _adjacency(graph)
    return neighbourhood([pred], url, None) - {url}


def select(graph: ModuleGraph, selection: Selection, root: Path | None) -> ModuleGraph:
    """The part of ``graph`` that ``selection`` keeps: modules and the imports between them.

    An unresolved import stays with its importer; ``root`` is the folder patterns see paths relative to.

    >>> from graphkit.model import Edge, ImportKind, Module, ModuleKind
    >>> a, b = "file:///app/a.ts", "file:///app/b.ts"
    >>> g = ModuleGraph((Module(a, ModuleKind.LOCAL, None), Module(b, ModuleKind.LOCAL, None)),
    ...                 (Edge(a, b, ImportKind.TYPE, "./b", 1, 1),))
    >>> len(select(g, Selection(runtime_only=True), Path("/app")).edges)
    0
    >>> [m.url for m in select(g, Selection(exclude=("^b",)), Path("/app")).modules]
    ['file:///app/a.ts']
    """
    if selection.depth is not None and (selection.focus is None or selection.depth < 0):
        raise UsageError(f"depth {selection.depth}: needs --focus and a number >= 0")
    edges = graph.edges
    if selection.runtime_only:
        edges = tuple(e for e in edges if e.kind.runtime)
    kept = {m.url for m in graph.modules}
    if selection.exclude:
        patterns = [compile_pattern(p) for p in selection.exclude]
        kept = {url for url in kept if not any(p.search(display_path(url, root)) for p in patterns)}
    if selection.keep is not None:
        kept &= selection.keep
    cut = replace(graph, edges=_between(edges, kept))
    succ, pred = _adjacency(cut)
    if selection.reaches is not None:
        target = find_module(graph, selection.reaches)
        kept &= neighbourhood([pred], target, None) if target in kept else set()
    if selection.focus is not None:
        start = find_module(graph, selection.focus)
        kept &= neighbourhood([succ, pred], start, selection.depth) if start in kept else set()
    return replace(
        cut,
        modules=tuple(m for m in graph.modules if m.url in kept),
        edges=_between(cut.edges, kept),
    )


def _between(edges: tuple[Edge, ...], kept: set[str]) -> tuple[Edge, ...]:
    """The imports from a kept module to a kept one, or to nothing (an unresolved import)."""
    return tuple(e for e in edges if e.source in kept and (e.target is None or e.target in kept))
