"""The Python API for notebooks and scripts: scan, look at, plan and reconcile module graphs.

Results are frozen values that draw themselves in Jupyter (SVG through Graphviz, text when ``dot`` is
missing) and answer the usual questions as lists of frozen dataclasses or of dicts, so no pandas is needed;
with it (``pip install 'esm-graphkit[analysis]'``) the records come as DataFrames too.
"""

from __future__ import annotations

import html
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Unpack

import networkx as nx

from graphkit.errors import DotMissingError, InputError
from graphkit.graph import lookup, queries
from graphkit.graph.reconcile import Comparison, compare
from graphkit.model import EvictionPlan, ImportKind, ModuleGraph
from graphkit.model.codec import graph_to_json, plan_to_json
from graphkit.output.diagram import dot_source, mermaid_source
from graphkit.output.paths import display_path
from graphkit.output.render import MISSING_DOT, render
from graphkit.output.summary import GraphTally, comparison_line
from graphkit.output.view import ViewOptions
from graphkit.output.wording import plan_line

if TYPE_CHECKING:
    from graphkit.resolve.typescript import Rules

__all__ = [
    "Cycle",
    "GraphResult",
    "Importer",
    "Page",
    "PlanResult",
    "Reconciliation",
    "Unresolved",
    "live_graph",
    "plan",
    "reconcile",
    "scan",
]


@dataclass(frozen=True, slots=True)
class Cycle:
    modules: tuple[str, ...]  # sorted URLs of one strongly connected component of linking imports


@dataclass(frozen=True, slots=True)
class Importer:
    """One place that imports a module."""

    url: str
    kind: ImportKind
    specifier: str | None
    line: int | None
    column: int | None


@dataclass(frozen=True, slots=True)
class Unresolved:
    url: str  # the importing module
    specifier: str | None
    error: str | None  # Node's error code, or "computed"
    line: int | None
    column: int | None


@dataclass(frozen=True, slots=True)
class Page:
    """A self-contained HTML page; Jupyter shows it in a frame of its own, so its script runs apart."""

    html: str = field(repr=False)
    height: int = 640

    def _repr_html_(self) -> str:
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
            f'style="width:100%;height:{self.height}px;border:1px solid #e2e8f0"></iframe>'
        )


