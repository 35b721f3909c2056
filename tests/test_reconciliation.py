"""Static against live: the pure comparison, fed with live graphs read from real Node."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graphkit.cli import main
from graphkit.graph.reconcile import Disagreement, Row, compare
from graphkit.live.probe import live_graph
from graphkit.model import Edge, ImportKind, Module, ModuleGraph, ModuleKind
from tests.conftest import FIXTURES

GRAPHS = FIXTURES / "graphs"


def url(fixture: str, name: str) -> str:
    return (GRAPHS / fixture / name).resolve().as_uri()


def static(*edges: Edge) -> ModuleGraph:
    urls = {e.source for e in edges} | {e.target for e in edges if e.target}
    return ModuleGraph(modules=tuple(Module(u, ModuleKind.LOCAL, None) for u in sorted(urls)), edges=edges)


def edge(fixture: str, source: str, target: str | None, kind: ImportKind, specifier: str | None,
         line: int) -> Edge:
    return Edge(url(fixture, source), url(fixture, target) if target else None, kind, specifier, line, 1,
                None if specifier else "computed")


def test_reexports_and_imports_agree_with_linked_edges(any_node: Path) -> None:
    live = live_graph(GRAPHS / "reexport-chain" / "main.mjs", node=any_node)
    result = compare(static(
        edge("reexport-chain", "main.mjs", "index.mjs", ImportKind.STATIC, "./index.mjs", 1),
        edge("reexport-chain", "index.mjs", "middle.mjs", ImportKind.REEXPORT, "./middle.mjs", 1),
        edge("reexport-chain", "index.mjs", "label.mjs", ImportKind.REEXPORT, "./label.mjs", 2),
        edge("reexport-chain", "middle.mjs", "leaf.mjs", ImportKind.REEXPORT, "./leaf.mjs", 1),
    ), live)
    assert result.agrees
    assert len(result.agreed) == 4
    assert result.agreed[0].where == str(GRAPHS.resolve() / "reexport-chain" / "index.mjs") + ":2"


def test_a_dynamic_import_not_yet_run_is_static_only(any_node: Path) -> None:
    live = live_graph(GRAPHS / "lazy" / "main.mjs", node=any_node)
    late = edge("lazy", "main.mjs", "late.mjs", ImportKind.DYNAMIC, "./late.mjs", 4)
    early = edge("lazy", "main.mjs", "early.mjs", ImportKind.STATIC, "./early.mjs", 1)
    result = compare(static(early, late), live)
    assert [r.target for r in result.agreed] == [url("lazy", "early.mjs")]
    assert result.static_only == (Row(late.source, late.target, ImportKind.DYNAMIC, "./late.mjs",
                                      str(GRAPHS.resolve() / "lazy" / "main.mjs") + ":4"),)
    assert result.live_only == ()


def test_a_computed_import_is_live_only(any_node: Path) -> None:
    live = live_graph(GRAPHS / "computed-import" / "main.mjs", node=any_node)
    result = compare(static(
        edge("computed-import", "main.mjs", "names.mjs", ImportKind.STATIC, "./names.mjs", 1),
        edge("computed-import", "main.mjs", None, ImportKind.DYNAMIC, None, 5),
    ), live)
    assert result.live_only == (
        Row(url("computed-import", "main.mjs"), url("computed-import", "plugins/alpha.mjs"),
            ImportKind.DYNAMIC, "./plugins/alpha.mjs", None),
    )
    assert result.static_only == ()
    assert result.disagreements == ()


def test_require_edges_compare_by_importer_and_target(any_node: Path) -> None:
    live = live_graph(GRAPHS / "cjs-interop" / "main.mjs", node=any_node)
    result = compare(static(
        edge("cjs-interop", "main.mjs", "lib.cjs", ImportKind.STATIC, "./lib.cjs", 1),
        edge("cjs-interop", "lib.cjs", "helper.cjs", ImportKind.REQUIRE, "./helper.cjs", 1),
    ), live)
    assert result.agrees


def test_the_same_specifier_sent_elsewhere_is_a_disagreement(any_node: Path) -> None:
    live = live_graph(GRAPHS / "diamond" / "main.mjs", node=any_node)
    wrong = edge("diamond", "left.mjs", "right.mjs", ImportKind.STATIC, "./shared.mjs", 1)
    result = compare(static(
        edge("diamond", "main.mjs", "left.mjs", ImportKind.STATIC, "./left.mjs", 1),
        edge("diamond", "main.mjs", "right.mjs", ImportKind.STATIC, "./right.mjs", 2),
        wrong,
        edge("diamond", "right.mjs", "shared.mjs", ImportKind.STATIC, "./shared.mjs", 1),
    ), live)
    assert result.disagreements == (
        Disagreement(url("diamond", "left.mjs"), "./shared.mjs", url("diamond", "right.mjs"),
                     url("diamond", "shared.mjs"), str(GRAPHS.resolve() / "diamond" / "left.mjs") + ":1"),
    )
    assert result.live_only == () and result.static_only == ()
    assert not result.agrees


def test_reconcile_json_lists_every_row_with_its_fields(capsys: pytest.CaptureFixture[str]) -> None:
    entry = GRAPHS / "lazy" / "main.mjs"
    assert main(["reconcile", str(entry), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert sorted(doc) == ["agreed", "disagreements", "live_only", "static_only", "version"]
    assert doc["version"] == 1
    assert doc["static_only"] == [{
        "source": url("lazy", "main.mjs"), "target": url("lazy", "late.mjs"), "kind": "dynamic",
        "specifier": "./late.mjs", "where": str(GRAPHS.resolve() / "lazy" / "main.mjs") + ":4",
    }]
    assert [row["target"] for row in doc["agreed"]] == [url("lazy", "early.mjs")]


def test_scan_and_node_agree_on_every_statically_decidable_fixture(any_node: Path) -> None:
    from graphkit.graph.crawl import scan

    for name in ("diamond", "cycle", "reexport-chain", "json-attributes", "cjs-interop"):
        entry = GRAPHS / name / "main.mjs"
        result = compare(scan([entry]), live_graph(entry, node=any_node))
        assert result.agrees, (name, result)
        assert result.agreed, name
