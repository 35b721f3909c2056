"""Planning over the live mirror equals planning from scratch, for random graphs, histories and saves;
the planner's own reload order equals networkx's condensation order.

Each example draws a live graph as an app holds it (every module reached from the entry), a history the
mirror went through before it (an earlier graph whose rows are then replaced), modules that accept
updates (reported by the host, or whose source on disk calls hot.accept) and a save (changed and deleted
modules, some not loaded, a package.json). The mirror must equal ``to_networkx`` of the graph, and
``plan_live`` over it must equal ``plan`` over the graph.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphkit.extract.accepts import accepting_modules
from graphkit.graph.queries import linked_view, to_networkx
from graphkit.live.mirror import Delta, LiveMirror, Row
from graphkit.model import Edge, Format, ImportKind, Module, ModuleGraph, ModuleKind, Status
from graphkit.model.urls import path_to_url
from graphkit.planning.incremental import SourceAccepts, booted_from, plan_live
from graphkit.planning.order import reload_order
from graphkit.planning.planner import plan
from tests.test_mirror import canonical

POOL = 10  # local modules of each sort on disk
KINDS = (ImportKind.STATIC, ImportKind.REEXPORT, ImportKind.REQUIRE, ImportKind.DYNAMIC)
PROBE_BUILTIN = "node:net"
ACCEPT_SOURCE = "const hot = globalThis[Symbol.for('graphkit.hot')]?.(import.meta);\nhot?.accept();\n"


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Plain modules p0..p9 and modules a0..a9 whose source accepts updates."""
    folder = tmp_path_factory.mktemp("sources")
    for i in range(POOL):
        (folder / f"p{i}.mjs").write_text("export const x = 1;\n")
        (folder / f"a{i}.mjs").write_text(ACCEPT_SOURCE)
    return folder


def _module(url: str) -> Module:
    if url.startswith("node:"):
        return Module(url, ModuleKind.BUILTIN, Format.BUILTIN, Status.EVALUATED)
    kind = ModuleKind.PACKAGE if "/node_modules/" in url else ModuleKind.LOCAL
    return Module(url, kind, Format.MODULE, Status.EVALUATED)


@st.composite
def live_graphs(draw: st.DrawFn, folder: Path) -> ModuleGraph:
    """A graph whose entry reaches every module: a random tree from the entry plus random extra edges."""
    urls = [path_to_url(folder / "p0.mjs")]
    size = draw(st.integers(0, 11))
    for _ in range(size):
        sort = draw(st.sampled_from(("p", "a", "pkg", "node")))
        i = draw(st.integers(0, POOL - 1))
        url = {
            "p": path_to_url(folder / f"p{i}.mjs"),
            "a": path_to_url(folder / f"a{i}.mjs"),
            "pkg": f"file:///app/node_modules/pkg/m{i}.js",
            "node": f"node:b{i}",
        }[sort]
        if url not in urls:
            urls.append(url)
    edges = []
    importers = [u for u in urls if not u.startswith("node:")]
    for index, url in enumerate(urls[1:], start=1):
        parents = [u for u in urls[:index] if not u.startswith("node:")]
        parent = draw(st.sampled_from(parents))
        # The app's snapshot keeps a builtin only when a module links it statically.
        kind = ImportKind.STATIC if url.startswith("node:") else draw(st.sampled_from(KINDS))
        edges.append(Edge(parent, url, kind, f"./{index}", None, None))
    for _ in range(draw(st.integers(0, 2 * len(urls)))):
        source = draw(st.sampled_from(importers))
        target = draw(st.sampled_from(urls))
        kind = ImportKind.STATIC if target.startswith("node:") else draw(st.sampled_from(KINDS))
        edges.append(Edge(source, target, kind, "./x", None, None))
    return ModuleGraph(tuple(_module(u) for u in urls), tuple(edges), node="22.0.0")


def rows(graph: ModuleGraph, also: set[str]) -> tuple[Row, ...]:
    """The journal's rows for ``graph``: each module with its outgoing edges, gone modules (``also``), and
    a builtin only the probe imports (a snapshot leaves it out).
    """
    modules = {m.url: m for m in graph.modules}
    out: dict[str, list[Edge]] = {}
    for e in graph.edges:
        out.setdefault(e.source, []).append(e)
    found = tuple(Row(url, modules.get(url), tuple(out.get(url, ()))) for url in sorted(set(modules) | also))
    return (*found, Row(PROBE_BUILTIN, _module(PROBE_BUILTIN), ()))


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_plan_over_the_mirror_equals_the_plan_from_scratch(sources: Path, data: st.DataObject) -> None:
    before = data.draw(live_graphs(sources), label="before")
    graph = data.draw(live_graphs(sources), label="graph")
    mirror = LiveMirror()
    mirror.apply(Delta(True, 1, rows(before, set()), frozenset()))
    gone = {m.url for m in before.modules} - {m.url for m in graph.modules}
    mirror.apply(Delta(False, 2, rows(graph, gone), frozenset()))
    assert canonical(mirror.graph) == canonical(to_networkx(graph))

    urls = sorted(m.url for m in graph.modules)
    reported = data.draw(st.frozensets(st.sampled_from(urls)), label="reported accepting")
    outside = [path_to_url(sources / "p9.mjs"), "file:///app/package.json", "node:b0"]
    changed = data.draw(st.lists(st.sampled_from([*urls, *outside]), max_size=3), label="changed")
    deleted = data.draw(st.frozensets(st.sampled_from(urls), max_size=2), label="deleted")
    include_packages = data.draw(st.booleans(), label="include packages")
    entry = path_to_url(sources / "p0.mjs")

    expected = plan(
        graph,
        changed,
        entry,
        accepting=reported | accepting_modules(graph),
        include_packages=include_packages,
        deleted=deleted,
    )
    made = plan_live(
        mirror.graph,
        changed,
        entry,
        accepting=reported,
        include_packages=include_packages,
        deleted=deleted,
    )
    assert made == expected


