"""DOT and Mermaid text: exact for a tiny graph, byte-stable, and drawn by the real Graphviz `dot`."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from graphkit.cli import main
from graphkit.errors import GraphkitError, UsageError
from graphkit.graph.crawl import scan
from graphkit.graph.queries import to_networkx
from graphkit.model import (
    Boundary,
    BoundaryReason,
    Edge,
    EvictionPlan,
    Format,
    ImportKind,
    Module,
    ModuleGraph,
    ModuleKind,
    PlanStatus,
)
from graphkit.model.codec import graph_from_json
from graphkit.output.collapse import LIMIT
from graphkit.output.diagram import dot_source, mermaid_source
from graphkit.output.render import MISSING_DOT, render
from graphkit.output.view import Collapse
from tests.conftest import FIXTURES

MAIN = "file:///app/main.mjs"
A = "file:///app/lib/a.mjs"
B = "file:///app/lib/b.cjs"
P1 = "file:///app/node_modules/@s/p/index.js"
P2 = "file:///app/node_modules/@s/p/x.js"
SVG = "{http://www.w3.org/2000/svg}"


def tiny() -> ModuleGraph:
    """main -> lib/a <-> lib/b (a require/re-export cycle), a package, a builtin, a missing import."""
    return ModuleGraph(
        modules=(
            Module(MAIN, ModuleKind.LOCAL, Format.MODULE),
            Module(A, ModuleKind.LOCAL, Format.MODULE),
            Module(B, ModuleKind.LOCAL, Format.COMMONJS),
            Module(P1, ModuleKind.PACKAGE, Format.MODULE),
            Module(P2, ModuleKind.PACKAGE, Format.MODULE),
            Module("node:fs", ModuleKind.BUILTIN, Format.BUILTIN),
        ),
        edges=(
            Edge(MAIN, A, ImportKind.STATIC, "./lib/a.mjs", 1, 20),
            Edge(MAIN, "node:fs", ImportKind.STATIC, "node:fs", 2, 20),
            Edge(MAIN, P1, ImportKind.DYNAMIC, "@s/p", 4, 8),
            Edge(MAIN, None, ImportKind.STATIC, "nope", 5, 1, "ERR_MODULE_NOT_FOUND"),
            Edge(A, B, ImportKind.REQUIRE, "./b.cjs", 3, 1),
            Edge(B, A, ImportKind.REEXPORT, "./a.mjs", 1, 1),
            Edge(P1, P2, ImportKind.STATIC, "./x.js", 1, 1),
        ),
    )


TINY_DOT = r"""// graphkit module graph: 6 modules, packages collapsed
digraph graphkit {
  graph [rankdir=LR, fontname=Helvetica, fontsize=11, labelloc=t, label="6 modules, packages collapsed", style="rounded", color="#cbd5e1", fontcolor="#334155", nodesep=0.16, ranksep=0.3];
  node [style="rounded,filled", fontname=Helvetica, fontsize=9, color="#94a3b8", height=0.2, margin="0.08,0.02"];
  edge [fontname=Helvetica, fontsize=9, arrowsize=0.6];
  subgraph cluster_legend {
    label="legend"; style="rounded"; color="#cbd5e1"; fontsize=9;
    "legend" [shape=plaintext, style="", fontsize=9, label=<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2"><TR><TD BGCOLOR="#eef2ff"> </TD><TD ALIGN="LEFT">module</TD></TR><TR><TD BGCOLOR="#fef9c3"> </TD><TD ALIGN="LEFT">package</TD></TR><TR><TD BGCOLOR="#f1f5f9"> </TD><TD ALIGN="LEFT">builtin</TD></TR><TR><TD><FONT COLOR="#94a3b8">──▶</FONT></TD><TD ALIGN="LEFT">import</TD></TR><TR><TD><FONT COLOR="#94a3b8">──▷</FONT></TD><TD ALIGN="LEFT">re-export</TD></TR><TR><TD><FONT COLOR="#94a3b8">╌╌▶</FONT></TD><TD ALIGN="LEFT">import()</TD></TR><TR><TD><FONT COLOR="#94a3b8">──◆</FONT></TD><TD ALIGN="LEFT">require()</TD></TR><TR><TD><FONT COLOR="#dc2626">──▶</FONT></TD><TD ALIGN="LEFT">import cycle</TD></TR><TR><TD><FONT COLOR="#dc2626">⬣</FONT></TD><TD ALIGN="LEFT">unresolved import</TD></TR></TABLE>>];
  }
  subgraph cluster_0 {
    label="lib/"; tooltip="lib/";
    "file:///app/lib/a.mjs" [label="a.mjs", shape="box", fillcolor="#eef2ff", color="#dc2626", penwidth="2"];
    "file:///app/lib/b.cjs" [label="b.cjs", shape="box", fillcolor="#eef2ff", color="#dc2626", penwidth="2"];
  }
  "file:///app/main.mjs" [label="main.mjs", shape="box", fillcolor="#eef2ff"];
  "missing:ERR_MODULE_NOT_FOUND:nope" [label="nope\nERR_MODULE_NOT_FOUND", shape="octagon", fillcolor="#fee2e2", color="#dc2626", fontcolor="#dc2626"];
  "node:fs" [label="node:fs", shape="ellipse", fillcolor="#f1f5f9"];
  "package:@s/p" [label="@s/p\n2 modules", shape="box3d", fillcolor="#fef9c3"];
  "file:///app/lib/a.mjs" -> "file:///app/lib/b.cjs" [color="#dc2626", arrowhead="diamond", penwidth="2"];
  "file:///app/lib/b.cjs" -> "file:///app/lib/a.mjs" [color="#dc2626", arrowhead="onormal", penwidth="2"];
  "file:///app/main.mjs" -> "file:///app/lib/a.mjs" [color="#94a3b8"];
  "file:///app/main.mjs" -> "missing:ERR_MODULE_NOT_FOUND:nope" [color="#dc2626"];
  "file:///app/main.mjs" -> "node:fs" [color="#94a3b8"];
  "file:///app/main.mjs" -> "package:@s/p" [color="#94a3b8", style="dashed"];
}
"""  # noqa: E501

TINY_MERMAID = """%% graphkit module graph: 6 modules, packages collapsed
flowchart LR
  classDef local fill:#eef2ff,stroke:#6b7280
  classDef package fill:#fef9c3,stroke:#6b7280
  classDef builtin fill:#f1f5f9,stroke:#6b7280
  classDef missing fill:#fee2e2,stroke:#6b7280
  classDef changed fill:#f87171,stroke:#6b7280
  classDef evicted fill:#fdba74,stroke:#6b7280
  classDef boundary fill:#bfdbfe,stroke:#6b7280
  classDef kept fill:#f8fafc,stroke:#6b7280
  classDef cycle stroke:#dc2626,stroke-width:2px
  classDef focus stroke:#2563eb,stroke-width:3px
  subgraph legend["legend"]
    legend0["module"]:::local
    legend1["package"]:::package
    legend2["builtin"]:::builtin
    legend3["unresolved"]:::missing
    legend4["import cycle"]:::cycle
  end
  subgraph f0["lib/"]
    n0["a.mjs"]
    n1["b.cjs"]
  end
  n2["main.mjs"]
  n3["nope<br>ERR_MODULE_NOT_FOUND"]
  n4["node:fs"]
  n5["@s/p<br>2 modules"]
  n0 -.->|require| n1
  n1 ==> n0
  n2 --> n0
  n2 --> n3
  n2 --> n4
  n2 -.->|dynamic| n5
  class n4 builtin
  class n0,n1 cycle
  class n0,n1,n2 local
  class n3 missing
  class n5 package
  linkStyle 0,1 stroke:#dc2626,stroke-width:2px
"""

PLAN = EvictionPlan(
    status=PlanStatus.OK,
    changed=(B,),
    evict=((A, B),),
    boundaries=(Boundary(MAIN, BoundaryReason.ACCEPTS, (A,)),),
    kept=2,
    chains=(),
)


def shuffled(graph: ModuleGraph, seed: int) -> ModuleGraph:
    rng = random.Random(seed)
    modules, edges = list(graph.modules), list(graph.edges)
    rng.shuffle(modules)
    rng.shuffle(edges)
    return ModuleGraph(tuple(modules), tuple(edges))


def svg_titles(svg: bytes) -> set[str]:
    """The texts Graphviz drew, parsed as XML so a malformed document fails here."""
    root = ET.fromstring(svg)
    return {t.text or "" for t in root.iter(f"{SVG}text")}


def test_dot_of_a_tiny_graph_is_exactly_the_expected_text() -> None:
    assert dot_source(tiny()) == TINY_DOT


def test_mermaid_of_a_tiny_graph_is_exactly_the_expected_text() -> None:
    assert mermaid_source(tiny()) == TINY_MERMAID


def test_dot_and_mermaid_do_not_depend_on_the_order_of_modules_and_edges() -> None:
    for seed in range(3):
        assert dot_source(shuffled(tiny(), seed)) == TINY_DOT
        assert mermaid_source(shuffled(tiny(), seed), plan=PLAN) == mermaid_source(tiny(), plan=PLAN)


def test_graphviz_draws_the_tiny_graph_with_every_label() -> None:
    texts = svg_titles(render(dot_source(tiny()), "svg"))
    assert {"main.mjs", "a.mjs", "b.cjs", "node:fs", "@s/p", "2 modules", "nope", "lib/"} <= texts
    assert "ERR_MODULE_NOT_FOUND" in texts


def test_uncollapsed_packages_are_labelled_by_package_and_path() -> None:
    texts = svg_titles(render(dot_source(tiny(), collapse="none"), "svg"))
    assert {"@s/p/index.js", "@s/p/x.js"} <= texts


def test_a_plan_colours_each_role_and_adds_a_legend() -> None:
    text = dot_source(tiny(), plan=PLAN)
    lines = {line.strip().split(" [")[0]: line for line in text.splitlines()}
    assert 'fillcolor="#f87171"' in lines[f'"{B}"']  # changed
    assert 'fillcolor="#fdba74"' in lines[f'"{A}"']  # evicted
    assert 'peripheries="2"' in lines[f'"{MAIN}"']  # boundary
    assert 'fillcolor="#f8fafc"' in lines['"node:fs"']  # kept
    assert "plan in-place: 1 changed, 2 evicted in 1 unit, 1 boundary, 2 kept" in text
    assert {"changed", "evicted", "boundary", "kept", "plan in-place"} <= svg_titles(render(text, "svg"))


def test_a_full_reload_plan_says_why_in_the_title() -> None:
    plan = EvictionPlan(PlanStatus.FULL_RELOAD, (MAIN,), ((MAIN,),), (), 0, (), reason="the entry changed")
    text = dot_source(tiny(), plan=plan)
    assert "plan restart" in text and "(the entry changed)" in text


@pytest.mark.parametrize(
    "name",
    [
        'quote "q".mjs',  # DOT string quoting
        "back\\slash.mjs",  # a backslash must not start a DOT escape
        "spa ce%20.mjs",  # URL-encoded in the key, decoded in the label
        "ünï.mjs",  # non-ASCII survives into the SVG
    ],
)
def test_awkward_file_names_are_drawn_with_their_real_names(name: str) -> None:
    url = "file:///app/" + name.replace("%", "%25").replace(" ", "%20")
    graph = ModuleGraph((Module(MAIN, ModuleKind.LOCAL, None), Module(url, ModuleKind.LOCAL, None)), ())
    assert name in svg_titles(render(dot_source(graph), "svg"))
    assert name.replace('"', "#quot;") in mermaid_source(graph)


@pytest.mark.parametrize("fmt", ["png", "pdf"])
def test_binary_formats_come_back_with_their_magic_bytes(fmt: str) -> None:
    data = render(dot_source(tiny()), fmt)
    assert data.startswith(b"\x89PNG" if fmt == "png" else b"%PDF")


def test_an_unknown_format_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="format 'gif'"):
        render("digraph {}", "gif")


def test_broken_dot_text_is_one_line_naming_dot() -> None:
    with pytest.raises(GraphkitError) as caught:
        render("digraph { a -> }", "svg")
    assert "dot" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_missing_dot_is_one_line_telling_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    dot = shutil.which("dot")
    assert dot is not None, "Graphviz must be installed for the test suite (make graphviz)"
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(GraphkitError) as caught:
        render(dot_source(tiny()), "svg")
    assert str(caught.value) == MISSING_DOT


def test_the_dot_text_is_accepted_by_graphviz_as_canonical_dot() -> None:
    text = dot_source(tiny(), plan=PLAN)
    done = subprocess.run(["dot", "-Tcanon"], input=text, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert '"package:@s/p"' in done.stdout


# `graphkit graph`: run in-process through the real entry point, except where PATH must change.

DEMO = FIXTURES / "demo"


def cli(capsysbinary: pytest.CaptureFixture[bytes], *argv: str | Path) -> tuple[int, bytes, str]:
    status = main(["graph", *(str(a) for a in argv)])
    out, err = capsysbinary.readouterr()
    return status, out, err.decode()


def test_graph_prints_the_same_dot_as_the_library(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    status, out, err = cli(capsysbinary, DEMO / "main.mjs")
    assert (status, err) == (0, "")
    assert out.decode() == dot_source(scan([DEMO / "main.mjs"]))


def test_graph_writes_svg_named_by_the_output_suffix(
    capsysbinary: pytest.CaptureFixture[bytes], tmp_path: Path
) -> None:
    status, out, _ = cli(capsysbinary, DEMO / "main.mjs", "-o", tmp_path / "demo.svg")
    assert (status, out) == (0, b"")
    assert {"main.mjs", "greet.mjs", "routes/"} <= svg_titles((tmp_path / "demo.svg").read_bytes())


def test_graph_sends_png_bytes_to_stdout_without_output(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    status, out, _ = cli(capsysbinary, DEMO / "main.mjs", "--format", "png")
    assert status == 0 and out.startswith(b"\x89PNG")


def test_graph_json_round_trips_into_an_equal_networkx_graph(
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    status, out, _ = cli(capsysbinary, DEMO / "main.mjs", "--format", "json")
    assert status == 0
    again = to_networkx(graph_from_json(out.decode()))
    assert nx.utils.graphs_equal(again, to_networkx(scan([DEMO / "main.mjs"])))


def test_graph_mermaid_focus_and_depth(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    focus = DEMO / "lib" / "greet.mjs"
    status, out, _ = cli(capsysbinary, DEMO, "-f", "mermaid", "--focus", focus, "--depth", "1")
    text = out.decode()
    assert status == 0 and text.startswith("%% graphkit module graph: 3 modules")
    assert '"greet.mjs"' in text and '"main.mjs"' in text and '"format.mjs"' in text
    assert "routes/" not in text


def test_graph_overlays_a_plan_with_its_legend(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    changed = DEMO / "routes" / "home.mjs"
    status, out, _ = cli(capsysbinary, DEMO / "main.mjs", "--plan", changed, "--entry", DEMO / "main.mjs")
    text = out.decode()
    assert status == 0 and "subgraph cluster_legend" in text
    assert "plan in-place: 1 changed, 1 evicted in 1 unit, 1 boundary" in text


def test_graph_notes_on_stderr_when_folders_collapse(
    capsysbinary: pytest.CaptureFixture[bytes], tmp_path: Path
) -> None:
    for i in range(LIMIT + 1):
        (tmp_path / f"d{i}").mkdir()
        (tmp_path / f"d{i}" / "m.mjs").write_text("export {};\n")
    status, out, err = cli(capsysbinary, tmp_path)
    assert status == 0 and err.startswith(f"graphkit: {LIMIT + 1} modules exceed {LIMIT} nodes")
    assert out.decode().splitlines()[1].startswith(f"// {LIMIT + 1} modules exceed")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["nowhere.mjs"], "nowhere.mjs"),  # a path that does not exist
        ([DEMO / "main.mjs", "--depth", "1"], "--depth 1: needs --focus FILE"),
        ([DEMO / "main.mjs", "-f", "json", "--plan", DEMO / "main.mjs"], "--plan: a plan is drawn"),
        ([DEMO / "main.mjs", "--focus", DEMO / "package.json"], "package.json: not a module of the graph"),
    ],
)
def test_graph_failures_exit_2_with_one_line(
    capsysbinary: pytest.CaptureFixture[bytes], argv: list[str | Path], message: str
) -> None:
    status, out, err = cli(capsysbinary, *argv)
    assert (status, out) == (2, b"")
    assert err.startswith("graphkit: ") and message in err and err.count("\n") == 1


def test_graph_rejects_an_unknown_format_as_argparse_does(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    with pytest.raises(SystemExit) as caught:
        cli(capsysbinary, DEMO / "main.mjs", "--format", "gif")
    assert caught.value.code == 2


def test_graph_without_dot_exits_2_telling_how_to_install_it(tmp_path: Path) -> None:
    graphkit = Path(sys.executable).with_name("graphkit")
    command = [str(graphkit), "graph", str(DEMO / "main.mjs"), "-o", str(tmp_path / "x.svg")]
    done = subprocess.run(command, capture_output=True, text=True, env={"PATH": str(tmp_path)}, check=False)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"graphkit: {MISSING_DOT}\n"
    assert not (tmp_path / "x.svg").exists()


@pytest.mark.parametrize("mode", list(Collapse))
def test_every_collapse_mode_draws_the_same_from_the_command_and_the_library(
    mode: Collapse, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    graph = scan([DEMO / "main.mjs"])
    if mode is Collapse.AUTO:  # the command's default, not one of its choices
        assert cli(capsysbinary, DEMO / "main.mjs")[1].decode() == dot_source(graph, collapse=mode)
        with pytest.raises(SystemExit) as bad:
            cli(capsysbinary, DEMO / "main.mjs", "--collapse", mode)
        assert bad.value.code == 2
    else:
        status, out, _ = cli(capsysbinary, DEMO / "main.mjs", "--collapse", mode)
        assert status == 0 and out.decode() == dot_source(graph, collapse=mode.value)


# The layout Graphviz itself makes of the DOT: `dot -Tjson` parses it, so a test reads clusters and
# attributes as dot understood them, not as text.


def laid_out(dot_text: str) -> dict[str, Any]:
    done = subprocess.run(["dot", "-Tjson"], input=dot_text, capture_output=True, text=True, check=True)
    layout: dict[str, Any] = json.loads(done.stdout)
    return layout


def clusters(layout: dict[str, Any]) -> dict[str, tuple[list[str], list[str]]]:
    """Each cluster's label -> (labels of the clusters right inside it, labels of its own nodes)."""
    objects = layout["objects"]
    inner = {i for o in objects for i in o.get("subgraphs", [])}
    own = {
        o["_gvid"]: set(o.get("nodes", []))
        - {n for s in o.get("subgraphs", []) for n in objects[s].get("nodes", [])}
        for o in objects
        if o["name"].startswith("cluster")
    }
    assert inner <= set(own)
    return {
        objects[i]["label"]: (
            sorted(objects[s]["label"] for s in objects[i].get("subgraphs", [])),
            sorted(objects[n]["label"] for n in nodes),
        )
        for i, nodes in own.items()
    }


def nested() -> ModuleGraph:
    """main.mjs importing v4/core/{a,b}.mjs and v4/mini/c.mjs; a type-only import from b to c."""
    main, a, b, c = (
        Module(f"file:///app/{p}", ModuleKind.LOCAL, None)
        for p in ("main.mjs", "v4/core/a.mjs", "v4/core/b.mjs", "v4/mini/c.mjs")
    )
    edges = [Edge(main.url, m.url, ImportKind.STATIC, "x", 1, 1) for m in (a, b, c)]
    edges.append(Edge(b.url, c.url, ImportKind.TYPE, "../mini/c.mjs", 1, 1))
    return ModuleGraph((main, a, b, c), tuple(edges))


def test_folders_nest_as_clusters_with_modules_named_by_their_file_name() -> None:
    found = clusters(laid_out(dot_source(nested())))
    assert found["v4/"] == (["core/", "mini/"], [])
    assert found["core/"] == ([], ["a.mjs", "b.mjs"])
    assert found["mini/"] == ([], ["c.mjs"])
    assert laid_out(dot_source(nested()))["rankdir"] == "LR"


@pytest.mark.parametrize(
    ("graph", "rows", "absent"),
    [
        # every diagram has a legend of what it draws: node kinds and the import kinds present, no others
        (nested(), {"module", "import", "import type"}, {"re-export", "import cycle", "package"}),
        (
            tiny(),
            {"module", "package", "builtin", "import", "re-export", "import()", "require()", "import cycle"},
            {"import type", "focus"},
        ),
    ],
)
def test_every_diagram_has_a_legend_of_what_it_draws(
    graph: ModuleGraph, rows: set[str], absent: set[str]
) -> None:
    groups = {
        g.findtext(f"{SVG}title"): g for g in ET.fromstring(render(dot_source(graph), "svg")).iter(f"{SVG}g")
    }
    assert groups["cluster_legend"].findtext(f"{SVG}text") == "legend"
    texts = {t.text for t in groups["legend"].iter(f"{SVG}text")}
    assert rows <= texts and not absent & texts


def test_the_focus_module_is_highlighted_and_no_other() -> None:
    focus = "file:///app/v4/core/b.mjs"
    layout = laid_out(dot_source(nested(), focus=focus))
    highlighted = [o["name"] for o in layout["objects"] if o.get("penwidth") == "3"]
    assert highlighted == [focus]
    assert "focus" in svg_titles(render(dot_source(nested(), focus=focus), "svg"))


def test_runtime_only_leaves_out_type_imports() -> None:
    def kinds(text: str) -> list[str]:
        return [e.get("style", "solid") for e in laid_out(text)["edges"]]

    assert kinds(dot_source(nested())).count("dotted") == 1
    assert kinds(dot_source(nested(), runtime_only=True)).count("dotted") == 0
    assert len(kinds(dot_source(nested(), runtime_only=True))) == 3


def test_affected_draws_only_the_plan_of_a_change_with_its_eviction_path(
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    from graphkit.api import plan
    from graphkit.output.diagram import PLAN_ACCENT

    changed = DEMO / "lib" / "pad.cjs"
    status, out, _ = cli(capsysbinary, DEMO / "main.mjs", "--affected", changed, "--collapse", "none")
    assert status == 0
    layout = laid_out(out.decode())
    drawn = {o["name"] for o in layout["objects"] if "name" in o and o["name"].startswith("file:")}
    made = plan(changed, entry=DEMO / "main.mjs").plan
    expected = {*made.changed, *(u for unit in made.evict for u in unit), *(b.url for b in made.boundaries)}
    assert drawn == expected and len(expected) < len(scan([DEMO / "main.mjs"]).modules)
    assert any(e.get("color") == PLAN_ACCENT for e in layout["edges"])


@pytest.mark.parametrize(
    "options",
    [
        ["--focus", DEMO / "lib" / "greet.mjs", "--depth", "1"],  # a neighbourhood
        ["--focus", "lib/greet.mjs", "--depth", "1"],  # a path relative to the graph's root
        ["--exclude", "^routes/", "--exclude", "json$"],  # patterns left out
        ["--reaches", DEMO / "lib" / "format.mjs"],  # the module and its importers
        ["--affected", DEMO / "lib" / "pad.cjs"],  # a plan's closure
    ],
)
def test_json_holds_the_modules_the_diagram_draws(
    capsysbinary: pytest.CaptureFixture[bytes], options: list[str | Path]
) -> None:
    _, out, _ = cli(capsysbinary, DEMO / "main.mjs", "-f", "json", *options)
    in_json = {m.url for m in graph_from_json(out.decode()).modules}
    status, out, _ = cli(capsysbinary, DEMO / "main.mjs", "--collapse", "none", *options)
    drawn = {o["name"] for o in laid_out(out.decode())["objects"] if o["name"].startswith(("file:", "node:"))}
    assert status == 0 and in_json == drawn
    assert 0 < len(in_json) < len(scan([DEMO / "main.mjs"]).modules)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--collapse", "("], "not a regular expression"),  # a broken pattern
        (["--exclude", "[a-"], "not a regular expression"),
        (["--reaches", "nowhere.mjs"], "nowhere.mjs: not a module of the graph"),
    ],
)
def test_bad_selections_exit_2_with_one_line(
    capsysbinary: pytest.CaptureFixture[bytes], argv: list[str], message: str
) -> None:
    try:
        status, out, err = cli(capsysbinary, DEMO / "main.mjs", *argv)
    except SystemExit as stop:  # argparse's own refusal of an option's value
        status, out, err = int(str(stop.code)), b"", capsysbinary.readouterr().err.decode()
    assert (status, out) == (2, b"")
    assert message in err.strip().splitlines()[-1]
