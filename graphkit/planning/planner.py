"""The eviction planner: which ModuleJobs to drop from Node's loadCache so every importer sees a change.

A module linked to an old instance of a changed module cannot be re-pointed at a new one, so eviction
follows every linking edge (static, re-export, require) from the changed modules up to their importers.
It stops at a dynamic ``import()`` (the importer survives and gets the new module on its next call) and
at a module that accepts updates (it is evicted and re-imported, its importers are not); an ``import()``
made while the app booted is not called again, so it links like a static import, except that a package
making it (a plugin loader) is kept and the entry re-runs, calling the loader again. A plan that
reaches the entry re-runs the app in its process; only what Node cannot forget needs a restart. TypeScript
``type`` imports are left out: nothing of them is loaded. Pure: no I/O.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Container, Iterable, Sequence
from dataclasses import replace

from graphkit.graph.links import UNLINKED, Links, link_graph, reached
from graphkit.model import (
    Boundary,
    BoundaryReason,
    Chain,
    EvictionPlan,
    ImportKind,
    ModuleGraph,
    ModuleKind,
    PlanStatus,
)
from graphkit.model.urls import in_node_modules
from graphkit.planning.order import reload_order

__all__ = ["kept_holder", "plan", "plan_graph"]


def plan(
    graph: ModuleGraph,
    changed: Sequence[str],
    entry: str,
    *,
    accepting: Collection[str] = (),
    include_packages: bool = False,
    deleted: Collection[str] = (),
    restart_on_entry: bool = False,
    booted_from: Collection[str] = (),
) -> EvictionPlan:
    """Plan the reload of ``changed`` (and ``deleted``) module URLs in an app started from ``entry``.

    Loaded modules are those reachable from ``entry`` (all of the graph when the entry is not in it);
    ``kept`` counts the loaded modules, builtins included, that survive. A plan that evicts the entry
    re-runs the app in place, or restarts it with ``restart_on_entry``.
    """
    # Type-only imports are erased before anything loads: they neither load nor bind a module.
    g = link_graph(replace(graph, edges=tuple(e for e in graph.edges if e.kind.runtime)))
    return plan_graph(
        g,
        changed,
        entry,
        loaded=_loaded(g, entry),
        accepting=frozenset(accepting),
        include_packages=include_packages,
        deleted=deleted,
        restart_on_entry=restart_on_entry,
        booted_from=booted_from,
    )


def plan_graph(
    g: Links,
    changed: Sequence[str],
    entry: str,
    *,
    loaded: Collection[str],
    accepting: Container[str],
    include_packages: bool = False,
    deleted: Collection[str] = (),
    restart_on_entry: bool = False,
    booted_from: Collection[str] = (),
    kept: Collection[tuple[str, str]] = (),
) -> EvictionPlan:
    """``plan`` over a graph's links (a ``LinkGraph``, or the live mirror's networkx graph) whose loaded
    modules are known: it visits only the evicted modules, their importers and importees, asking
    ``loaded`` and ``accepting`` about those alone. ``booted_from`` names changed or deleted files that are
    not loaded but lie where the app's boot imports modules from (a folder a plugin loader reads): the
    app re-runs, so that its boot sees the folder as it now is. ``kept`` holds (importer, module) pairs
    of an ``import()`` whose namespace the importer keeps (the host found the old one alive after a reload
    in place): evicting the module evicts the importer, as a static import would.
    """
    seeds_all = tuple(dict.fromkeys([*changed, *sorted(deleted)]))
    seeds = sorted(url for url in seeds_all if url in loaded and not _is_builtin(g, url))

    parents = _propagate(g, seeds, accepting, loaded, entry, kept)
    unloaded = sorted(url for url in booted_from if url in seeds_all and url not in loaded)
    if unloaded and entry in loaded:
        parents.setdefault(entry, unloaded[0])
    evicted = set(parents)
    units = reload_order(g, evicted)
    chains = tuple(Chain(url, parents.get(url)) for url in sorted([*evicted, *unloaded]))
    boundaries = _boundaries(g, evicted, accepting, loaded)
    reason = _full_reload_reason(g, seeds_all, evicted - {entry}, include_packages)
    if reason is not None:
        status = PlanStatus.FULL_RELOAD
    elif entry in evicted and restart_on_entry:
        status, reason = PlanStatus.FULL_RELOAD, f"{entry}: the entry would be evicted (restart on entry)"
    elif entry in evicted and parents[entry] in unloaded:
        status = PlanStatus.RERUN
        reason = f"{parents[entry]}: not loaded, in a folder the app imports modules from while it boots"
    elif entry in evicted and (holder := _kept_on_chain(parents, entry, kept)) is not None:
        status = PlanStatus.RERUN
        reason = f"{holder[0]}: import()ed {holder[1]} once and its old instance outlived a reload in place"
    elif entry in evicted:
        status, reason = PlanStatus.RERUN, f"{entry}: the entry would be evicted"
    elif not evicted:
        status = PlanStatus.NOOP
    else:
        status = PlanStatus.OK
    return EvictionPlan(
        status=status,
        changed=seeds_all,
        evict=units,
        boundaries=boundaries,
        kept=len(loaded) - len(evicted),  # every evicted module is loaded
        chains=chains,
        reason=reason,
    )


def _is_builtin(g: Links, url: str) -> bool:
    return url.startswith("node:") or g.nodes[url].get("kind") == ModuleKind.BUILTIN.value


def _is_package(g: Links, url: str) -> bool:
    return in_node_modules(url) or (url in g and g.nodes[url].get("kind") == ModuleKind.PACKAGE.value)


def _loaded(g: Links, entry: str) -> set[str]:
    """Modules the running app holds: what the entry reaches, missing files excluded."""
    missing = ModuleKind.MISSING.value  # read once: an enum member's value is a slow attribute
    return {url for url in reached(g, entry) if g.nodes[url].get("kind") != missing}


def _propagate(
    g: Links,
    seeds: Iterable[str],
    accepting: Container[str],
    loaded: Container[str],
    entry: str,
    kept: Collection[tuple[str, str]] = (),
) -> dict[str, str | None]:
    """Breadth-first over loaded linking importers; maps each evicted module to where it was reached from.

    A package that loaded one of the app's modules while the app booted (a plugin loader such as
    @fastify/autoload, by ``import()`` or, in a CommonJS app, ``require()``) is kept: the entry is evicted in
    its place, and the re-run app calls the loader again.
    """
    parents: dict[str, str | None] = {url: None for url in seeds}
    queue = deque(parents)
    while queue:
        url = queue.popleft()
        if url in accepting:
            continue  # it takes the update itself: its importers keep their bindings
        importers = g.pred[url]
        for importer in sorted(importers):
            kind = importers[importer]["kind"]
            if (kind in UNLINKED and (importer, url) not in kept) or importer not in loaded:
                continue
            if importer != entry and entry in loaded and _loads_at_boot(g, importer, url, kind):
                importer = entry
            if importer not in parents:
                parents[importer] = url
                queue.append(importer)
    return parents


def kept_holder(plan: EvictionPlan, url: str, kept: Collection[tuple[str, str]]) -> tuple[str, str] | None:
    """The kept (importer, module) pair that ``plan`` evicts the evicted ``url`` through, if any."""
    if not kept:
        return None  # every save asks: no walk of its chains unless some import() is kept
    parents = {chain.url: chain.via for chain in plan.chains}
    return _kept_on_chain(parents, url, kept) if url in parents else None


def _kept_on_chain(
    parents: dict[str, str | None], url: str, kept: Collection[tuple[str, str]]
) -> tuple[str, str] | None:
    """The first kept (importer, module) pair on the chain from a changed module up to ``url``."""
    while (module := parents[url]) is not None:
        if (url, module) in kept:
            return url, module
        url = module
    return None


def _loads_at_boot(g: Links, importer: str, url: str, kind: str) -> bool:
    """Whether ``importer`` is a package that loaded the app's module ``url`` as the app booted: by an
    ``import()`` then, or by a ``require()`` (a package names no file of the app's: it reads a folder)."""
    by_loader = kind == ImportKind.STARTUP or (kind == ImportKind.REQUIRE and not _is_package(g, url))
    return by_loader and _is_package(g, importer)


def _boundaries(
    g: Links, evicted: set[str], accepting: Container[str], loaded: Container[str]
) -> tuple[Boundary, ...]:
    found = []
    for url in sorted(url for url in evicted if url in accepting):
        targets = g.succ[url].items()
        imports = tuple(sorted(t for t, d in targets if t in evicted and d["kind"] not in UNLINKED))
        found.append(Boundary(url, BoundaryReason.ACCEPTS, imports))
    dynamic: dict[str, set[str]] = {}
    for url in evicted:
        for importer, data in g.pred[url].items():
            if importer in loaded and importer not in evicted and data["kind"] == ImportKind.DYNAMIC:
                dynamic.setdefault(importer, set()).add(url)
    found.extend(
        Boundary(url, BoundaryReason.DYNAMIC_IMPORT, tuple(sorted(dynamic[url]))) for url in sorted(dynamic)
    )
    return tuple(found)


def _full_reload_reason(
    g: Links, changed: Sequence[str], evicted: set[str], include_packages: bool
) -> str | None:
    for url in changed:
        if url.endswith("/package.json"):
            # Node caches package.json reads for the life of the process; no eviction clears them.
            return f"{url}: package.json changed and Node keeps it cached until restart"
    if not include_packages:
        for url in sorted(evicted):
            if _is_package(g, url):
                what = "changed" if url in changed else "would be evicted"
                return f"{url}: a package module {what} (include packages to reload it in place)"
    return None
