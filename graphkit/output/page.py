"""``graphkit graph --format html``: one self-contained page to explore a module graph in a browser.

The page holds its data as JSON and draws it with its own small script (``page.js``, no library, no
request leaving the file): folders start collapsed on big graphs and open on click. What a change to each
module would evict is planned here, by the planner, so the page only looks it up.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from graphkit.extract.accepts import accepting_modules
from graphkit.graph.links import strongest
from graphkit.graph.lookup import default_root, find_module
from graphkit.graph.queries import cycles, to_networkx
from graphkit.model import EvictionPlan, ImportKind, ModuleGraph
from graphkit.output.paths import display_path
from graphkit.output.select import Selection, select
from graphkit.output.summary import GraphTally
from graphkit.output.tables import every_plan

__all__ = ["MAX_LISTED", "PageData", "page", "page_data"]

MAX_LISTED = 200  # evicted modules listed per plan; the page says how many more there are
KINDS = tuple(ImportKind)


@dataclass(frozen=True, slots=True)
class PageData:
    """What the page shows, as plain values the page's script reads from its embedded JSON."""

    title: str
    modules: list[dict[str, Any]]  # path (relative to the root), kind, plan
    edges: list[tuple[int, int, int]]  # (importer, imported, index of the import kind in ``kinds``)
    kinds: list[str]
    cycles: list[list[int]]

    def to_json(self) -> str:
        # "</" would end the <script> element the JSON sits in.
        document = {
            "title": self.title,
            "modules": self.modules,
            "edges": self.edges,
            "kinds": self.kinds,
            "cycles": self.cycles,
        }
        return json.dumps(document, separators=(",", ":"), sort_keys=True).replace("</", "<\\/")


def _plan_record(made: EvictionPlan, index: dict[str, int]) -> dict[str, Any]:
    """A plan in the page's terms: evicted modules in reload order, each with the one it was reached by."""
    via = {c.url: c.via for c in made.chains}
    evicted = [url for unit in made.evict for url in unit if url in index]
    return {
        "status": str(made.status),
        "reason": made.reason,
        "evicted": len(evicted),
        "evict": [[index[u], index.get(via.get(u) or "", -1)] for u in evicted[:MAX_LISTED]],
        "boundaries": [[index[b.url], str(b.reason)] for b in made.boundaries if b.url in index],
        "kept": made.kept,
    }


def page_data(
    graph: ModuleGraph,
    *,
    entry: str | None = None,
    root: Path | None = None,
    accepting: frozenset[str] = frozenset(),
) -> PageData:
    """The modules, imports, cycles and per-module plans of ``graph`` (an app started from ``entry``, or,
    without one, every module loaded; ``accepting`` the modules that call ``hot.accept``), with paths
    relative to ``root`` (default: the modules' common folder).

    >>> from graphkit.model import Edge, Module, ModuleKind
    >>> a, b = "file:///app/a.mjs", "file:///app/b.mjs"
    >>> g = ModuleGraph((Module(a, ModuleKind.LOCAL, None), Module(b, ModuleKind.LOCAL, None)),
    ...                 (Edge(a, b, ImportKind.STATIC, "./b.mjs", 1, 1),))
    >>> data = page_data(g)
    >>> [m["path"] for m in data.modules], data.modules[1]["plan"]["evicted"]
    (['a.mjs', 'b.mjs'], 2)
    """
    root = root or default_root(graph)
    urls = sorted(m.url for m in graph.modules)
    index = {url: i for i, url in enumerate(urls)}
    kinds = {m.url: str(m.kind) for m in graph.modules}
    plans = dict(every_plan(graph, entry=entry, accepting=accepting))
    modules = [
        {"path": display_path(url, root), "kind": kinds[url], "plan": _plan_record(plans[url], index)}
        for url in urls
    ]
    pairs: dict[tuple[str, str], set[ImportKind]] = {}
    for e in graph.edges:
        if e.target is not None:
            pairs.setdefault((e.source, e.target), set()).add(e.kind)
    edges = sorted((index[s], index[t], KINDS.index(strongest(k))) for (s, t), k in pairs.items())
    found = [[index[u] for u in cycle] for cycle in cycles(to_networkx(graph))]
    return PageData(GraphTally.of(graph).line(), modules, edges, [str(k) for k in KINDS], found)


def page(graph: ModuleGraph, *, selection: Selection | None = None, entry: Path | str | None = None) -> str:
    """The HTML page of ``graph`` cut by ``selection``; plans are those of the app started from ``entry``."""
    root = default_root(graph)
    cut = select(graph, selection or Selection(), root)
    entry_url = find_module(graph, entry) if entry is not None else None
    data = page_data(cut, entry=entry_url, root=root, accepting=accepting_modules(cut))
    assets = resources.files("graphkit.output")
    script = assets.joinpath("page.js").read_text(encoding="utf-8")
    style = assets.joinpath("page.css").read_text(encoding="utf-8")
    title = html.escape(f"graphkit: {display_path(root) if root else 'module graph'}")
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
        # The page may load nothing from anywhere: the policy makes the browser refuse it if it tried.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">\n"
        f"<title>{title}</title>\n<style>\n{style}</style>\n</head><body>\n"
        f'<script type="application/json" id="graph-data">{data.to_json()}</script>\n'
        f"<script>\n{script}</script>\n</body></html>\n"
    )