@dataclass(frozen=True, slots=True)
class GraphResult:
    """A module graph with its queries and drawings.

    >>> from graphkit.model import Edge, Module, ModuleKind
    >>> a, b = "file:///app/a.mjs", "file:///app/b.mjs"
    >>> modules = (Module(a, ModuleKind.LOCAL, None), Module(b, ModuleKind.LOCAL, None))
    >>> edges = (Edge(a, b, ImportKind.STATIC, "./b.mjs", 1, 16),
    ...          Edge(b, a, ImportKind.STATIC, "./a.mjs", 1, 16))
    >>> result = GraphResult(ModuleGraph(modules, edges))
    >>> result.cycles()
    [Cycle(modules=('file:///app/a.mjs', 'file:///app/b.mjs'))]
    >>> [i.url for i in result.importers_of("/app/b.mjs")]
    ['file:///app/a.mjs']
    """

    graph: ModuleGraph

    @property
    def root(self) -> Path | None:
        """The folder the local modules share: paths in records are relative to it, and so may paths given."""
        return lookup.default_root(self.graph)

    def path(self, url: str) -> str:
        """A module URL as records show it: relative to :attr:`root`; ``node:fs`` as it is.

        Example: ``[result.path(u) for u in result.cycles()[0].modules]``.
        """
        return display_path(url, self.root)

    def to_networkx(self, *, runtime_only: bool = False) -> nx.DiGraph:
        """The graph for networkx, keyed by module URL, with attributes networkx's writers all accept.

        Args:
            runtime_only: leave out TypeScript ``import type`` edges (nothing of them loads).

        Nodes carry ``path`` (relative to :attr:`root`), ``kind``, and ``format``/``status`` when known;
        edges ``kind``, ``count``, ``specifier``, ``line`` and ``runtime``. Example::

            g = graphkit.scan("src").to_networkx(runtime_only=True)
            nx.write_graphml(g, "graph.graphml")
        """
        from graphkit.output.tables import portable_networkx

        return portable_networkx(self.graph, self.root, runtime_only=runtime_only)

    def modules(self, *, runtime_only: bool = False) -> list[dict[str, Any]]:
        """One record per module: url, path, folder, kind, format, imports, importers, dependents, in_cycle.

        Args:
            runtime_only: count imports without TypeScript ``import type`` ones.

        Example: ``max(result.modules(), key=lambda m: m["dependents"])["path"]``.
        """
        from graphkit.output.tables import module_records

        return module_records(self.graph, self.root, runtime_only=runtime_only)

    def edges(self, *, runtime_only: bool = False) -> list[dict[str, Any]]:
        """One record per import: source, target ("" when unresolved), kind, specifier, line, column, error.

        Args:
            runtime_only: leave out TypeScript ``import type`` imports.

        Example: ``[e for e in result.edges() if e["kind"] == "dynamic"]``.
        """
        from graphkit.output.tables import edge_records

        return edge_records(self.graph, self.root, runtime_only=runtime_only)

    def modules_frame(self, *, runtime_only: bool = False) -> Any:
        """:meth:`modules` as a pandas DataFrame indexed by path (needs the ``analysis`` extra).

        Example: ``result.modules_frame().nlargest(10, "dependents")``.
        """
        return _frame(self.modules(runtime_only=runtime_only)).set_index("path")

    def edges_frame(self, *, runtime_only: bool = False) -> Any:
        """:meth:`edges` as a pandas DataFrame (needs the ``analysis`` extra).

        Example: ``result.edges_frame().groupby("kind").size()``.
        """
        return _frame(self.edges(runtime_only=runtime_only))

    def reload_costs(self, entry: str | Path | None = None) -> list[dict[str, Any]]:
        """How many modules a change to each module would evict (itself included), costliest first.

        Args:
            entry: the app's entry file; without it every module counts as loaded (a library).

        Each record: path, evicted, boundaries, status. Modules that call ``hot.accept`` stop the eviction
        as they do in ``graphkit watch``. Example: ``result.reload_costs()[0]["path"]``.
        """
        from graphkit.extract.accepts import accepting_modules
        from graphkit.output.tables import reload_costs

        start = lookup.find_module(self.graph, entry) if entry is not None else None
        accepting = accepting_modules(self.graph)
        return reload_costs(self.graph, self.root, entry=start, accepting=accepting)

    def page(self, entry: str | Path | None = None, **options: Unpack[ViewOptions]) -> Page:
        """The interactive HTML page (``graphkit graph --format html``), shown inline in Jupyter.

        Args:
            entry: the app's entry file, for the plans the page shows; without it every module is loaded.
            options: exclude, reaches, runtime_only, focus and depth choose the modules, as for :meth:`dot`.

        Example: ``result.page(exclude=("tests/",))``, or ``Path("g.html").write_text(result.page().html)``.
        """
        from graphkit.output.page import page
        from graphkit.output.select import selected_by

        return Page(page(self.graph, selection=selected_by(options), entry=entry))

    def dependents(self, path: str | Path) -> list[str]:
        """URLs of every module that imports the one at ``path`` directly or through others, sorted.

        Args:
            path: a path (relative to the working folder or to :attr:`root`) or a module URL.

        Example: ``len(result.dependents("v4/core/util.ts"))``.
        """
        url = lookup.find_module(self.graph, path)
        return sorted(nx.ancestors(queries.to_networkx(self.graph), url))

    def to_json(self) -> str:
        return graph_to_json(self.graph)

    def dot(self, **options: Unpack[ViewOptions]) -> str:
        """The drawing as DOT.

        Args:
            options: what to draw (``ViewOptions``): collapse (a mode, a folder depth or a pattern), focus
                and depth, exclude (patterns), reaches (a module and its importers), runtime_only, root.

        Example: ``result.dot(focus="lib/format.mjs", depth=1, runtime_only=True)``.
        """
        return dot_source(self.graph, plan=self._overlay(), **options)

    def mermaid(self, **options: Unpack[ViewOptions]) -> str:
        """The drawing as a Mermaid flowchart, with the options of :meth:`dot`.

        Example: ``IPython.display.Markdown(f"```mermaid\\n{result.mermaid(collapse=1)}```")``.
        """
        return mermaid_source(self.graph, plan=self._overlay(), **options)

    def _overlay(self) -> EvictionPlan | None:
        """The plan drawn over the graph: none for a plain graph."""
        return None

    def svg(self, **options: Unpack[ViewOptions]) -> str:
        """The drawing as SVG text (Graphviz's ``dot``), with the options of :meth:`dot`.

        Example: ``IPython.display.SVG(result.svg(exclude=("tests/",)))``.
        """
        return render(self.dot(**options), "svg").decode()

    def cycles(self) -> list[Cycle]:
        """Import cycles through linking imports (a dynamic ``import()`` does not close one)."""
        return [Cycle(c) for c in queries.cycles(queries.to_networkx(self.graph))]

    def most_imported(self, n: int = 10, *, transitive: bool = False) -> list[queries.ImporterCount]:
        """The ``n`` modules with the most importers, most first, ties by URL.

        Args:
            n: how many to return.
            transitive: count every module that reaches it through imports, not only direct importers.

        Example: ``result.most_imported(5, transitive=True)[0].url``.
        """
        if not transitive:
            return queries.most_imported(queries.to_networkx(self.graph), n)
        ranked = sorted(self.modules(), key=lambda r: (-r["dependents"], r["url"]))
        return [queries.ImporterCount(r["url"], r["dependents"]) for r in ranked[:n] if r["dependents"] > 0]

    def importers_of(self, path: str | Path) -> list[Importer]:
        """Every import of the module at ``path``, by importer and position.

        Args:
            path: a path (relative to the working folder or to :attr:`root`) or a module URL.

        Example: ``[result.path(i.url) for i in result.importers_of("lib/format.mjs")]``.
        """
        url = lookup.find_module(self.graph, path)
        return [
            Importer(e.source, e.kind, e.specifier, e.line, e.column)
            for e in queries.importers_of(queries.to_networkx(self.graph), url)
        ]

    def unresolved(self) -> list[Unresolved]:
        """Imports that resolve to no module, by importer and position, with Node's error code.

        Example: ``{u.error for u in result.unresolved()}``.
        """
        found = [
            Unresolved(e.source, e.specifier, e.error, e.line, e.column)
            for e in self.graph.edges
            if e.target is None
        ]
        return sorted(found, key=lambda u: (u.url, u.line or 0, u.column or 0))

    def summary(self) -> str:
        """``9 modules, 10 imports, 0 cycles, 0 unresolved``."""
        return GraphTally.of(self.graph).line()

    def __repr__(self) -> str:
        return f"<GraphResult {self._about()}>"

    def _about(self) -> str:
        """The graph in one line: the Node that loaded it, its counts and the folder its modules share."""
        node = f"Node {self.graph.node}: " if self.graph.node else ""
        root = lookup.default_root(self.graph)
        return node + self.summary() + (f"; root {display_path(root)}" if root else "")

    def _repr_svg_(self) -> str | None:
        try:
            return self.svg()
        except DotMissingError:
            return None

    def _repr_html_(self) -> str | None:
        """Shown only when Graphviz is missing: Jupyter prefers HTML over SVG when both exist."""
        if shutil.which("dot"):
            return None
        return f"<p>{html.escape(self.summary())}</p><p><i>{html.escape(MISSING_DOT)}</i></p>"