def networkx_order(g: nx.DiGraph, evicted: set[str]) -> tuple[tuple[str, ...], ...]:
    """The reload order as networkx defines it: the condensation of the linked subgraph, dependencies
    first, ties by each unit's smallest URL."""
    condensed = nx.condensation(linked_view(g).subgraph(evicted))
    units = {n: tuple(sorted(condensed.nodes[n]["members"])) for n in condensed.nodes}
    order = nx.lexicographical_topological_sort(condensed.reverse(copy=False), key=lambda n: units[n][0])
    return tuple(units[n] for n in order)


@settings(max_examples=300, deadline=None, database=None)
@given(
    edges=st.lists(
        st.tuples(st.integers(0, 9), st.integers(0, 9), st.sampled_from(KINDS)), max_size=30
    ),
    evicted=st.frozensets(st.integers(0, 9)),
)
def test_the_reload_order_equals_networkx_condensation(
    edges: list[tuple[int, int, ImportKind]], evicted: frozenset[int]
) -> None:
    g = nx.DiGraph()
    g.add_nodes_from(f"file:///m{i}.mjs" for i in range(10))
    for source, target, kind in edges:
        g.add_edge(f"file:///m{source}.mjs", f"file:///m{target}.mjs", kind=str(kind))
    chosen = {f"file:///m{i}.mjs" for i in evicted}
    assert reload_order(g, chosen) == networkx_order(g, chosen)


def test_source_accepts_reads_a_module_once_until_a_save_names_it(tmp_path: Path) -> None:
    module = tmp_path / "m.mjs"
    module.write_text("export const m = 1;\n")
    url = path_to_url(module)
    sources = SourceAccepts()
    assert not sources(url)
    module.write_text(ACCEPT_SOURCE)
    assert not sources(url)  # no save named it: what was read stands, and the file is not asked again
    sources.forget([url])
    assert sources(url)
    module.unlink()
    sources.clear()
    assert not sources(url)  # a deleted module accepts nothing


def test_the_files_a_boot_may_load_lie_where_it_imported_by_computed_specifier() -> None:
    app = "file:///app/"
    loader = f"{app}node_modules/loader/index.js"

    def module(url: str) -> Module:
        kind = ModuleKind.PACKAGE if "/node_modules/" in url else ModuleKind.LOCAL
        return Module(url, kind, Format.MODULE, Status.EVALUATED)

    def edge(source: str, target: str, kind: ImportKind, specifier: str) -> Edge:
        return Edge(source, target, kind, specifier, None, None, None)

    edges = (
        edge(f"{app}main.mjs", loader, ImportKind.STATIC, "loader"),
        edge(loader, f"{app}app.mjs", ImportKind.STARTUP, f"{app}app.mjs"),  # the package folder itself
        edge(loader, f"{app}routes/a.mjs", ImportKind.STARTUP, f"{app}routes/a.mjs"),
        edge(loader, f"{app}plugins/p.mjs", ImportKind.STARTUP, "/app/plugins/p.mjs"),
        # Named by a literal specifier: not a folder a loader reads.
        edge(f"{app}main.mjs", f"{app}lib/boot.mjs", ImportKind.STARTUP, "./lib/boot.mjs"),
        edge(f"{app}main.mjs", f"{app}views/v.mjs", ImportKind.DYNAMIC, f"{app}views/v.mjs"),  # per request
    )
    urls = sorted({u for e in edges for u in (e.source, e.target or "")})
    g = to_networkx(ModuleGraph(modules=tuple(map(module, urls)), edges=edges))
    candidates = {
        "routes/new.mjs": True,
        "routes/users/index.mjs": True,  # a subfolder of a boot folder
        "plugins/q.mjs": True,
        "new.mjs": True,  # beside app.mjs, in the package folder
        "tools/build.mjs": False,  # below the package folder, in no boot folder
        "lib/new.mjs": False,
        "views/w.mjs": False,
        "routes/a.mjs": False,  # loaded: planned as any loaded module
    }
    found = booted_from(g, [app + name for name in candidates], app)
    assert found == [app + name for name, expected in candidates.items() if expected]
