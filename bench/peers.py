"""Hot reload side by side: graphkit watch, dynohot, hot-hook and `node --watch` on the same generated app.

Run: `scripts/install-bench-peers.sh` once (it installs dynohot 1.2.1 and hot-hook 1.0.0 into
`.cache/bench-peers`), then `.venv/bin/python -m bench.peers` (`make bench` does both). Options:
`--modules 500 5000` (app sizes, all measured in one run), `--node` (default Node 22 from `.cache/node`),
`--leaf-saves 5`, `--util-saves 3`, `--gap 1`, `--reloads 200` and `--memory-modules 500` (the app size
of the memory run; 0 skips it). The app is `bench.gen_app`'s, written into `.cache/bench-peers/app` so
that the peers resolve from it as their READMEs have them installed; each tool gets a fresh copy with what
its README asks for:

- graphkit: `graphkit watch main.mjs`, the app unchanged;
- dynohot: `node --import dynohot main.mjs`, main.mjs accepting its route (`import.meta.hot?.accept`);
- hot-hook: `node --import=hot-hook/register main.mjs`, the route a boundary in package.json's `hotHook`;
- `node --watch main.mjs`, the app unchanged: a restart on every save, for latency only.

Every node runs with `--expose-gc`. For each app size and tool: a leaf saved ``--leaf-saves`` times,
then the utility every module imports ``--util-saves`` times, ``--gap`` seconds apart (1 s: each tool is
idle when the file is written), each save timed from writing the file to the first HTTP response carrying
the new text; one leaf save before them is not counted. Then, on a ``--memory-modules`` app whose route also
imports `blob.mjs` (a module holding 1 MiB), the blob saved ``--reloads`` times 0.1 s apart, each save
waited for until served, and the heap the app reports on `GET /heap` (used after ten `gc()`) before and
after. The polling requests count: dynohot keeps a record per `import()` call, so the table gives their
number. Prints a markdown table with each tool's medians against graphkit's and whether graphkit is first
of the three hot-reload tools on leaf and shared latency and on heap growth; asserts nothing, since the
machine is shared and noisy. A tool that never serves a save is shown as "did not reload".
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

from bench.common import CACHE, PEERS
from bench.gen_app import App, blob_source, generate
from bench.hmr import (
    PORT,
    STARTUP_SECONDS,
    Client,
    Saves,
    TimedOut,
    met,
    node_watch,
    served_seconds,
    started,
)

APP = PEERS.parent / "app"  # beside the peers' node_modules, so `--import dynohot` resolves from it
DEFAULT_NODE = CACHE / "node" / "22" / "bin" / "node"
WARM_SECONDS = 1.0  # after the uncounted first save, so its after-work never lands in a measured one
RELOAD_SECONDS = 0.1  # between the memory run's reloads: two saves never share one watcher batch
# Between measured saves: each tool is idle when the file is written. graphkit reads what a reload changed
# after serving it (0.3 s after a shared save at 5,000 modules); 0.1 s apart, that lands in the next save.
GAP_SECONDS = 1.0
MiB = 1 << 20
KINDS = ("leaf", "util")
GRAPHKIT = "graphkit watch"
NODE_WATCH = "node --watch"


class AppOptions(TypedDict, total=False):
    """What a tool's README asks of the app: keyword arguments of `bench.gen_app.generate`."""

    accept_route: bool
    package_fields: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class Tool:
    """A hot-reload tool: how it starts the app, and what it asks of the app."""

    name: str
    command: Callable[[str, App], list[str]]
    app_options: AppOptions = field(default_factory=lambda: AppOptions())


def _graphkit(node: str, app: App) -> list[str]:
    graphkit = Path(sys.executable).with_name("graphkit")
    return [str(graphkit), "watch", str(app.entry), "--node", node, "--node-option=--expose-gc"]


def _dynohot(node: str, app: App) -> list[str]:
    return [node, "--expose-gc", "--import", "dynohot", app.entry.name]


def _hot_hook(node: str, app: App) -> list[str]:
    return [node, "--expose-gc", "--import=hot-hook/register", app.entry.name]


def _version(package: str) -> str:
    manifest = PEERS / package / "package.json"
    if not manifest.exists():
        raise SystemExit(f"{manifest}: missing, run scripts/install-bench-peers.sh (make bench does)")
    return str(json.loads(manifest.read_text())["version"])


def tools() -> tuple[Tool, ...]:
    return (
        Tool(GRAPHKIT, _graphkit),
        Tool(f"dynohot {_version('dynohot')}", _dynohot, {"accept_route": True}),
        Tool(
            f"hot-hook {_version('hot-hook')}",
            _hot_hook,
            {"package_fields": {"hotHook": {"boundaries": ["./route.mjs"]}}},
        ),
    )