@dataclass(frozen=True, slots=True)
class PlanResult(GraphResult):
    """An eviction plan drawn over its graph: changed, evicted, boundary and kept modules apart."""

    plan: EvictionPlan
    warnings: tuple[str, ...] = ()  # what may make the plan wrong: a failed load, unresolved imports

    def _overlay(self) -> EvictionPlan:
        return self.plan

    def to_json(self) -> str:
        return plan_to_json(self.plan)

    def __repr__(self) -> str:
        return f"<PlanResult {plan_line(self.plan)}; over {self._about()}>"

    def evicted(self) -> list[str]:
        """Evicted module URLs in reload order, dependencies first."""
        return [url for unit in self.plan.evict for url in unit]

    def text(self) -> str:
        from graphkit.output.plan_text import render_text

        return render_text(self.plan, root=lookup.default_root(self.graph))


@dataclass(frozen=True, slots=True)
class Reconciliation(Comparison):
    """The static graph of an entry beside the live one Node loaded from it, matched import by import."""

    static: GraphResult
    live: GraphResult

    def __repr__(self) -> str:
        return (
            f"<Reconciliation {comparison_line(self)}; static {self.static.summary()}; "
            f"live {self.live.summary()}>"
        )

    def _repr_html_(self) -> str:
        def row(side: str, source: str, target: str | None, specifier: str | None) -> str:
            cells = (side, source, specifier or "", target or "")
            return "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>"

        rows = [row("live only", r.source, r.target, r.specifier) for r in self.live_only]
        rows += [row("static only", r.source, r.target, r.specifier) for r in self.static_only]
        rows += [row("disagree", d.source, d.live_target, d.specifier) for d in self.disagreements]
        head = (
            f"<p>static: {html.escape(self.static.summary())}<br>live: {html.escape(self.live.summary())}<br>"
            f"{html.escape(comparison_line(self))}</p>"
        )
        return head + ("<table>" + "".join(rows) + "</table>" if rows else "<p>the graphs agree</p>")


