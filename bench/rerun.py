"""Re-running an Express 5 app in place under `graphkit watch`, against a restart and `node --watch`.

Run: `.venv/bin/python -m bench.rerun` (`make bench` runs every benchmark); `--majors`, `--routes`,
`--saves`, `--hammer` and `--reruns` change the parameters. On a generated Express app whose entry
imports ``--routes`` route modules statically (plus Express's own packages, from `scripts/install-apps.sh`),
for each Node major in one run:

(a) a route saved under `.venv/bin/graphkit watch`: from writing the file to the first response with the
    new text (the app re-runs in its process and takes over its listening socket);
(b) a full restart: from starting `node main.mjs` to its first response;
(c) the peer: a route saved under `node --watch main.mjs`, save to the first new response;
(d) a client sending requests back to back (a new connection each) through ``--hammer`` re-runs under
    `graphkit watch`: requests refused, reset or answered with a 5xx;
(e) the app's heap used after `gc()` before and after ``--reruns`` re-runs applied through the host;
(f) what the check that a re-run let go of its old modules costs the app: a client sending requests back
    to back on one connection, the slowest response in the 3 s after a save's status line (the check's
    full collections fall in it) against the slowest in the 3 s before the save, ``--checks`` saves.
Prints medians and ratios; asserts nothing, since the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import http.client
import io
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.common import CACHE
from bench.hmr import Client, Lines, started
from graphkit.live.host import Host
from graphkit.model.urls import path_to_url
from graphkit.planning.planner import plan

FRAMEWORKS = CACHE / "apps-frameworks" / "node_modules"
MAJORS = (20, 22, 24)
SETTLE_SECONDS = 0.1  # between saves, so two saves never share one watcher batch
CLOSE_SECONDS = 1.5  # longer than the grace a handed-over server gets to finish its connections
PAUSE_WINDOW_SECONDS = 3.0  # the check runs once the old server closed (about 1 s), then 1 s later again
_PORT = re.compile(r"^port (\d+)$")
_RERAN = re.compile(r"re-ran the app in (\d+) ms")
TARGET_SERVED_MS = 50.0
TARGET_RATIO = 1 / 5
TARGET_HEAP_MIB = 5.0

ENTRY = """\
import express from 'express';
{imports}