@dataclass(frozen=True, slots=True)
class Latency:
    """Save-to-served samples in seconds, or why there are none."""

    samples: tuple[float, ...] = ()
    failure: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else float("nan")

    @property
    def p90(self) -> float:
        if len(self.samples) < 2:
            return self.median
        return statistics.quantiles(self.samples, n=10, method="inclusive")[-1]


@dataclass(frozen=True, slots=True)
class Heap:
    """The app's heap used after gc() before and after the reloads, in MiB, or why there is none."""

    before: float = float("nan")
    after: float = float("nan")
    requests: int = 0  # sent during the reloads, polling included
    failure: str = ""

    @property
    def growth(self) -> float:
        return self.after - self.before


@dataclass(slots=True)
class Row:
    """One tool on one app size; latency or heap is None where it was not measured."""

    latency: dict[str, Latency] | None = None
    heap: Heap | None = None


def _failure(error: TimedOut, started_up: bool) -> str:
    print(f"    {error.code}", flush=True)
    return "did not reload" if started_up else "did not start"


def _first_load(port: int, app: App) -> Client:
    """Waits for the whole app to load (dynohot transforms every module first), then a client for saves."""
    loading = Client(port, STARTUP_SECONDS + app.modules / 50)
    loading.until("util-v")
    loading.close()
    return Client(port, served_seconds(app))


def latency(tool: Tool, app: App, node: str, rounds: Mapping[str, int], gap: float) -> dict[str, Latency]:
    saves = Saves(app)
    save = {"leaf": saves.leaf, "util": saves.util}
    result: dict[str, Latency] = {}
    started_up = False
    try:
        with started(tool.command(node, app), cwd=app.folder) as (_, out, _err):
            port = int(out.wait_for(PORT, f"port from {tool.name}", STARTUP_SECONDS).group(1))
            started_up = True
            client = _first_load(port, app)
            client.until(saves.leaf()[1])
            time.sleep(WARM_SECONDS)
            for kind in KINDS:
                samples = []
                try:
                    for _ in range(rounds[kind]):
                        time.sleep(gap)
                        start = time.perf_counter()
                        _, token = save[kind]()
                        samples.append(client.until(token) - start)
                    result[kind] = Latency(tuple(samples))
                except TimedOut as error:
                    result[kind] = Latency(failure=_failure(error, started_up))
            client.close()
    except TimedOut as error:
        failure = _failure(error, started_up)
        return {kind: result.get(kind, Latency(failure=failure)) for kind in KINDS}
    return result


def restarts(app: App, node: str, rounds: Mapping[str, int]) -> dict[str, Latency]:
    """`node --watch`: every save restarts the process; each kind in a process of its own."""
    saves = Saves(app)
    save = {"leaf": saves.leaf, "util": saves.util}
    result = {}
    for kind in KINDS:
        try:
            result[kind] = Latency(tuple(node_watch(app, node, save[kind], rounds[kind])))
        except TimedOut as error:
            result[kind] = Latency(failure=_failure(error, True))
    return result


def _heap_used(port: int) -> float:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", "/heap")
        return int(connection.getresponse().read()) / MiB
    finally:
        connection.close()


class _CountingClient(Client):
    """bench.hmr's client, counting its requests."""

    def __init__(self, port: int, seconds: float) -> None:
        super().__init__(port, seconds)
        self.requests = 0

    def get(self, path: str | None = None) -> str:
        self.requests += 1
        return super().get(path)


def heap_growth(tool: Tool, app: App, node: str, reloads: int) -> Heap:
    """The blob saved ``reloads`` times, each save waited for until served; the heap before and after."""
    assert app.blob is not None and reloads > 0
    blob = app.blob
    started_up = False
    before = float("nan")
    try:
        with started(tool.command(node, app), cwd=app.folder) as (_, out, _err):
            port = int(out.wait_for(PORT, f"port from {tool.name}", STARTUP_SECONDS).group(1))
            started_up = True
            _first_load(port, app).close()
            client = _CountingClient(port, served_seconds(app))
            # Reload 0 is not counted. A token is no prefix of any earlier one, as in bench.hmr's Saves.
            for i in range(reloads + 1):
                time.sleep(WARM_SECONDS if i == 1 else RELOAD_SECONDS)
                if i == 1:
                    before = _heap_used(port)
                    client.requests = 0
                blob.write_text(blob_source(f"blob-r{i}"))
                client.until(f"blob-r{i}")
            client.close()
            return Heap(before, _heap_used(port), client.requests)
    except TimedOut as error:
        return Heap(failure=_failure(error, started_up))


def _ms(value: float) -> str:
    return f"{value * 1000:.0f}" if value >= 0.1 else f"{value * 1000:.1f}"


def _latency_cells(mine: Latency | None, graphkit: Latency | None) -> list[str]:
    if mine is None:
        return ["not measured", ""]
    if mine.failure:
        return [mine.failure, ""]
    ratio = mine.median / graphkit.median if graphkit and not graphkit.failure else float("nan")
    return [f"{_ms(mine.median)} / {_ms(mine.p90)}", f"{ratio:.2f}x"]


