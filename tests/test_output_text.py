"""What graphkit prints about graphs, plans and reconciliations: counted nouns, paths and summaries."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphkit.graph.crawl import scan
from graphkit.graph.reconcile import Comparison, Disagreement
from graphkit.model import (
    Boundary,
    BoundaryReason,
    Chain,
    Edge,
    EvictionPlan,
    ImportKind,
    Module,
    ModuleGraph,
    ModuleKind,
    PlanStatus,
)
from graphkit.output.collapse import collapse
from graphkit.output.paths import display_path
from graphkit.output.plan_text import render_text
from graphkit.output.summary import GraphTally, comparison_line, graph_report
from tests.conftest import FIXTURES


@pytest.mark.parametrize(
    ("where", "root", "shown"),
    [
        ("file:///app/lib/a%20b.mjs", Path("/app"), "lib/a b.mjs"),  # inside the root, URL decoded
        (Path("/app/lib/a.mjs"), Path("/app"), "lib/a.mjs"),  # a path reads the same as its URL
        ("file:///elsewhere/x.mjs", Path("/app"), "/elsewhere/x.mjs"),  # outside the root: absolute
        ("file:///app/x.mjs", Path("/app/lib"), "/app/x.mjs"),  # ... even where ../x.mjs is shorter
        ("node:fs", Path("/app"), "node:fs"),  # no file behind it: as it is
        ("file://host/x.mjs", Path("/app"), "file://host/x.mjs"),  # fileURLToPath refuses a host
    ],
)
def test_a_module_is_shown_relative_to_the_root_only_inside_it(
    where: str | Path, root: Path, shown: str
) -> None:
    assert display_path(where, root) == shown


def test_counted_nouns_agree_with_their_number() -> None:
    main = Module("file:///app/main.mjs", ModuleKind.LOCAL, None)
    dep = Module("file:///app/node_modules/p/x.js", ModuleKind.PACKAGE, None)
    edges = (
        Edge(main.url, dep.url, ImportKind.STATIC, "p", 1, 1),
        Edge(dep.url, main.url, ImportKind.STATIC, "../../main.mjs", 1, 1),
        Edge(main.url, None, ImportKind.STATIC, "q", 2, 1, "ERR_MODULE_NOT_FOUND"),
    )
    graph = ModuleGraph((main, dep), edges)
    assert GraphTally.of(graph).line() == "2 modules, 2 imports, 1 cycle, 1 unresolved"
    labels = {n.id: n.label for n in collapse(graph, mode="folders").nodes}
    assert labels["package:p"] == "p\n1 module"
    assert labels["missing:ERR_MODULE_NOT_FOUND"] == "ERR_MODULE_NOT_FOUND\n1 specifier"
    one = Comparison((), (), (), (Disagreement(main.url, "p", dep.url, main.url, None),))
    assert comparison_line(one) == "0 agreed, 0 live-only, 0 static-only, 1 disagreement"


def test_the_scan_report_names_files_relative_to_the_folder_it_is_given() -> None:
    graph = scan([FIXTURES / "resolve" / "extensionless"])
    report = graph_report(graph, FIXTURES / "resolve")
    unresolved = [line for line in report.splitlines() if "ERR_MODULE_NOT_FOUND" in line]
    assert unresolved and all(line.startswith("  extensionless/") for line in unresolved)


def test_the_plan_tree_shows_paths_not_urls_for_modules_outside_the_root() -> None:
    changed, importer = "file:///app/lib/a.mjs", "file:///shared/b.mjs"
    plan = EvictionPlan(
        PlanStatus.OK,
        (changed,),
        ((changed,), (importer,)),
        (Boundary("file:///app/main.mjs", BoundaryReason.DYNAMIC_IMPORT, (importer,)),),
        3,
        (Chain(changed, None), Chain(importer, changed)),
    )
    assert render_text(plan, root=Path("/app")) == (
        "lib/a.mjs  [changed]\n"
        "└── /shared/b.mjs\n"
        "    └── main.mjs  [dynamic import(): kept, re-imports]\n"
        "reload order: lib/a.mjs, /shared/b.mjs\n"
        "in-place: 2 evicted in 2 units, 1 boundary, 3 kept\n"
    )
