"""A scanned app's plugin loader: the files a package imports by computed ``import()`` while the app boots.

A plugin loader such as ``@fastify/autoload`` is a package module that lists a folder of the app's and calls
``import(pathToFileURL(file).href)`` for each file in it while the app starts. A scan cannot tell what such
a call loads: it keeps it as an import with no specifier (error ``"computed"``), so a route file that no
loaded module imports by name would plan as a no-op although the running app holds it. The live graph sees
the loader's imports, made at start-up, and plans a re-run: the package stays loaded and the entry runs
again, which calls the loader again. This is the same plan previewed from the scan.

Which files a loader may import is a guess; the rule (``AppFolder.may_load``) takes the module files of the
app's own folders and leaves out what no loader of the app is pointed at: files beside its package.json (the
entry and tools' configuration files), dot-folders (``graphkit watch`` ignores them too), ``node_modules``
and the tests, as ``node --test`` finds them by default and as package.json's ``directories.test`` names them.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from graphkit.graph.links import link_graph, reached
from graphkit.model import Chain, EvictionPlan, ImportKind, ModuleGraph, PlanStatus
from graphkit.model.urls import file_url_path, in_node_modules
from graphkit.resolve.packages import StopRule, nearest_package_json, parse_json

__all__ = ["AppFolder", "app_folder", "loader_modules", "plan_loaded_at_startup"]

# What Node runs as a module: type stripping takes the TypeScript ones, ``.tsx`` needs a loader.
_MODULE_SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts")
_DECLARATION_SUFFIXES = (".d.ts", ".d.mts", ".d.cts")
# The file names ``node --test`` runs by default besides everything in a ``test`` folder.
_TEST_NAME = re.compile(r"(?:.*[.\-_]test|test-.*|test)\.(?:c|m)?[jt]s")


@dataclass(frozen=True, slots=True)
class AppFolder:
    """The folder of the entry's package (its nearest package.json) and the test folders it names."""

    root: str  # a file path, as a file URL of the graph spells it
    tests: tuple[str, ...] = ()  # package.json ``directories.test``, as paths

    def may_load(self, url: str) -> bool:
        """Whether a plugin loader of the app may import the file at ``url``."""
        path = file_url_path(url)
        if path is None or in_node_modules(url) or not path.endswith(_MODULE_SUFFIXES):
            return False
        if path.endswith(_DECLARATION_SUFFIXES) or any(_inside(path, t) for t in self.tests):
            return False
        relative = posixpath.relpath(path, self.root)
        parts = relative.split("/")
        if relative.startswith("../") or len(parts) < 2:
            return False  # outside the package, or beside its package.json
        if any(part.startswith(".") for part in parts) or "test" in parts[:-1]:
            return False
        return _TEST_NAME.fullmatch(parts[-1]) is None


def _inside(path: str, folder: str) -> bool:
    return path.startswith(folder.rstrip("/") + "/")


def app_folder(entry: Path) -> AppFolder | None:
    """The folder of the nearest package.json above ``entry``, with its ``directories.test``; None without."""
    found = nearest_package_json(str(entry.resolve().parent), StopRule.ROOT)
    if found is None:
        return None
    root = posixpath.dirname(found)
    try:
        doc = parse_json(Path(found).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        doc = None
    directories = doc.get("directories") if isinstance(doc, dict) else None
    test = directories.get("test") if isinstance(directories, dict) else None
    tests = (posixpath.normpath(posixpath.join(root, test)),) if isinstance(test, str) and test else ()
    return AppFolder(root, tests)


def loader_modules(graph: ModuleGraph, loaded: Iterable[str]) -> list[str]:
    """The package modules among ``loaded`` that make a computed ``import()``, sorted."""
    held = set(loaded)
    return sorted(
        {
            e.source
            for e in graph.edges
            if e.target is None
            and e.specifier is None
            and e.kind is ImportKind.DYNAMIC
            and e.source in held
            and in_node_modules(e.source)
        }
    )


def plan_loaded_at_startup(
    graph: ModuleGraph,
    made: EvictionPlan,
    entry: str,
    app: AppFolder | None,
    *,
    restart_on_entry: bool = False,
) -> EvictionPlan:
    """``made``, the plan of a scanned ``graph``, with the changed files a plugin loader may import at
    start-up: each is evicted and the entry re-runs (restarts with ``restart_on_entry``).

    A changed (or deleted) file counts when no module the entry loads imports it by name, ``app`` says a
    loader may import it, and a package module the entry loads makes a computed ``import()``. A plan that
    restarts anyway is left as it is.
    """
    if app is None or made.status is PlanStatus.FULL_RELOAD:
        return made
    # What the plan evicts is loaded: the walk over the whole graph is made only for another changed file.
    evicted = {url for unit in made.evict for url in unit}
    candidates = [url for url in made.changed if url not in evicted and app.may_load(url)]
    if not candidates:
        return made
    loaded = _reached(graph, entry)
    unnamed = [url for url in candidates if url not in loaded]
    if not unnamed:
        return made
    loaders = loader_modules(graph, loaded)
    if not loaders:
        return made
    units = [unit for unit in made.evict if entry not in unit]
    units += [(url,) for url in unnamed]  # nothing loaded imports them: before the entry, after the rest
    units += [unit for unit in made.evict if entry in unit] or [(entry,)]
    chains = [*made.chains, *(Chain(url, None) for url in unnamed)]
    if entry not in evicted:
        chains.append(Chain(entry, unnamed[0]))
    status: PlanStatus = made.status
    reason = made.reason
    if status is not PlanStatus.RERUN:  # the planner's own re-run names the entry: it stands
        loader = loaders[0]
        why = f"{unnamed[0]}: not imported by name; {loader} loads modules by computed import() at start-up"
        if restart_on_entry:
            status, reason = PlanStatus.FULL_RELOAD, f"{why}, so the app restarts (restart on entry)"
        else:
            status, reason = PlanStatus.RERUN, f"{why}, so the app re-runs"
    return EvictionPlan(
        status=status,
        changed=made.changed,
        evict=tuple(units),
        boundaries=made.boundaries,
        kept=made.kept - (1 if entry in loaded and entry not in evicted else 0),
        chains=tuple(sorted(chains, key=lambda c: c.url)),
        reason=reason,
    )


def _reached(graph: ModuleGraph, entry: str) -> set[str]:
    """What the entry reaches through runtime imports (the whole graph without it), missing files included:
    a deleted file a loaded module imports is still imported by name."""
    return reached(link_graph(replace(graph, edges=tuple(e for e in graph.edges if e.kind.runtime))), entry)
