"""The Python API for notebooks and scripts: scan, look at, plan and reconcile module graphs.

Results are frozen values that draw themselves in Jupyter (SVG through Graphviz, text when ``dot`` is
missing) and answer the usual questions as lists of frozen dataclasses, so no pandas is needed.
"""

from __future__ import annotations

import html
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Unpack

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

    def to_networkx(self) -> nx.DiGraph:
        return queries.to_networkx(self.graph)

    def to_json(self) -> str:
        return graph_to_json(self.graph)

    def dot(self, **options: Unpack[ViewOptions]) -> str:
        """The drawing as DOT; ``options`` (collapse, focus, depth, root) are those of ``ViewOptions``."""
        return dot_source(self.graph, plan=self._overlay(), **options)

    def mermaid(self, **options: Unpack[ViewOptions]) -> str:
        """The drawing as a Mermaid flowchart, with the options of :meth:`dot`."""
        return mermaid_source(self.graph, plan=self._overlay(), **options)

    def _overlay(self) -> EvictionPlan | None:
        """The plan drawn over the graph: none for a plain graph."""
        return None

    def svg(self, **options: Unpack[ViewOptions]) -> str:
        """The drawing as SVG text, with the options of :meth:`dot`."""
        return render(self.dot(**options), "svg").decode()

    def cycles(self) -> list[Cycle]:
        """Import cycles through linking imports (a dynamic ``import()`` does not close one)."""
        return [Cycle(c) for c in queries.cycles(self.to_networkx())]

    def most_imported(self, n: int = 10) -> list[queries.ImporterCount]:
        return queries.most_imported(self.to_networkx(), n)

    def importers_of(self, path: str | Path) -> list[Importer]:
        """Every import of the module at ``path`` (a path or URL), by importer and position."""
        url = lookup.find_module(self.graph, path)
        return [
            Importer(e.source, e.kind, e.specifier, e.line, e.column)
            for e in queries.importers_of(self.to_networkx(), url)
        ]

    def unresolved(self) -> list[Unresolved]:
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


def scan(*paths: str | Path, conditions: Sequence[str] = (), rules: str = "auto") -> GraphResult:
    """The static graph of entry files (followed through their imports) and folders (every file in them).

    ``rules``: "auto" resolves as Node does, and a TypeScript file's import Node cannot place by
    TypeScript's rules (such edges have ``resolved_by="typescript"``); "node" and "typescript" are strict.
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
