"""Save-to-served under `graphkit watch` against a full restart, on a generated app of ~500 modules.

Run: `.venv/bin/python -m bench.hmr` (`make bench` runs every benchmark); `--node`, `--modules`,
`--saves` and `--app` change the parameters. In one run, on the app `bench.gen_app` writes:

(a) a leaf saved under `.venv/bin/graphkit watch` (a subprocess): from writing the file to the first HTTP
    response that carries the new text, polling the app on loopback;
(b) the same for the utility every module imports;
(c) a full restart, what `node --watch` does: from starting `node main.mjs` to its first response;
(d) the peer itself: a leaf saved under `node --watch main.mjs`, save to first new response;
then the same saves again with the watch loop's steps timed one by one in this process (watcher
debounce, live snapshot, hot.accept detection, planning, apply in the app, first new response).
Prints medians and ratios; asserts nothing, since the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import http.client
import io
import itertools
import queue
import re
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from bench.gen_app import DEFAULT_OUT, App, generate, leaf_source, util_source
from graphkit.extract.accepts import accepting_modules
from graphkit.hmr.loop import package_root
from graphkit.hmr.watcher import Watcher
from graphkit.live.host import Host
from graphkit.model import Command
from graphkit.model.codec import graph_from_dict
from graphkit.model.urls import path_to_url
from graphkit.planning.planner import plan

STARTUP_SECONDS = 30.0
SERVED_SECONDS = 10.0
SETTLE_SECONDS = 0.1  # between saves, so two saves never share one watcher batch
POLL_SECONDS = 0.0005
TARGET_RATIO = 1 / 20
TARGET_SERVED_MS = 50.0
# The steps of graphkit.hmr.loop's loop for one save, in order (host.snapshot() is the two snapshot steps).
STEPS = (
    "write",
    "watcher (debounce)",
    "snapshot in the app",
    "snapshot to ModuleGraph",
    "host.accepting()",
    "accepting_modules()",
    "plan",
    "apply",
    "first new response",
)
_APPLIED = re.compile(r"(\d+) modules? evicted, (\d+) re-imported in ([\d.]+) ms")


class Lines:
    """The lines of a child's stream, read by a thread, each with the time it arrived."""

    def __init__(self, stream: IO[str]) -> None:
        self.queue: queue.Queue[tuple[float, str]] = queue.Queue()
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            self.queue.put((time.perf_counter(), line.rstrip("\n")))

    def wait_for(self, pattern: re.Pattern[str], what: str) -> re.Match[str]:
        deadline = time.perf_counter() + STARTUP_SECONDS
        while True:
            try:
                _, line = self.queue.get(timeout=max(deadline - time.perf_counter(), 0.001))
            except queue.Empty:
                raise SystemExit(f"bench.hmr: no {what} within {STARTUP_SECONDS:g} s") from None
            found = pattern.search(line)
            if found:
                return found

    def drain(self) -> list[str]:
        lines = []
        while not self.queue.empty():
            lines.append(self.queue.get_nowait()[1])
        return lines


_PORT = re.compile(r"^port (\d+)$")


class Client:
    """One keep-alive connection to the app; reconnects when the app closed it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=SERVED_SECONDS)

    def get(self) -> str:
        try:
            self.connection.request("GET", "/")
            return self.connection.getresponse().read().decode()
        except (ConnectionError, http.client.HTTPException):
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=SERVED_SECONDS)
            return ""

    def until(self, token: str) -> float:
        """Poll until a response carries ``token``; the time it arrived."""
        deadline = time.perf_counter() + SERVED_SECONDS
        while time.perf_counter() < deadline:
            if token in self.get():
                return time.perf_counter()
            time.sleep(POLL_SECONDS)
        raise SystemExit(f"bench.hmr: the app never served {token!r} within {SERVED_SECONDS:g} s")

    def close(self) -> None:
        self.connection.close()


@contextmanager
def started(command: list[str]) -> Iterator[tuple[subprocess.Popen[str], Lines, Lines]]:
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
    assert process.stdout is not None and process.stderr is not None
    try:
        yield process, Lines(process.stdout), Lines(process.stderr)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Saves:
    """Writes new versions of the app's files: each save carries a token no earlier response had."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.count = 0

    def leaf(self) -> tuple[Path, str]:
        self.count += 1
        path = self.app.leaves[self.count * 7 % len(self.app.leaves)]  # spread over the tree
        # The counter only grows, so no earlier token starts with this one: the first match is the save.
        token = f"leaf-v{self.count}"
        path.write_text(leaf_source(path.stem, token))
        return path, token

    def util(self) -> tuple[Path, str]:
        self.count += 1
        token = f"util-v{self.count}"
        self.app.util.write_text(util_source(token))
        return self.app.util, token


