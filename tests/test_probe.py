"""The live graph from Node's loadCache, checked against what Node's public hooks observe on every major."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest

from graphkit.cli import main
from graphkit.errors import NodeError, ProbeError
from graphkit.live.probe import PROBE_DIR, attach_graph, live_graph
from graphkit.model import ImportKind, ModuleGraph, Status
from tests.conftest import FIXTURES, REPO

GRAPHS = FIXTURES / "graphs"
ENTRIES = sorted(FIXTURES.glob("**/main.mjs"))
ORACLE = REPO / "tests" / "oracle" / "minimal_dump.mjs"
# Past the end of a boot whose imports settled as the entry ran (startup.mjs ends it 250 ms later), and
# before graphs/lazy imports a module one second in, once the app has booted.
BOOTED_MS = 500


def oracle(node: Path, entry: Path, wait_ms: int = 0) -> dict[str, Any]:
    """What Node's public module hooks observe of loading and evaluating ``entry``, by the ES semantics."""
    result = subprocess.run(
        [str(node), str(ORACLE), str(entry), str(wait_ms)],
        capture_output=True, text=True, timeout=60, check=False,
    )
    line = next(x for x in reversed(result.stdout.splitlines()) if x.startswith("ORACLE "))
    doc: dict[str, Any] = json.loads(line.removeprefix("ORACLE "))
    return doc


def statuses(graph: ModuleGraph) -> dict[str, str | None]:
    return {m.url: m.status.value if m.status else None for m in graph.modules}


def url(entry: Path, name: str) -> str:
    return (entry.parent / name).resolve().as_uri()


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda p: str(p.parent.relative_to(FIXTURES)))
def test_live_graph_matches_what_public_hooks_observe(any_node: Path, entry: Path) -> None:
    graph = live_graph(entry, node=any_node, timeout=60)
    # The probe reads the graph once the app has booted; the oracle waits past that boot's end.
    expected = oracle(any_node, entry, wait_ms=BOOTED_MS)
    assert statuses(graph) == expected["modules"]
    linked = {(e.source, e.target) for e in graph.edges if e.kind is ImportKind.STATIC}
    assert linked == {tuple(pair) for pair in expected["edges"]}


def test_a_throw_during_evaluation_leaves_importers_errored_and_later_siblings_instantiated(
    any_node: Path,
) -> None:
    entry = GRAPHS / "throws" / "main.mjs"
    graph = live_graph(entry, node=any_node)
    assert statuses(graph) == {
        url(entry, "main.mjs"): "errored",
        url(entry, "fine.mjs"): "evaluated",
        url(entry, "boom.mjs"): "errored",
        url(entry, "never.mjs"): "instantiated",
    }
    assert [(p.url, p.line, p.message) for p in graph.problems] == [
        (url(entry, "boom.mjs"), 2, "boom during evaluation")
    ]


def test_a_dependency_that_does_not_parse_leaves_its_sibling_linked(any_node: Path) -> None:
    entry = GRAPHS / "syntax-error" / "main.mjs"
    graph = live_graph(entry, node=any_node)
    found = statuses(graph)
    assert found[url(entry, "fine.mjs")] == "linked"
    assert all(status == "errored" for u, status in found.items() if not u.endswith("fine.mjs"))
    assert [p.code for p in graph.problems] == ["SyntaxError"]


def test_require_of_esm_works_from_node_20_and_fails_on_18(any_node: Path) -> None:
    entry = GRAPHS / "require-esm" / "main.mjs"
    graph = live_graph(entry, node=any_node)
    assert graph.node is not None
    bridge, esm = url(entry, "bridge.cjs"), url(entry, "esm.mjs")
    if graph.node.startswith("18."):
        assert statuses(graph)[bridge] == "errored"
        assert esm not in statuses(graph)
        assert [(p.url, p.code) for p in graph.problems] == [(bridge, "ERR_REQUIRE_ESM")]
    else:
        assert statuses(graph)[esm] == "evaluated"
        assert (bridge, esm, ImportKind.REQUIRE) in {(e.source, e.target, e.kind) for e in graph.edges}
        assert graph.problems == ()


def test_commonjs_required_from_commonjs_is_an_edge_though_loadcache_never_sees_it(any_node: Path) -> None:
    entry = GRAPHS / "cjs-interop" / "main.mjs"
    graph = live_graph(entry, node=any_node)
    formats = {m.url: m.format.value if m.format else None for m in graph.modules}
    assert formats == {url(entry, "main.mjs"): "module", url(entry, "lib.cjs"): "commonjs",
                       url(entry, "helper.cjs"): "commonjs"}
    assert (url(entry, "lib.cjs"), url(entry, "helper.cjs"), ImportKind.REQUIRE) in {
        (e.source, e.target, e.kind) for e in graph.edges
    }


