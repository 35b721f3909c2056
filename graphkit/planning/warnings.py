"""What may make a plan wrong, said beside it: a graph that fails to load, imports that do not resolve
where the change reaches, and an entry found automatically that is probably not the app's.

A plan is exact only over the graph it was made on. An import that does not resolve hides what it would
load, so a ``noop`` over such a graph is never printed as if it were certain.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from graphkit.model import Edge, EvictionPlan, ImportKind, ModuleGraph, PlanStatus
from graphkit.model.urls import in_node_modules, path_to_url
from graphkit.planning.workspace import shared_in_workspace

__all__ = ["PlanWarnings", "plan_warnings"]

_LINKING = (ImportKind.STATIC, ImportKind.REEXPORT)
_UNLOADABLE = ("syntax-error", "read-error")  # what stops Node loading a file we parsed


@dataclass(frozen=True, slots=True)
class PlanWarnings:
    lines: tuple[str, ...]  # each one sentence; modules named by URL
    load_failed: bool  # Node failed (live) or would fail (scan) to load the app


def plan_warnings(
    graph: ModuleGraph, plan: EvictionPlan, entry_url: str, manifest: Path | None
) -> PlanWarnings:
    """``manifest``: the package.json the entry was found from; None when the entry was given."""
    lines: list[str] = []
    failure = _load_failure(graph)
    if failure is not None:
        lines.append(failure)
    touched = set(plan.changed) | {url for unit in plan.evict for url in unit}
    unresolved = [e for e in graph.edges if e.target is None]
    near = [e for e in unresolved if e.source in touched]
    if near:
        lines.append(
            f"{_count(near)} in the modules this plan evicts {_do(near)} not resolve ({_first(near)}): "
            "the plan leaves out whatever they would load"
        )
    elif plan.status is PlanStatus.NOOP and unresolved and failure is None:
        lines.append(
            f"noop, but {_count(unresolved)} in the app {_do(unresolved)} not resolve "
            f"({_first(unresolved)}): the changed file may be loaded through one of them"
        )
    if manifest is not None:
        lines.extend(_entry_doubts(manifest, entry_url, plan))
        loaded = {m.url for m in graph.modules}
        unreached = [url for url in plan.changed if url not in loaded]
        if unreached:
            # A package's main is often its build: the sources a change touches are not what it loads.
            lines.append(
                f"{unreached[0]} is not loaded from the entry found, {entry_url}: if the app starts "
                "elsewhere (a source entry, another package), pass --entry"
            )
    return PlanWarnings(tuple(lines), failure is not None)


def _load_failure(graph: ModuleGraph) -> str | None:
    if graph.node is not None:  # live: what Node itself reported
        if not graph.problems:
            return None
        first = graph.problems[0]
        return f"Node failed to load the app: {first.code}: {first.message}{_more(len(graph.problems))}"
    broken = [e for e in graph.edges if e.target is None and e.kind in _LINKING]
    unreadable = [p for p in graph.problems if p.code in _UNLOADABLE]
    if broken:
        return f"the app would fail to load: {_at(broken[0])}{_more(len(broken) + len(unreadable))}"
    if unreadable:
        first = unreadable[0]
        return f"the app would fail to load: {first.url}:{first.line}: {first.code}{_more(len(unreadable))}"
    return None


def _entry_doubts(manifest: Path, entry_url: str, plan: EvictionPlan) -> list[str]:
    named_by = path_to_url(manifest)
    if in_node_modules(entry_url):
        return [f"the entry found, {entry_url}, is a package under node_modules ({named_by}); pass --entry"]
    root = shared_in_workspace(manifest.parent) if entry_url in plan.changed else None
    if root is not None:
        # From a monorepo's root, a changed library's own package.json names the library as the app.
        return [
            f"the entry found is the changed file itself, named by {named_by}, a library other members of "
            f"the workspace at {path_to_url(root)} depend on: pass --entry with the app's entry"
        ]
    return []


def _count(edges: list[Edge]) -> str:
    return f"{len(edges)} import" + ("" if len(edges) == 1 else "s")


def _do(edges: list[Edge]) -> str:
    return "does" if len(edges) == 1 else "do"


def _first(edges: list[Edge]) -> str:
    return ("first " if len(edges) > 1 else "") + _at(edges[0])


def _at(edge: Edge) -> str:
    what = repr(edge.specifier) if edge.specifier is not None else "a computed import()"
    return f"{edge.source}:{edge.line}: {what} {edge.error}"


def _more(n: int) -> str:
    return f" (and {n - 1} more)" if n > 1 else ""