def _frame(records: list[dict[str, Any]]) -> Any:
    try:
        import pandas as pd
    except ImportError as error:
        raise InputError("pandas is not installed: pip install 'esm-graphkit[analysis]'") from error
    return pd.DataFrame.from_records(records)


def scan(*paths: str | Path, conditions: Sequence[str] = (), rules: str = "auto") -> GraphResult:
    """The static graph of entry files (followed through their imports) and folders (every file in them).

    ``rules``: "auto" resolves as Node does, and a TypeScript file's import Node cannot place by
    TypeScript's rules (such edges have ``resolved_by="typescript"``); "node" and "typescript" are strict.

    Example: ``graphkit.scan("src", rules="typescript").summary()``.
    """
    from graphkit.graph import crawl

    if not paths:
        raise InputError("scan: name at least one entry file or folder")
    return GraphResult(crawl.scan([Path(p) for p in paths], conditions=conditions, rules=_rules(rules)))


def _rules(name: str) -> Rules:
    from graphkit.resolve.typescript import Rules

    try:
        return Rules(name)
    except ValueError:
        choices = ", ".join(repr(r.value) for r in Rules)
        raise InputError(f"rules={name!r}: expected one of {choices}") from None


def live_graph(entry: str | Path, node: str = "node", wait_ms: int = 0) -> GraphResult:
    """The graph Node itself loaded when running ``entry``, read from its module map."""
    from graphkit.live import probe

    return GraphResult(probe.live_graph(Path(entry), node=node, wait_ms=wait_ms))


def reconcile(entry: str | Path, node: str = "node", rules: str = "auto") -> Reconciliation:
    """Scan ``entry``, run it in Node, and match the imports of the two graphs."""
    static = scan(entry, rules=rules)
    live = live_graph(entry, node=node)
    found = compare(static.graph, live.graph)
    return Reconciliation(found.agreed, found.live_only, found.static_only, found.disagreements, static, live)


def plan(
    changed: str | Path | Sequence[str | Path],
    entry: str | Path | None = None,
    graph: GraphResult | ModuleGraph | None = None,
    *,
    conditions: Sequence[str] = (),
    include_packages: bool = False,
    rules: str = "auto",
) -> PlanResult:
    """What reloading ``changed`` files would evict in an app started from ``entry``.

    Without ``entry`` the entry is the one the nearest package.json names; without ``graph`` it is scanned.
    """
    from graphkit.planning.files import plan_files

    files = [changed] if isinstance(changed, str | Path) else list(changed)
    planned = plan_files(
        [Path(f) for f in files],
        entry=Path(entry) if entry is not None else None,
        graph=graph.graph if isinstance(graph, GraphResult) else graph,
        conditions=conditions,
        include_packages=include_packages,
        rules=_rules(rules),
    )
    return PlanResult(planned.graph, planned.plan, planned.warnings.lines)