def test_a_server_that_keeps_the_event_loop_alive_still_gets_dumped(any_node: Path) -> None:
    entry = GRAPHS / "server" / "main.mjs"
    graph = live_graph(entry, node=any_node, timeout=60)
    assert statuses(graph) == {
        url(entry, "main.mjs"): "evaluated",
        url(entry, "handler.mjs"): "evaluated",
        "node:http": "evaluated",
    }


def test_wait_picks_up_the_module_imported_later(any_node: Path) -> None:
    entry = GRAPHS / "lazy" / "main.mjs"
    late = url(entry, "late.mjs")
    assert late not in statuses(live_graph(entry, node=any_node))
    graph = live_graph(entry, node=any_node, wait_ms=1500)
    assert statuses(graph)[late] == "evaluated"
    dynamic = [(e.source, e.target, e.specifier) for e in graph.edges if e.kind is ImportKind.DYNAMIC]
    assert dynamic == [(url(entry, "main.mjs"), late, "./late.mjs")]


def test_probe_modules_never_appear_and_app_stdout_does_not_corrupt_the_document(any_node: Path) -> None:
    graph = live_graph(FIXTURES / "demo" / "main.mjs", node=any_node)  # the demo prints to stdout
    urls = {m.url for m in graph.modules} | {e.source for e in graph.edges}
    assert not [u for u in urls if u.startswith(PROBE_DIR.resolve().as_uri())]
    assert "node:url" not in urls  # imported by the probe only
    assert all(m.status is Status.EVALUATED for m in graph.modules)


def test_attach_runs_the_users_own_command_with_the_probe_preloaded(any_node: Path) -> None:
    entry = GRAPHS / "server" / "main.mjs"
    graph = attach_graph([str(any_node), str(entry)], wait_ms=50, timeout=60)
    assert statuses(graph) == oracle(any_node, entry)["modules"]


def fake_node(tmp_path: Path, version: str) -> Path:
    script = tmp_path / "node"
    script.write_text(f"#!/bin/sh\necho {version}\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def test_a_node_older_than_18_is_refused_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(NodeError, match=r"^\S+/node: Node v16\.20\.0 is too old: graphkit needs Node 18"):
        live_graph(GRAPHS / "diamond" / "main.mjs", node=fake_node(tmp_path, "v16.20.0"))


def test_cli_errors_are_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    entry = str(GRAPHS / "diamond" / "main.mjs")
    assert main(["live", entry, "--node", str(tmp_path / "missing-node")]) == 2
    assert main(["live", entry, "--node", str(fake_node(tmp_path, "v16.20.0"))]) == 2
    # --node names the binary for ENTRY; a command after -- names its own.
    assert main(["live", "--node", "/opt/node", "--", "node", entry]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 3
    assert "node binary not found" in lines[0]
    assert "is too old" in lines[1]
    assert lines[2] == "graphkit: --node /opt/node: with `-- node ...` the command names its own node binary"


def test_a_probe_that_never_finishes_times_out_with_the_tail_of_its_stderr(any_node: Path) -> None:
    with pytest.raises(ProbeError, match=r"probe timed out after 0\.5s; stderr: .*bad-flag"):
        attach_graph([str(any_node), "--eval", "console.error('bad-flag'); setInterval(() => {}, 1e3)"],
                     wait_ms=60_000, timeout=0.5)


def test_live_json_is_a_graph_document(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["live", str(GRAPHS / "cycle" / "main.mjs"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["version"] == 1
    assert {m["status"] for m in doc["modules"]} == {"evaluated"}
    assert len([e for e in doc["edges"] if e["kind"] == "static"]) == 3


def test_node_probe_own_tests_pass(any_node: Path) -> None:
    tests = sorted(str(p) for p in (REPO / "graphkit" / "live" / "node_probe" / "test").glob("*.test.mjs"))
    # A session of its own: node --test runs each file in a child, which a timeout must end too.
    runner = subprocess.Popen(
        [str(any_node), "--expose-internals", "--test", *tests],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        out, _ = runner.communicate(timeout=120)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(runner.pid, signal.SIGKILL)
        runner.wait()
    assert runner.returncode == 0, out[-2000:]