def under_watch(app: App, node: str, saves: Saves, rounds: int) -> dict[str, list[float]]:
    """Save-to-served and the apply time the watcher reports, for leaf and util saves."""
    graphkit = Path(sys.executable).with_name("graphkit")
    figures: dict[str, list[float]] = {"leaf": [], "util": [], "leaf apply": [], "util apply": []}
    with started([str(graphkit), "watch", str(app.entry), "--node", node]) as (_, out, err):
        client = Client(int(out.wait_for(_PORT, "port from graphkit watch").group(1)))
        client.until("util-v")  # loads the route and the whole tree
        for kind, save in (("leaf", saves.leaf), ("util", saves.util)):
            for _ in range(rounds):
                time.sleep(SETTLE_SECONDS)
                err.drain()
                start = time.perf_counter()
                _, token = save()
                figures[kind].append(client.until(token) - start)
                applied = err.wait_for(_APPLIED, "status line from graphkit watch")
                figures[f"{kind} apply"].append(float(applied.group(3)) / 1000)
        client.close()
    return figures


def restarts(app: App, node: str, rounds: int) -> list[float]:
    """Start to first response of `node main.mjs`, as `node --watch` restarts on every save."""
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        with started([node, str(app.entry)]) as (_, out, _err):
            client = Client(int(out.wait_for(_PORT, "port from node main.mjs").group(1)))
            client.until("util-v")
            samples.append(time.perf_counter() - start)
            client.close()
    return samples


def node_watch(app: App, node: str, saves: Saves, rounds: int) -> list[float]:
    """Save-to-served of a leaf under `node --watch main.mjs`, which restarts the process on a new port."""
    samples = []
    with started([node, "--watch", str(app.entry)]) as (_, out, _err):
        client = Client(int(out.wait_for(_PORT, "port from node --watch").group(1)))
        client.until("util-v")  # the route's files are watched once they are loaded
        client.close()
        for _ in range(rounds):
            time.sleep(SETTLE_SECONDS)
            out.drain()
            start = time.perf_counter()
            _, token = saves.leaf()
            client = Client(int(out.wait_for(_PORT, "port from node --watch after a save").group(1)))
            samples.append(client.until(token) - start)
            client.close()
    return samples


