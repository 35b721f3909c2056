"""Graphs as data for notebooks: networkx's own writers take them, records agree with the graph's queries."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest

import graphkit
from graphkit.api import GraphResult
from tests.conftest import FIXTURES

TS_APP = FIXTURES / "typescript" / "app"


@pytest.fixture(scope="module")
def app() -> GraphResult:
    """A TypeScript app with type-only imports, a builtin and folders."""
    return graphkit.scan(TS_APP / "main.ts")


def test_the_graph_has_type_only_imports_to_leave_out(app: GraphResult) -> None:
    kinds = nx.get_edge_attributes(app.to_networkx(), "kind")
    assert "type" in kinds.values()
    assert "type" not in nx.get_edge_attributes(app.to_networkx(runtime_only=True), "kind").values()


def test_graphml_round_trips(app: GraphResult, tmp_path: Path) -> None:
    g = app.to_networkx()
    nx.write_graphml(g, tmp_path / "g.graphml")
    again = nx.read_graphml(tmp_path / "g.graphml")
    assert dict(again.nodes(data=True)) == dict(g.nodes(data=True))
    assert sorted(again.edges(data=True)) == sorted(g.edges(data=True))
    assert again.graph["root"] == str(TS_APP)  # beside the defaults GraphML adds


def test_gexf_round_trips(app: GraphResult, tmp_path: Path) -> None:
    g = app.to_networkx()
    nx.write_gexf(g, tmp_path / "g.gexf")
    again = nx.read_gexf(tmp_path / "g.gexf")
    assert sorted(again.edges) == sorted(g.edges)
    for url, attrs in g.nodes(data=True):
        assert {k: again.nodes[url][k] for k in attrs} == attrs  # GEXF adds a label of its own
    for a, b, attrs in g.edges(data=True):
        assert {k: again.edges[a, b][k] for k in attrs} == attrs


def test_node_link_json_round_trips(app: GraphResult) -> None:
    g = app.to_networkx()
    text = json.dumps(nx.node_link_data(g, edges="edges"))
    assert nx.utils.graphs_equal(nx.node_link_graph(json.loads(text), edges="edges"), g)


def test_pagerank_runs_on_the_graph(app: GraphResult) -> None:
    ranks = nx.pagerank(app.to_networkx())
    assert set(ranks) == {m.url for m in app.graph.modules} and abs(sum(ranks.values()) - 1) < 1e-6


def test_dependents_in_records_are_the_transitive_importers(app: GraphResult) -> None:
    records = app.modules()
    assert [r["dependents"] for r in records] == [len(app.dependents(r["url"])) for r in records]
    assert any(r["dependents"] > r["importers"] for r in records)  # the fixture is deeper than one step
    top = app.most_imported(1, transitive=True)[0]
    assert top.importers == max(r["dependents"] for r in records)


def test_edge_records_hold_every_import_with_paths_relative_to_the_root(app: GraphResult) -> None:
    rows = app.edges()
    assert len(rows) == len(app.graph.edges)
    assert {r["source"] for r in rows} <= {r["path"] for r in app.modules()}
    assert "main.ts" in {r["source"] for r in rows} and app.root == TS_APP


def test_paths_relative_to_the_root_name_modules(app: GraphResult) -> None:
    inner = next(r["path"] for r in app.modules() if "/" in r["path"] and r["importers"])
    assert app.importers_of(inner) == app.importers_of(TS_APP / inner)
    assert app.dependents(inner) == app.dependents(TS_APP / inner)


def test_data_frames_are_the_records(app: GraphResult) -> None:
    frame = app.modules_frame()
    assert list(frame.index) == [r["path"] for r in app.modules()]
    assert frame["dependents"].tolist() == [r["dependents"] for r in app.modules()]
    assert len(app.edges_frame(runtime_only=True)) == len(app.edges(runtime_only=True)) < len(app.edges())


def test_reload_costs_are_what_the_planner_evicts_for_each_module() -> None:
    entry = FIXTURES / "http-app" / "main.mjs"  # banner.mjs accepts its own updates
    app = graphkit.scan(entry)
    costs = {r["path"]: r["evicted"] for r in app.reload_costs(entry)}
    local = [r["path"] for r in app.modules() if r["kind"] == "local"]
    planned = {p: len(graphkit.plan(entry.parent / p, entry=entry, graph=app).evicted()) for p in local}
    assert {p: costs[p] for p in local} == planned
    assert costs["banner.mjs"] == 1 and max(costs.values()) > 1


def test_the_page_shows_inline_in_a_frame_of_its_own(app: GraphResult) -> None:
    shown = app.page()._repr_html_()
    assert shown.startswith("<iframe srcdoc=") and "&lt;script" in shown and "<script" not in shown
