"""The HMR benchmarks run end to end with tiny parameters, so they cannot rot; figures go unchecked."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import NODE_MAJORS, REPO, node_binary, system_node
from tests.fastify_cli_app import missing as fastify_cli_missing


def bench(module: str, *args: str | Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", module, *map(str, args)], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"{module} failed: {done.stderr[-2000:]}"
    return done.stdout


def test_memory_bench_prints_a_figure_line_per_mode_and_node_major() -> None:
    for major in NODE_MAJORS:
        node_binary(major)
    out = bench("bench.memory", "--reloads", "10", "--pressure", "32")
    for major in NODE_MAJORS:
        assert f"node v{major}." in out
    assert out.count("growth after 10 x gc(): graphkit") == len(NODE_MAJORS)
    # Each major prints graphkit and query, each with and without a heap limit.
    assert sum(line.lstrip().startswith(("graphkit ", "query ")) for line in out.splitlines()) == 4 * len(
        NODE_MAJORS
    )
    assert "v18: plain gc() freed" in out


def test_hmr_bench_prints_every_figure_and_the_breakdown(tmp_path: Path) -> None:
    out = bench(
        "bench.hmr", "--node", system_node(), "--modules", "30", "--saves", "2", "--starts", "1",
        "--app", tmp_path / "app",
    )
    for label in (
        "(a) leaf save -> served",
        "(b) util save -> served",
        "(c) restart -> served",
        "(d) leaf save -> served, node --watch",
        "leaf save -> served / restart",
        "leaf save -> served median",
        "watcher",
        "changes in the app",
        "first new response",
        "before: snapshot + plan",
        "summary (medians, ms)",
    ):
        assert label in out, f"{label!r} missing from:\n{out}"
    assert re.search(r"^  leaf save, \d+ modules evicted:$", out, re.MULTILINE), out
    assert re.search(r"^  util save, \d+ modules evicted:$", out, re.MULTILINE), out
    assert re.search(r"^\(e\) graphkit watch process, peak resident \d+ MiB", out, re.MULTILINE), out
    # The heap figure is a number: a /heap route that failed (no gc() exposed) would stop the bench instead.
    assert re.search(
        r"^\(f\) the app's heap after full collections: \d+ MiB .* [+-]\d+\.\d MiB"
        r" .* resident \d+ against \d+ MiB",
        out,
        re.MULTILINE,
    ), out
    assert re.search(
        r"^\(g\) start -> first response, median of 1: node main.mjs \d+\.\d ms,"
        r" graphkit watch main.mjs \d+\.\d ms: [+-]\d+ ms \(target <= \+100 ms: (met|MISSED)\)$",
        out,
        re.MULTILINE,
    ), out


def test_hmr_bench_measures_start_up_alone_for_each_node(tmp_path: Path) -> None:
    nodes = [node_binary(major) for major in (20, 24)]
    out = bench("bench.hmr", "--starts-only", "--starts", "1", "--node", *nodes, "--app", tmp_path / "app")
    assert out.count("(g) start -> first response") == 2, out
    assert "(a) leaf save" not in out, out
    rows = re.findall(r"^  v(\d+)\.\S+ \| tree \| 503 \| \d+ \| \d+ \| [+-]\d+$", out, re.MULTILINE)
    assert rows == ["20", "24"], out


def test_rerun_bench_prints_every_figure() -> None:
    out = bench(
        "bench.rerun", "--majors", "22", "--routes", "4", "--saves", "2", "--restarts", "1",
        "--hammer", "2", "--reruns", "2",
    )
    for label in (
        "(a) route save -> served, graphkit watch",
        "(b) restart -> served",
        "(c) route save -> served, node --watch",
        "save -> served / restart",
        "failed of",
        "(e) heap after gc()",
    ):
        assert label in out, f"{label!r} missing from:\n{out}"


def test_peers_bench_prints_a_row_per_tool_and_a_verdict_per_target() -> None:
    out = bench(
        "bench.peers", "--modules", "30", "--leaf-saves", "2", "--util-saves", "1", "--reloads", "2",
        "--memory-modules", "30",
    )
    rows = [line for line in out.splitlines() if line.startswith("| 30 |")]
    tools = [row.split(" | ")[1] for row in rows]
    assert tools == ["graphkit watch", "dynohot 1.2.1", "hot-hook 1.0.0", "node --watch"], out
    # Each tool served every save: no cell says it did not.
    assert not any("did not" in row or "not measured" in row for row in rows), out
    assert out.count("target, 30 modules, ") == 3, out


def test_preview_bench_prints_cold_warm_and_edited_figures() -> None:
    out = bench("bench.preview", "--modules", "30", "--runs", "1")
    (line,) = [line for line in out.splitlines() if "modules:" in line]
    for label in ("cold", "warm", "warm after an edit"):
        assert f"{label} " in line, out


def test_watcher_bench_prints_both_backends_for_both_saves() -> None:
    out = bench("bench.watcher", "--saves", "5")
    for label in ("plain write", "rename-over save"):
        (line,) = [line for line in out.splitlines() if line.lstrip().startswith(f"{label}:")]
        figures = r"inotify [\d.]+ ms .* watchfiles [\d.]+ ms .* inotify / watchfiles [\d.]+$"
        assert re.search(figures, line), out


def test_fastify_cli_bench_prints_a_row_per_tool_and_case_and_leaves_no_process() -> None:
    node_binary(24)
    if why := fastify_cli_missing():
        pytest.fail(why)
    out = bench("bench.fastify_cli", "--majors", "24", "--saves", "1", "--gap", "0.1", "--timeout", "1")
    rows = [line.split(" | ") for line in out.splitlines() if line.startswith("| v24.")]
    cases = ["route save", "plugin save", "new route", "deleted route"]
    tools = ["graphkit watch server.js", "graphkit watch server-await.js", "fastify start -w"]
    expected = [("Express, graphkit watch main.mjs", "route save")]
    expected += [(tool, case) for tool in [*tools, "node --watch server-await.js"] for case in cases]
    ts_tools = [
        "tsc -w + graphkit watch fastify-cli start dist/app.js",
        "tsc -w + fastify start -w (dev:start)",
    ]
    expected += [(tool, "route save (.ts)") for tool in ts_tools]
    assert [(row[1], row[2]) for row in rows] == expected, out
    # The reference is served; each row has its same-pid and failed-request counts.
    assert re.fullmatch(r"\d+ / \d+", rows[0][3]), out
    for row in rows:
        assert re.fullmatch(r"[01] of 1", row[5]) and re.fullmatch(r"\d+ / \d+", row[6]), row
    # A TypeScript save served has tsc's share of it; other rows have no build step.
    for row in rows:
        built = row[2] == "route save (.ts)" and re.fullmatch(r"\d+ / \d+", row[3])
        assert re.fullmatch(r"\d+ / \d+ \|" if built else r" \|", row[7]), row
    # fastify-cli's fixed delays were found in its installed sources.
    (delays,) = [line for line in out.splitlines() if line.startswith("fastify start -w -l info")]
    for figure in (r"chokidar \d+\.\d+\.\d+", r"unlink \d+ ms", r"per \d+ ms", r"after \d+ ms"):
        assert re.search(figure, delays), delays
    assert re.search(r"^node v24\.\S+: graphkit watch server\.js, route save ", out, re.MULTILINE), out
    # Every process a tool started (node --watch's and fastify-cli's children too) ended with the benchmark.
    left = [pid.name for pid in Path("/proc").glob("[0-9]*") if "graphkit-fastify-cli-" in _process_text(pid)]
    assert not left, left


def _process_text(pid: Path) -> str:
    try:
        return (pid / "cmdline").read_text() + os.readlink(pid / "cwd")
    except OSError:
        return ""


def test_shutdown_bench_prints_a_row_per_case() -> None:
    out = bench("bench.shutdown", "--majors", "24", "--presses", "1", "--batch", "1", "--handler", "0.2")
    for case in ("ctrl-c", "kill", "restart"):
        row = rf"^\| 24 \| {case} \| 1/1 \| 1/1 \| [\d.]+ \| [\d.]+ \| [\d.]+ \|$"
        assert re.search(row, out, re.MULTILINE), out


def test_cluster_bench_prints_both_tools_for_the_cluster_and_the_websocket() -> None:
    out = bench("bench.cluster", "--majors", "24", "--reruns", "2", "--ws-reruns", "1")
    for tool in ("graphkit watch", "node --watch"):
        figure = rf"\(a/b\) cluster, 2 workers, 2 saves in [\d.]+ s, {tool}: \d+ of \d+ requests failed"
        assert re.search(figure, out), out
        assert f"(c) websocket, 1 saves, {tool}: closes " in out, out


def test_idle_bench_prints_a_figure_line_per_tree_size() -> None:
    out = bench(
        "bench.idle", "--files", "200", "--seconds", "0.5", "--warm-up", "0.3", "--node", node_binary(24)
    )
    assert re.search(r"^ +200 +[\d.]+% +[\d.]+% +[\d.]+% ", out, re.MULTILINE), out
