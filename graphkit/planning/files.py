"""Planning for files on disk: find the entry, take the static or the live graph, detect accepting modules.

The planner itself (``graphkit.planning.planner``) is pure; this is the I/O around it that the
``graphkit plan`` command and the ``graphkit.plan`` API share.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from graphkit.errors import InputError, UsageError
from graphkit.graph.lookup import find_module
from graphkit.model import EvictionPlan, Format, ModuleGraph
from graphkit.model.urls import path_to_url
from graphkit.planning.loaders import app_folder, plan_loaded_at_startup
from graphkit.planning.planner import plan
from graphkit.planning.warnings import PlanWarnings, plan_warnings
from graphkit.planning.workspace import entry_search_start
from graphkit.resolve.entry import find_entry
from graphkit.resolve.packages import StopRule, nearest_package_json
from graphkit.resolve.resolver import Resolver
from graphkit.resolve.typescript import Rules

__all__ = ["FilePlan", "plan_files"]

_SNIFF = 8192  # bytes read to tell a binary file: JavaScript source never holds a NUL byte


@dataclass(frozen=True, slots=True)
class FilePlan:
    entry: Path  # the entry that was given or found
    graph: ModuleGraph  # what was planned over
    plan: EvictionPlan
    warnings: PlanWarnings
    entry_from: Path | None = None  # the package.json the entry was found from; None when it was given


def plan_files(
    files: Sequence[Path],
    *,
    entry: Path | None = None,
    graph: ModuleGraph | None = None,
    live: bool = False,
    node: str = "node",
    conditions: Sequence[str] = (),
    include_packages: bool = False,
    restart_on_entry: bool = False,
    rules: Rules = Rules.AUTO,
) -> FilePlan:
    """The plan for changed ``files`` of the app started from ``entry``, with the graph planned over.

    Without ``entry``, the nearest package.json above the first file names it (in an npm workspace, run
    from another member package, that package's: see ``graphkit.planning.workspace``); without ``graph``, the
    entry is scanned (or, with ``live``, run under Node and read from its loader). Over a scan, a changed
    file that a package's plugin loader may import at start-up re-runs the app
    (``graphkit.planning.loaders``).
    """
    if not files:
        raise UsageError("plan: name at least one changed file")
    for file in files:
        if file.is_dir():
            raise InputError(f"{file}: a folder; plan takes the changed files")
    manifest = None
    if entry is None:
        start = entry_search_start(files[0], Path.cwd())
        entry = find_entry(start)
        folder = start.resolve() if start.is_dir() else start.resolve().parent
        found = nearest_package_json(str(folder), StopRule.ROOT)  # the one find_entry read
        manifest = Path(found) if found is not None else None
    _check_entry(entry)
    accepting: frozenset[str] | None = None  # read from the sources when the graph is not scanned here
    if graph is None and live:
        from graphkit.live.probe import live_graph

        graph = live_graph(entry, node=node, node_args=[f"--conditions={c}" for c in conditions])
    elif graph is None:
        from graphkit.graph.crawl import crawl

        scanned = crawl([entry], conditions=conditions, rules=rules)
        graph, accepting = scanned.graph, scanned.accepting
    if accepting is None:
        from graphkit.extract.accepts import accepting_modules  # reads sources: a scan has them already

        accepting = accepting_modules(graph)
    entry_url = _url(graph, entry)
    made = plan(
        graph,
        [_url(graph, f) for f in files],
        entry_url,
        accepting=accepting,
        include_packages=include_packages,
        restart_on_entry=restart_on_entry,
    )
    if graph.node is None:  # a scan: what a plugin loader imports at start-up is not in it
        made = plan_loaded_at_startup(
            graph, made, entry_url, app_folder(entry), restart_on_entry=restart_on_entry
        )
    warned = plan_warnings(graph, made, entry_url, manifest)
    return FilePlan(entry, graph, made, warned, manifest)


_RUNNABLE = (Format.MODULE, Format.COMMONJS, Format.MODULE_TYPESCRIPT, Format.COMMONJS_TYPESCRIPT)


def _check_entry(entry: Path) -> None:
    """An entry Node could run as a module: a regular file, JavaScript by its name and its bytes."""
    if not entry.is_file():
        raise InputError(f"{entry}: the entry is not a file")
    if Resolver(()).format_of(path_to_url(entry.resolve())) not in _RUNNABLE:
        raise InputError(f"{entry}: the entry is not a JavaScript or TypeScript module (.mjs, .js, .ts, ...)")
    try:
        with entry.open("rb") as handle:
            head = handle.read(_SNIFF)
    except OSError as error:
        raise InputError(f"{entry}: {error.strerror}") from error
    if b"\0" in head:
        raise InputError(f"{entry}: the entry is a binary file, not JavaScript")


def _url(graph: ModuleGraph, path: Path) -> str:
    """A module's URL as the graph spells it, or as Node would for a file the graph does not hold."""
    try:
        return find_module(graph, path)
    except InputError:
        return path_to_url(path.resolve())
