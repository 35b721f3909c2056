"""`graphkit plan` on bad inputs and deep graphs: one line and exit 2, or a plan; never a RecursionError."""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

import pytest

from graphkit.model import Edge, Format, ImportKind, Module, ModuleGraph, ModuleKind, PlanStatus
from graphkit.model.codec import plan_from_dict, plan_to_json
from graphkit.output.diagram import dot_source
from graphkit.output.plan_text import MAX_DEPTH, render_text
from graphkit.planning.planner import plan
from tests.faults.helpers import graphkit, one_error_line

# Well past Python's recursion limit (1,000 frames), where a recursive renderer or planner fails.
CHAIN = 2 * sys.getrecursionlimit()


def test_entry_with_a_txt_name_exits_2(app: Path) -> None:
    notes = app / "notes.txt"
    notes.write_text('import "./dep.mjs";\n')
    run = graphkit("plan", "--entry", notes, app / "dep.mjs")
    assert run.status == 2
    one_error_line(run, str(notes), "not a JavaScript or TypeScript module")


def test_binary_entry_exits_2(app: Path) -> None:
    binary = app / "server"
    binary.write_bytes(Path(sys.executable).read_bytes()[:65536])
    run = graphkit("plan", "--entry", binary, app / "dep.mjs")
    assert run.status == 2
    one_error_line(run, str(binary), "binary")


def test_folder_given_as_the_changed_file_exits_2(app: Path) -> None:
    run = graphkit("plan", "--entry", app / "main.mjs", app)
    assert run.status == 2
    one_error_line(run, str(app), "folder")


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """m0.mjs imports m1.mjs, which imports m2.mjs, and so on."""
    folder = tmp_path_factory.mktemp("chain")
    for i in range(CHAIN):
        after = f'import "./m{i + 1}.mjs";\n' if i + 1 < CHAIN else "export default 1;\n"
        (folder / f"m{i}.mjs").write_text(after)
    return folder


@pytest.mark.parametrize(
    ("fmt", "shows"), [("text", f"m{CHAIN // 2}.mjs"), ("json", f"m{CHAIN // 2}.mjs"), ("dot", "evicted")]
)
def test_deep_import_chain_is_planned_and_rendered(chain: Path, fmt: str, shows: str) -> None:
    run = graphkit("plan", "--format", fmt, "--entry", chain / "m0.mjs", chain / f"m{CHAIN - 1}.mjs")
    assert (run.status, run.err) == (0, "")
    assert shows in run.out  # the middle of the chain is evicted (the picture collapses it to a folder)


LONG_CHAIN = 100_000


def test_a_100000_module_chain_plans_and_renders_in_linear_size() -> None:
    """Planning, the text tree, the JSON document and the diagram of a chain as deep as any app holds."""
    urls = [f"file:///app/m{i}.mjs" for i in range(LONG_CHAIN)]
    graph = ModuleGraph(
        modules=tuple(Module(url, ModuleKind.LOCAL, Format.MODULE) for url in urls),
        edges=tuple(Edge(a, b, ImportKind.STATIC, "./m.mjs", 1, 1) for a, b in itertools.pairwise(urls)),
    )
    made = plan(graph, [urls[-1]], urls[0])
    assert made.status is PlanStatus.RERUN
    assert len(made.evict) == LONG_CHAIN
    assert made.path(urls[0]) == tuple(reversed(urls))

    text = render_text(made, root=Path("/app"))
    # Every module is named once in the reload order; the tree stops indenting and says what lies below.
    assert len(text) < 40 * LONG_CHAIN
    assert f"{LONG_CHAIN - MAX_DEPTH - 1} more modules deeper, down to m0.mjs" in text

    doc = json.loads(plan_to_json(made))
    assert doc["chains"][urls[0]] == urls[1]
    assert plan_from_dict(doc) == made

    assert "evicted" in dot_source(graph, plan=made)