def _heap_cell(heap: Heap | None) -> str:
    if heap is None:
        return "not measured"
    if heap.failure:
        return heap.failure
    return f"{heap.growth:+.1f} MiB ({heap.before:.1f} -> {heap.after:.1f}, {heap.requests} requests)"


def table(results: Mapping[int, Mapping[str, Row]], reloads: int, node: str) -> None:
    print(
        f"\n| modules | tool, node {node} | leaf save -> served, median / p90 ms | leaf vs graphkit"
        f" | shared save -> served, median / p90 ms | shared vs graphkit"
        f" | heap growth, {reloads} reloads of 1 MiB (heap used after gc, MiB) |"
    )
    print("|---|---|---|---|---|---|---|")
    for modules, rows in results.items():
        graphkit = rows[GRAPHKIT].latency
        for tool, row in rows.items():
            cells = [str(modules), tool]
            for kind in KINDS:
                mine = None if row.latency is None else row.latency[kind]
                cells += _latency_cells(mine, None if graphkit is None else graphkit[kind])
            cells.append("n/a (restarts)" if tool == NODE_WATCH else _heap_cell(row.heap))
            print("| " + " | ".join(cells) + " |")
    print("vs graphkit: the tool's median / graphkit's median (above 1, graphkit is faster)")


def verdicts(results: Mapping[int, Mapping[str, Row]]) -> None:
    """Target: graphkit first of the three hot-reload tools on leaf and shared latency and on heap growth."""
    for modules, rows in results.items():
        hot = {tool: row for tool, row in rows.items() if tool != NODE_WATCH}
        for kind, label in (("leaf", "leaf"), ("util", "shared")):
            if hot[GRAPHKIT].latency is not None:
                figures = {
                    tool: row.latency[kind].median * 1000
                    for tool, row in hot.items()
                    if row.latency is not None and not row.latency[kind].failure
                }
                _verdict(f"{modules} modules, {label} save -> served median", figures, "ms")
        if hot[GRAPHKIT].heap is not None:
            growth = {
                tool: row.heap.growth
                for tool, row in hot.items()
                if row.heap is not None and not row.heap.failure
            }
            _verdict(f"{modules} modules, heap growth", growth, "MiB")


def _verdict(what: str, figures: Mapping[str, float], unit: str) -> None:
    """A tool that never served a save has no figure: graphkit is ahead of it."""
    sign = "+" if unit == "MiB" else ""
    shown = ", ".join(f"{tool} {value:{sign}.1f} {unit}" for tool, value in figures.items())
    first = min(figures, key=lambda tool: figures[tool]) if figures else None
    print(f"target, {what}: graphkit first: {met(first == GRAPHKIT)} ({shown})")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--node", default=str(DEFAULT_NODE), help=f"node binary (default {DEFAULT_NODE})")
    parser.add_argument("--modules", nargs="+", type=int, default=[500, 5000], help="app sizes (500 5000)")
    parser.add_argument("--leaf-saves", type=int, default=5, help="leaf saves (default 5)")
    parser.add_argument("--util-saves", type=int, default=3, help="shared-utility saves (default 3)")
    parser.add_argument(
        "--gap", type=float, default=GAP_SECONDS, help=f"seconds between measured saves ({GAP_SECONDS:g})"
    )
    parser.add_argument("--reloads", type=int, default=200, help="reloads of the 1 MiB module (default 200)")
    parser.add_argument(
        "--memory-modules", type=int, default=500, help="app size of the memory run (default 500; 0 skips it)"
    )
    args = parser.parse_args()
    node = str(Path(args.node).absolute())
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    rounds = {"leaf": args.leaf_saves, "util": args.util_saves}
    hot_tools = tools()
    results: dict[int, dict[str, Row]] = {}
    for modules in args.modules:
        rows = results.setdefault(modules, {})
        for tool in hot_tools:
            app = generate(modules, APP, **tool.app_options)
            print(f"{tool.name}: {app.modules} modules in {app.folder}, node {version}", flush=True)
            rows[tool.name] = Row(latency(tool, app, node, rounds, args.gap))
        app = generate(modules, APP)
        print(f"{NODE_WATCH}: {app.modules} modules, node {version}", flush=True)
        rows[NODE_WATCH] = Row(restarts(app, node, rounds))
    if args.memory_modules > 0 and args.reloads > 0:
        rows = results.setdefault(args.memory_modules, {})
        for tool in hot_tools:
            app = generate(args.memory_modules, APP, heap=True, blob=True, **tool.app_options)
            print(f"{tool.name}: {args.reloads} reloads of blob.mjs, {app.modules} modules", flush=True)
            rows.setdefault(tool.name, Row()).heap = heap_growth(tool, app, node, args.reloads)
    table(results, args.reloads, version)
    verdicts(results)


if __name__ == "__main__":
    main()