def steps(app: App, node: str, saves: Saves, rounds: int) -> dict[str, dict[str, list[float]]]:
    """The watch loop's steps (as graphkit.hmr.loop runs them) timed one by one, in this process."""
    result: dict[str, dict[str, list[float]]] = {}
    with (
        Host(app.entry, node=node, stdout=subprocess.PIPE) as host,
        Watcher(package_root(app.entry)) as watcher,
    ):
        assert host.process.stdout is not None
        out = Lines(io.TextIOWrapper(host.process.stdout, encoding="utf-8"))
        client = Client(int(out.wait_for(_PORT, "port from the host").group(1)))
        client.until("util-v")
        save: Callable[[], tuple[Path, str]]
        for kind, save in (("leaf", saves.leaf), ("util", saves.util)):
            times: dict[str, list[float]] = {}
            for _ in range(rounds):
                time.sleep(SETTLE_SECONDS)
                while watcher.next_batch(0) is not None:
                    pass
                marks = [time.perf_counter()]
                path, token = save()
                marks.append(time.perf_counter())
                batch = watcher.next_batch(SERVED_SECONDS)
                if batch is None or path.resolve() not in batch.changed:
                    raise SystemExit(f"bench.hmr: {path}: the watcher did not report the save")
                marks.append(time.perf_counter())
                reply = host.request(Command.SNAPSHOT)
                marks.append(time.perf_counter())
                graph = graph_from_dict(reply["graph"], source=f"{app.entry} (live snapshot)")
                marks.append(time.perf_counter())
                accepting = host.accepting()
                marks.append(time.perf_counter())
                accepting |= accepting_modules(graph)
                marks.append(time.perf_counter())
                eviction = plan(graph, [path_to_url(path.resolve())], host.entry_url, accepting=accepting)
                marks.append(time.perf_counter())
                applied = host.apply(eviction)
                marks.append(time.perf_counter())
                marks.append(client.until(token))
                if not applied.ok:
                    raise SystemExit(f"bench.hmr: {path}: reload failed: {applied.error}")
                for name, (a, b) in zip(STEPS, itertools.pairwise(marks), strict=True):
                    times.setdefault(name, []).append(b - a)
                    if name == "apply":
                        times.setdefault("  of which in the app", []).append(applied.ms / 1000)
                times.setdefault("total", []).append(marks[-1] - marks[0])
                times.setdefault("evicted", []).append(applied.evicted)
            result[kind] = times
        client.close()
    return result


def ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:7.1f} ms"


def _met(ok: bool) -> str:
    return "met" if ok else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--node", default="node", help="the node binary (default: node on PATH)")
    parser.add_argument("--modules", type=int, default=500, help="modules in the generated tree")
    parser.add_argument("--saves", type=int, default=10, help="saves per measurement (median taken)")
    parser.add_argument("--app", type=Path, default=DEFAULT_OUT, help=f"where to generate it ({DEFAULT_OUT})")
    args = parser.parse_args()
    app = generate(args.modules, args.app)
    version = subprocess.run([args.node, "--version"], capture_output=True, text=True, check=True).stdout
    print(f"app: {app.modules} modules ({len(app.leaves)} leaves) in {app.folder}; node {version.strip()}")
    saves = Saves(app)
    watched = under_watch(app, args.node, saves, args.saves)
    restart = restarts(app, args.node, args.saves)
    peer = node_watch(app, args.node, saves, args.saves)
    for label, key in (("(a) leaf", "leaf"), ("(b) util", "util")):
        print(
            f"{label} save -> served, graphkit watch  {ms(watched[key])}"
            f"  (apply in the app {ms(watched[key + ' apply'])})"
        )
    print(f"(c) restart -> served, node main.mjs     {ms(restart)}")
    print(f"(d) leaf save -> served, node --watch    {ms(peer)}")
    leaf, util, full = (statistics.median(x) for x in (watched["leaf"], watched["util"], restart))
    leaf_apply = statistics.median(watched["leaf apply"])
    for name, ratio, target in (
        ("leaf save -> served / restart", leaf / full, TARGET_RATIO),
        ("leaf apply in the app / restart", leaf_apply / full, TARGET_RATIO),
        ("util save -> served / restart", util / full, None),
        ("leaf save -> served / node --watch", leaf / statistics.median(peer), None),
    ):
        verdict = "" if target is None else f"  (target <= 1/{1 / target:.0f}: {_met(ratio <= target)})"
        print(f"{name:35} {ratio:6.3f} = 1/{1 / ratio:.1f}{verdict}")
    print(
        f"leaf save -> served median {leaf * 1000:.1f} ms "
        f"(target < {TARGET_SERVED_MS:g} ms: {_met(leaf * 1000 < TARGET_SERVED_MS)})"
    )
    print("where the time goes, one step at a time (medians, same loop as graphkit watch, in-process):")
    for kind, times in steps(app, args.node, saves, args.saves).items():
        evicted = int(statistics.median(times.pop("evicted")))
        print(f"  {kind} save, {evicted} modules evicted:")
        for name, samples in times.items():
            print(f"    {name:24} {ms(samples)}")


if __name__ == "__main__":
    main()
