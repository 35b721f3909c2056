"""The notebook API: lazy re-exports, result objects and their tables, checked against what Node loads."""

from __future__ import annotations

import doctest
import html
import importlib
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest

import graphkit
from graphkit.api import Cycle, GraphResult, Importer, PlanResult, Unresolved
from graphkit.errors import InputError, UsageError
from graphkit.model import ImportKind, PlanStatus
from graphkit.model.codec import graph_from_json
from graphkit.output.render import MISSING_DOT
from tests.conftest import FIXTURES, system_node

DEMO = FIXTURES / "demo"


def url(path: Path) -> str:
    """The URL Node gives a file, from Node itself."""
    script = "console.log(require('node:url').pathToFileURL(process.argv[1]).href)"
    command = [str(system_node()), "-e", script, str(path)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.fixture(scope="module")
def demo() -> GraphResult:
    return graphkit.scan(DEMO / "main.mjs")


@pytest.fixture
def cyclic(tmp_path: Path) -> Path:
    """a.mjs <-> b.mjs, c.mjs reaches back to a only through import(), and one unresolved import."""
    (tmp_path / "a.mjs").write_text("import './b.mjs';\nimport './c.mjs';\n")
    (tmp_path / "b.mjs").write_text("import './a.mjs';\nimport './missing.mjs';\n")
    (tmp_path / "c.mjs").write_text("export const later = () => import('./a.mjs');\n")
    return tmp_path / "a.mjs"


def test_importing_the_package_loads_neither_networkx_nor_the_api() -> None:
    code = "import sys, graphkit\n"
    code += "print(sorted(m for m in sys.modules if m.startswith(('graphkit.', 'networkx'))))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_api_names_are_the_functions_of_the_api_module() -> None:
    assert callable(graphkit.scan) and graphkit.scan.__module__ == "graphkit.api"
    assert graphkit.plan.__module__ == "graphkit.api"
    assert graphkit.reconcile.__module__ == "graphkit.api"
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = graphkit.nothing


def test_the_demo_tables_name_the_modules_node_would(demo: GraphResult) -> None:
    fmt = url(DEMO / "lib" / "format.mjs")
    assert demo.cycles() == []
    assert demo.most_imported(1)[0].url == fmt
    assert demo.importers_of(DEMO / "lib" / "format.mjs") == [
        Importer(url(DEMO / "lib" / "greet.mjs"), ImportKind.STATIC, "./format.mjs", 1, 24),
        Importer(url(DEMO / "lib" / "greet.mjs"), ImportKind.REEXPORT, "./format.mjs", 2, 15),
        Importer(url(DEMO / "routes" / "home.mjs"), ImportKind.STATIC, "../lib/format.mjs", 1, 24),
    ]
    assert demo.importers_of(fmt) == demo.importers_of(str(DEMO / "lib" / "format.mjs"))
    assert demo.unresolved() == []


def test_cycles_and_unresolved_imports_of_a_small_project(cyclic: Path) -> None:
    result = graphkit.scan(cyclic)
    assert result.cycles() == [Cycle((url(cyclic), url(cyclic.parent / "b.mjs")))]
    # Node is the oracle for the error code of the import that does not resolve.
    b = cyclic.parent / "b.mjs"
    done = subprocess.run([system_node(), b], capture_output=True, text=True, check=False)
    assert done.returncode != 0 and "ERR_MODULE_NOT_FOUND" in done.stderr
    assert result.unresolved() == [Unresolved(url(b), "./missing.mjs", "ERR_MODULE_NOT_FOUND", 2, 8)]
    assert "missing.mjs" in result.dot() and "ERR_MODULE_NOT_FOUND" in result.mermaid()


def test_the_json_document_round_trips_into_an_equal_networkx_graph(demo: GraphResult) -> None:
    again = graph_from_json(demo.to_json())
    assert nx.utils.graphs_equal(GraphResult(again).to_networkx(), demo.to_networkx())


def test_a_live_graph_round_trips_too_and_records_the_node_version() -> None:
    live = graphkit.live_graph(DEMO / "main.mjs", node=str(system_node()))
    version = subprocess.run([system_node(), "--version"], capture_output=True, text=True, check=True).stdout
    assert live.graph.node == version.strip().removeprefix("v")
    again = GraphResult(graph_from_json(live.to_json()))
    assert nx.utils.graphs_equal(again.to_networkx(), live.to_networkx())


def test_reconcile_finds_only_the_dynamic_import_node_did_not_run() -> None:
    result = graphkit.reconcile(DEMO / "main.mjs", node=str(system_node()))
    assert result.live_only == () and result.disagreements == ()
    assert [(r.target, r.kind) for r in result.static_only] == [
        (url(DEMO / "routes" / "about.mjs"), ImportKind.DYNAMIC)
    ]
    assert not result.agrees
    assert "static only" in result._repr_html_()


def test_results_print_as_one_short_line_of_counts(
    demo: GraphResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(DEMO.parent)
    assert repr(demo) == "<GraphResult 9 modules, 10 imports, 0 cycles, 0 unresolved; root demo>"
    planned = repr(graphkit.plan(DEMO / "routes" / "home.mjs", graph=demo))
    assert planned == (
        "<PlanResult plan in-place: 1 changed, 1 evicted in 1 unit, 1 boundary, 8 kept; "
        "over 9 modules, 10 imports, 0 cycles, 0 unresolved; root demo>"
    )
    both = graphkit.reconcile(DEMO / "main.mjs", node=str(system_node()))
    version = both.live.graph.node
    assert repr(both.live).startswith(f"<GraphResult Node {version}: 8 modules, 8 imports, 0 cycles")
    assert repr(both) == (
        "<Reconciliation 8 agreed, 0 live-only, 1 static-only, 0 disagreements; "
        "static 9 modules, 10 imports, 0 cycles, 0 unresolved; "
        "live 8 modules, 8 imports, 0 cycles, 0 unresolved>"
    )


def test_results_draw_themselves_as_svg_in_jupyter(demo: GraphResult) -> None:
    svg = demo._repr_svg_()
    assert svg is not None
    texts = {t.text for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")}
    assert {"main.mjs", "format.mjs", "routes/", "node:fs"} <= texts
    assert demo._repr_html_() is None  # so Jupyter shows the SVG rather than the text fallback


def test_without_dot_results_fall_back_to_text(
    demo: GraphResult, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert demo._repr_svg_() is None
    shown = demo._repr_html_()
    assert shown is not None and "9 modules, 10 imports, 0 cycles, 0 unresolved" in shown
    assert html.escape(MISSING_DOT) in shown


def test_a_plan_finds_the_entry_from_package_json_and_overlays_its_roles(demo: GraphResult) -> None:
    result = graphkit.plan(DEMO / "lib" / "format.mjs", graph=demo)
    assert isinstance(result, PlanResult)
    # Everything up to the entry links to format.mjs, so the entry itself would go: the app re-runs.
    assert result.plan.status is PlanStatus.RERUN
    assert result.evicted()[0] == url(DEMO / "lib" / "format.mjs")
    assert url(DEMO / "main.mjs") in result.evicted()
    assert "subgraph cluster_legend" in result.dot() and "classDef changed" in result.mermaid()
    assert '"status": "rerun"' in result.to_json()
    assert result.text().startswith("lib/format.mjs  [changed]")


def test_a_plan_behind_a_dynamic_import_stops_at_its_importer() -> None:
    result = graphkit.plan([DEMO / "routes" / "home.mjs"], entry=DEMO / "main.mjs")
    assert result.plan.status is PlanStatus.OK
    assert result.evicted() == [url(DEMO / "routes" / "home.mjs")]
    assert [(b.url, b.reason) for b in result.plan.boundaries] == [(url(DEMO / "main.mjs"), "dynamic-import")]


def test_a_path_outside_the_graph_is_an_input_error_naming_it(demo: GraphResult) -> None:
    with pytest.raises(InputError, match=r"nowhere\.mjs: not a module of the graph"):
        demo.importers_of(DEMO / "nowhere.mjs")


def test_scan_needs_a_path() -> None:
    with pytest.raises(InputError, match="name at least one"):
        graphkit.scan()


@pytest.mark.parametrize(
    "name",
    [
        "graphkit.api",
        "graphkit.output.collapse",
        "graphkit.output.diagram",
        "graphkit.output.page",
        "graphkit.output.paths",
        "graphkit.output.select",
        "graphkit.output.tables",
        "graphkit.output.wording",
    ],
)
def test_docstring_examples_run(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0


def test_a_plan_of_no_files_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="name at least one changed file"):
        graphkit.plan([], entry=DEMO / "main.mjs")
