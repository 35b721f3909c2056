"""DOT and Mermaid text: exact for a tiny graph, byte-stable, and drawn by the real Graphviz `dot`."""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

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
  graph [rankdir=LR, fontname=Helvetica, fontsize=11, labelloc=t, label="6 modules, packages collapsed"];
  node [style="rounded,filled", fontname=Helvetica, fontsize=10];
  edge [fontname=Helvetica, fontsize=9, arrowsize=0.7];
  subgraph cluster_0 {
    label="lib/";
    "file:///app/lib/a.mjs" [label="lib/a.mjs", shape="box", fillcolor="#dbeafe", color="#dc2626", penwidth="2"];
    "file:///app/lib/b.cjs" [label="lib/b.cjs", shape="box", fillcolor="#dbeafe", color="#dc2626", penwidth="2"];
  }
  "file:///app/main.mjs" [label="main.mjs", shape="box", fillcolor="#dbeafe"];
  "missing:ERR_MODULE_NOT_FOUND:nope" [label="nope\nERR_MODULE_NOT_FOUND", shape="octagon", fillcolor="#fecaca", color="#dc2626", fontcolor="#dc2626"];
  "node:fs" [label="node:fs", shape="ellipse", fillcolor="#e5e7eb"];
  "package:@s/p" [label="@s/p\n2 modules", shape="box3d", fillcolor="#fef3c7"];
  "file:///app/lib/a.mjs" -> "file:///app/lib/b.cjs" [style="dotted", color="#dc2626", penwidth="2"];
  "file:///app/lib/b.cjs" -> "file:///app/lib/a.mjs" [style="bold", color="#dc2626", penwidth="2"];
  "file:///app/main.mjs" -> "file:///app/lib/a.mjs" [style="solid", color="#374151"];
  "file:///app/main.mjs" -> "missing:ERR_MODULE_NOT_FOUND:nope" [style="solid", color="#dc2626"];
  "file:///app/main.mjs" -> "node:fs" [style="solid", color="#374151"];
  "file:///app/main.mjs" -> "package:@s/p" [style="dashed", color="#2563eb"];
}
"""  # noqa: E501

TINY_MERMAID = """%% graphkit module graph: 6 modules, packages collapsed
flowchart LR
  classDef local fill:#dbeafe,stroke:#6b7280
  classDef package fill:#fef3c7,stroke:#6b7280
  classDef builtin fill:#e5e7eb,stroke:#6b7280
  classDef missing fill:#fecaca,stroke:#6b7280
  classDef changed fill:#f87171,stroke:#6b7280
  classDef evicted fill:#fdba74,stroke:#6b7280
  classDef boundary fill:#93c5fd,stroke:#6b7280
  classDef kept fill:#f3f4f6,stroke:#6b7280
  classDef cycle stroke:#dc2626,stroke-width:2px
  subgraph f0["lib/"]
    n0["lib/a.mjs"]
    n1["lib/b.cjs"]
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
    assert {"main.mjs", "lib/a.mjs", "lib/b.cjs", "node:fs", "@s/p", "2 modules", "nope", "lib/"} <= texts
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
    assert 'fillcolor="#f3f4f6"' in lines['"node:fs"']  # kept
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
    assert {"main.mjs", "lib/greet.mjs", "routes/"} <= svg_titles((tmp_path / "demo.svg").read_bytes())


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
    assert '"lib/greet.mjs"' in text and '"main.mjs"' in text and '"lib/format.mjs"' in text
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