const app = express();
{registers}
app.get('/heap', (request, response) => {{
  for (let round = 0; round < 3; round += 1) globalThis.gc?.();
  response.type('text').send(String(process.memoryUsage().heapUsed));
}});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {{
  console.log(`port ${{server.address().port}}`);
}});
"""


def route_source(index: int, token: str) -> str:
    return (
        f"export function register(app) {{\n"
        f"  app.get('/r{index}', (request, response) => response.type('text').send('r{index} {token}'));\n"
        f"}}\n"
    )


def generate(root: Path, routes: int) -> Path:
    (root / "routes").mkdir(parents=True, exist_ok=True)
    (root / "package.json").write_text('{"private": true, "type": "module"}\n')
    link = root / "node_modules"
    if not link.exists():
        link.symlink_to(FRAMEWORKS)
    for i in range(routes):
        (root / "routes" / f"r{i}.mjs").write_text(route_source(i, "v0"))
    imports = "\n".join(f"import {{ register as r{i} }} from './routes/r{i}.mjs';" for i in range(routes))
    registers = "\n".join(f"r{i}(app);" for i in range(routes))
    (root / "main.mjs").write_text(ENTRY.format(imports=imports, registers=registers))
    return root / "main.mjs"


class Saves:
    """New versions of the routes, each with a token no earlier response carried."""

    def __init__(self, root: Path, routes: int) -> None:
        self.root = root
        self.routes = routes
        self.count = 0

    def route(self) -> tuple[Path, str, str]:
        self.count += 1
        index = self.count * 7 % self.routes
        token = f"v{self.count}."
        path = self.root / "routes" / f"r{index}.mjs"
        # Written aside and renamed, as many editors save: the app never reads half a file.
        copy = path.with_name(f".{path.name}.new")
        copy.write_text(route_source(index, token))
        copy.replace(path)
        return path, f"/r{index}", token


def graphkit_command(entry: Path, node: Path, *options: str) -> list[str]:
    graphkit = Path(sys.executable).with_name("graphkit")
    return [str(graphkit), "watch", str(entry), "--node", str(node), *options]


def under_watch(entry: Path, node: Path, saves: Saves, rounds: int) -> tuple[list[float], list[float]]:
    """Save-to-served and the re-run time graphkit reports, per save."""
    served: list[float] = []
    reran: list[float] = []
    with started(graphkit_command(entry, node)) as (_, out, err):
        port = int(out.wait_for(_PORT, "port from graphkit watch").group(1))
        Client(port, path="/r0").until("r0 v")
        for _ in range(rounds):
            time.sleep(SETTLE_SECONDS)
            err.drain()
            start = time.perf_counter()
            _, path, token = saves.route()
            client = Client(port, path=path)
            served.append(client.until(token) - start)
            client.close()
            reran.append(float(err.wait_for(_RERAN, "status line from graphkit watch").group(1)) / 1000)
    return served, reran


def restarts(entry: Path, node: Path, rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        with started([str(node), str(entry)]) as (_, out, _err):
            client = Client(int(out.wait_for(_PORT, "port from node main.mjs").group(1)), path="/r0")
            client.until("r0 v")
            samples.append(time.perf_counter() - start)
            client.close()
    return samples


def node_watch(entry: Path, node: Path, saves: Saves, rounds: int) -> list[float]:
    samples = []
    with started([str(node), "--watch", str(entry)]) as (_, out, _err):
        Client(int(out.wait_for(_PORT, "port from node --watch").group(1)), path="/r0").until("r0 v")
        for _ in range(rounds):
            time.sleep(SETTLE_SECONDS)
            out.drain()
            start = time.perf_counter()
            _, path, token = saves.route()
            client = Client(int(out.wait_for(_PORT, "port after a save").group(1)), path=path)
            samples.append(client.until(token) - start)
            client.close()
    return samples


def hammered(entry: Path, node: Path, saves: Saves, rounds: int) -> tuple[int, int]:
    """Requests sent and requests failed while ``rounds`` saves re-run the app."""
    failures: list[str] = []
    sent = 0
    stop = threading.Event()

    def hammer(port: int) -> None:
        nonlocal sent
        while not stop.is_set():
            sent += 1
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            try:
                connection.request("GET", "/r0")
                if connection.getresponse().status >= 500:
                    failures.append("5xx")
            except (OSError, http.client.HTTPException) as error:
                failures.append(repr(error))
            finally:
                connection.close()

    with started(graphkit_command(entry, node)) as (_, out, err):
        port = int(out.wait_for(_PORT, "port from graphkit watch").group(1))
        Client(port, path="/r0").until("r0 v")
        client = threading.Thread(target=hammer, args=(port,))
        client.start()
        try:
            for _ in range(rounds):
                time.sleep(SETTLE_SECONDS)
                err.drain()
                saves.route()
                err.wait_for(_RERAN, "status line from graphkit watch")
        finally:
            stop.set()
            client.join()
    return sent, len(failures)


def heap_growth(entry: Path, node: Path, saves: Saves, rounds: int) -> tuple[float, float]:
    """Heap used (MiB) after gc() before and after ``rounds`` re-runs applied straight through the host."""
    with Host(entry, node=node, node_options=["--expose-gc"], stdout=subprocess.PIPE) as host:
        assert host.process.stdout is not None
        out = Lines(io.TextIOWrapper(host.process.stdout, encoding="utf-8"))
        heap = Client(int(out.wait_for(_PORT, "port from the host").group(1)), path="/heap")

        def used() -> float:
            time.sleep(CLOSE_SECONDS)  # handed-over servers finish closing
            heap.close()
            return int(heap.get() or heap.get()) / 2**20

        def rerun() -> None:
            path, _, _ = saves.route()
            eviction = plan(host.snapshot(), [path_to_url(path.resolve())], host.entry_url)
            result = host.apply(eviction)
            if not result.ok:
                raise SystemExit(f"bench.rerun: {path}: re-run failed: {result.error}")

        for _ in range(10):  # warm-up: the first re-runs fill caches that stay
            rerun()
        before = used()
        for _ in range(rounds):
            rerun()
        after = used()
        heap.close()
    return before, after


def check_pause(entry: Path, node: Path, saves: Saves, rounds: int) -> tuple[list[float], list[float]]:
    """Per save, the slowest response in the window before it and in the window after its status line."""
    before: list[float] = []
    after: list[float] = []
    with started(graphkit_command(entry, node)) as (_, out, err):
        client = Client(int(out.wait_for(_PORT, "port from graphkit watch").group(1)), path="/r0")
        client.until("r0 v")

        def slowest(seconds: float) -> float:
            worst = 0.0
            end = time.perf_counter() + seconds
            while (start := time.perf_counter()) < end:
                if client.get():  # a connection its old server closed answers nothing: not counted
                    worst = max(worst, time.perf_counter() - start)
            return worst

        for _ in range(rounds):
            err.drain()
            before.append(slowest(PAUSE_WINDOW_SECONDS))
            saves.route()
            err.wait_for(_RERAN, "status line from graphkit watch")
            after.append(slowest(PAUSE_WINDOW_SECONDS))
        client.close()
    return before, after


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def p90_ms(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--majors", type=int, nargs="+", default=list(MAJORS))
    parser.add_argument("--routes", type=int, default=50)
    parser.add_argument("--saves", type=int, default=15)
    parser.add_argument("--restarts", type=int, default=5)
    parser.add_argument("--hammer", type=int, default=100)
    parser.add_argument("--reruns", type=int, default=200)
    parser.add_argument("--checks", type=int, default=5)
    args = parser.parse_args()
    if not FRAMEWORKS.is_dir():
        raise SystemExit(f"{FRAMEWORKS}: missing, run scripts/install-apps.sh (make bench does)")
    with tempfile.TemporaryDirectory(prefix="graphkit-rerun-") as folder:
        entry = generate(Path(folder), args.routes)
        saves = Saves(Path(folder), args.routes)
        print(f"Express 5 app, {args.routes} route modules imported statically by the entry")
        for major in args.majors:
            node = CACHE / "node" / str(major) / "bin" / "node"
            if not node.exists():
                raise SystemExit(f"{node}: missing, run scripts/install-nodes.sh (make bench does)")
            version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
            served, reran = under_watch(entry, node, saves, args.saves)
            restart = restarts(entry, node, args.restarts)
            peer = node_watch(entry, node, saves, args.saves)
            sent, failed = hammered(entry, node, saves, args.hammer)
            before, after = heap_growth(entry, node, saves, args.reruns)
            quiet, checked = check_pause(entry, node, saves, args.checks)
            print(f"node {version}")
            print(
                f"  (a) route save -> served, graphkit watch: median {median_ms(served):.0f} ms,"
                f" p90 {p90_ms(served):.0f} ms (re-run in the app: median {median_ms(reran):.0f} ms)"
            )
            print(f"  (b) restart -> served, node main.mjs: median {median_ms(restart):.0f} ms")
            print(f"  (c) route save -> served, node --watch: median {median_ms(peer):.0f} ms")
            print(
                f"  save -> served / restart: {statistics.median(served) / statistics.median(restart):.2f}"
                f" (target <= {TARGET_RATIO:.2f}); / node --watch:"
                f" {statistics.median(served) / statistics.median(peer):.2f};"
                f" median target < {TARGET_SERVED_MS:.0f} ms"
            )
            print(f"  (d) {failed} failed of {sent} requests through {args.hammer} re-runs (target 0)")
            print(
                f"  (e) heap after gc(): {before:.1f} MiB -> {after:.1f} MiB after {args.reruns} re-runs,"
                f" growth {after - before:+.1f} MiB (target < {TARGET_HEAP_MIB:.0f} MiB)"
            )
            ratio = statistics.median(checked) / statistics.median(quiet)
            print(
                f"  (f) slowest response, 3 s after a save: median {median_ms(checked):.0f} ms, 3 s before:"
                f" {median_ms(quiet):.0f} ms, ratio {ratio:.1f} ({args.checks} saves)"
            )


if __name__ == "__main__":
    main()
