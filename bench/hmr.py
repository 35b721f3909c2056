"""Save-to-served under `graphkit watch` against a full restart, on generated apps of 500 to 20,000 modules.

Run: `.venv/bin/python -m bench.hmr` (`make bench` runs every benchmark); `--node`, `--modules` and
`--shape` take several values and every combination is measured in the same run, e.g.
`--node .cache/node/20/bin/node .cache/node/24/bin/node --modules 500 5000 20000 --shape tree packages`.
Shapes: `tree`, the whole app local; `packages`, 80% of its modules in `node_modules` packages that the
route imports (what real apps look like). For each app that `bench.gen_app` writes:

(a) a leaf saved under `.venv/bin/graphkit watch` (a subprocess): from writing the file to the first HTTP
    response that carries the new text, polling the app on loopback;
(b) the same for the utility every local module imports;
(c) a full restart, what `node --watch` does: from starting `node main.mjs` to its first response;
(d) the peer itself: a leaf saved under `node --watch main.mjs`, save to first new response;
(e) the peak resident memory of the `graphkit watch` process once (a) and (b) are done;
(f) what the host adds to the app: its heap after full collections (`GET /heap`, both runs under
    `--expose-gc`) and its resident memory, under `graphkit watch` once a leaf was reloaded against
    `node main.mjs` once loaded (and its resident memory again after 100 more requests);
(g) start-up: from starting the command to the app's first response, `node main.mjs` and
    `.venv/bin/graphkit watch main.mjs` in turns, ``--starts`` times each after one untimed start of each
    (which also writes graphkit's bytecode, as installing it does, where PYTHONDONTWRITEBYTECODE is set),
    their medians and the difference: what a developer waits for at every start under graphkit;
then the same saves again with the watch loop's steps timed one by one in this process (watcher, the live
graph's changes read in the app, the mirror updated, planning, apply in the app, first new response), and
what one save cost before the mirror: a full snapshot and a plan from scratch. Prints medians, ratios and
a summary table; asserts nothing, since the machine is shared and noisy. `--starts-only` measures (g)
alone, e.g. `.venv/bin/python -m bench.hmr --starts-only --node .cache/node/{20,22,24}/bin/node`;
`--graphkit CMD` starts another graphkit in (g), such as another checkout's, to compare two versions.
"""

from __future__ import annotations

import argparse
import http.client
import io
import itertools
import os
import queue
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from bench.gen_app import DEFAULT_OUT, App, generate, leaf_source, util_source
from graphkit.extract.accepts import accepting_modules
from graphkit.hmr.loop import package_root
from graphkit.hmr.watcher import Watcher
from graphkit.live.host import Host
from graphkit.live.mirror import LiveMirror, delta_from_reply
from graphkit.model import Command
from graphkit.model.codec import graph_from_dict
from graphkit.model.urls import path_to_url
from graphkit.planning.incremental import SourceAccepts, plan_live
from graphkit.planning.planner import plan

STARTUP_SECONDS = 30.0
SERVED_SECONDS = 10.0
# Between saves: two saves never share one watcher batch, and what the loop does once a save is served
# (reading the reload's changes: about 1 s after a util save at 20,000 modules) never lands in the next.
SETTLE_SECONDS = 1.5
TRAFFIC = 100  # requests after which `node main.mjs`'s resident memory is read again
POLL_SECONDS = 0.0005
TARGET_RATIO = 1 / 20
TARGET_UTIL_RATIO = 0.8
TARGET_SERVED_MS = 15.0  # leaf save to served at 500 modules
TARGET_SERVED_BIG_MS = 25.0  # and at 20,000
TARGET_WATCH_MIB = 150.0  # the watch process (Python), after leaf and util saves
TARGET_HOST_MIB = 50.0  # what the host adds to the app once it is loaded
TARGET_SCALING = 2.0  # leaf save to served, largest app / smallest
STARTS = 11  # starts of each command for (g), after one untimed start of each
TARGET_START_MS = 100.0  # graphkit watch's first response at most this much after node main.mjs's
# The steps of graphkit.hmr.loop's loop for one save, in order.
STEPS = (
    "write",
    "watcher",
    "changes in the app",
    "mirror update",
    "plan",
    "apply",
    "first new response",
)
# graphkit's own part of a save: not writing the file, not the app's first response after the reload.
OWN_STEPS = STEPS[1:-1]
SHAPES = {"tree": 0.0, "packages": 0.8}  # share of the modules in node_modules packages
_APPLIED = re.compile(r"(\d+) modules? evicted, (\d+) re-imported in ([\d.]+) ms")


class TimedOut(SystemExit):
    """What the benchmark waited for did not come: it stops, unless the caller reports it and goes on."""


class Lines:
    """The lines of a child's stream, read by a thread, each with the time it arrived."""

    def __init__(self, stream: IO[str]) -> None:
        self.queue: queue.Queue[tuple[float, str]] = queue.Queue()
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            self.queue.put((time.perf_counter(), line.rstrip("\n")))

    def wait_for(
        self, pattern: re.Pattern[str], what: str, seconds: float = STARTUP_SECONDS
    ) -> re.Match[str]:
        deadline = time.perf_counter() + seconds
        while True:
            try:
                _, line = self.queue.get(timeout=max(deadline - time.perf_counter(), 0.001))
            except queue.Empty:
                raise TimedOut(f"bench.hmr: no {what} within {seconds:g} s") from None
            found = pattern.search(line)
            if found:
                return found

    def drain(self) -> list[str]:
        lines = []
        while not self.queue.empty():
            lines.append(self.queue.get_nowait()[1])
        return lines


PORT = re.compile(r"^port (\d+)$")


def served_seconds(app: App) -> float:
    """How long a response may take: loading 20,000 modules on a busy machine takes seconds."""
    return SERVED_SECONDS + app.modules / 1000


class Client:
    """One keep-alive connection to the app, asking for ``path`` unless told; reconnects when the app closed
    it."""

    def __init__(self, port: int, seconds: float = SERVED_SECONDS, path: str = "/") -> None:
        self.port = port
        self.seconds = seconds
        self.path = path
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=seconds)

    def get(self, path: str | None = None) -> str:
        try:
            self.connection.request("GET", path or self.path)
            return self.connection.getresponse().read().decode()
        except (ConnectionError, http.client.HTTPException):
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.seconds)
            return ""

    def until(self, token: str) -> float:
        """Poll until a response carries ``token``; the time it arrived."""
        deadline = time.perf_counter() + self.seconds
        while time.perf_counter() < deadline:
            if token in self.get():
                return time.perf_counter()
            time.sleep(POLL_SECONDS)
        raise TimedOut(f"bench.hmr: the app never served {token!r} within {self.seconds:g} s")

    def close(self) -> None:
        self.connection.close()


@contextmanager
def started(
    command: list[str], cwd: Path | None = None, env: Mapping[str, str] | None = None
) -> Iterator[tuple[subprocess.Popen[str], Lines, Lines]]:
    """The command in a process group of its own (``env`` added to this process's environment); on the way
    out the whole group is ended, so a tool's children (`node --watch`'s, a forked worker) never outlive
    it."""
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
        cwd=cwd,
        env=None if env is None else {**os.environ, **env},
        start_new_session=True,
    )
    assert process.stdout is not None and process.stderr is not None
    try:
        yield process, Lines(process.stdout), Lines(process.stderr)
    finally:
        _end_group(process)


def _end_group(process: subprocess.Popen[str], seconds: float = 5.0) -> None:
    """SIGTERM to the process and every process of its group; SIGKILL to what still runs after ``seconds``."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    deadline = time.perf_counter() + seconds
    while _group_alive(process) and time.perf_counter() < deadline:
        time.sleep(0.02)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _group_alive(process: subprocess.Popen[str]) -> bool:
    """Whether the leader or any process of its group still runs (zombies left to be reaped do not; Linux)."""
    if process.poll() is None:
        return True
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError):
            # After the command's name in parentheses: state, parent pid, process group.
            state, _parent, group = stat.read_text().rsplit(")", 1)[1].split()[:3]
            if int(group) == process.pid and state != "Z":
                return True
    return False


class Saves:
    """Writes new versions of the app's files: each save carries a token no earlier response had."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.count = 0

    def leaf(self) -> tuple[Path, str]:
        self.count += 1
        path = self.app.leaves[self.count * 7 % len(self.app.leaves)]  # spread over the tree
        # The counter only grows, so no earlier token starts with this one: the first match is the save.
        path.write_text(leaf_source(path.stem, self.count))
        return path, f"leaf-v{self.count}"

    def util(self) -> tuple[Path, str]:
        self.count += 1
        token = f"util-v{self.count}"
        self.app.util.write_text(util_source(token))
        return self.app.util, token


def under_watch(app: App, node: str, saves: Saves, rounds: int) -> dict[str, list[float]]:
    """Save-to-served and the apply time the watcher reports, for leaf and util saves."""
    graphkit = Path(sys.executable).with_name("graphkit")
    figures: dict[str, list[float]] = {"leaf": [], "util": [], "leaf apply": [], "util apply": []}
    command = [str(graphkit), "watch", str(app.entry), "--node", node, "--node-option=--expose-gc"]
    with started(command) as (process, out, err):
        client = Client(int(out.wait_for(PORT, "port from graphkit watch").group(1)), served_seconds(app))
        client.until("util-v")  # loads the route and the whole tree
        client.until(saves.leaf()[1])  # a first save, not counted: the loop has read the whole live graph
        # The first save waits for the whole live graph, read once while nothing was saved.
        err.wait_for(_APPLIED, "status line from graphkit watch", STARTUP_SECONDS + app.modules / 100)
        figures["app MiB"] = list(_app_memory(client, _app_pid(process.pid)))  # loaded, one leaf reloaded
        for kind, save in (("leaf", saves.leaf), ("util", saves.util)):
            for _ in range(rounds):
                time.sleep(SETTLE_SECONDS)
                err.drain()
                start = time.perf_counter()
                _, token = save()
                figures[kind].append(client.until(token) - start)
                applied = err.wait_for(_APPLIED, "status line from graphkit watch", served_seconds(app))
                figures[f"{kind} apply"].append(float(applied.group(3)) / 1000)
        client.close()
        time.sleep(SETTLE_SECONDS)  # the last save's after-work, which reads the most
        figures["peak MiB"] = [_resident_mib(process.pid)]
    return figures


def _resident_mib(pid: int, field: str = "VmHWM") -> float:
    """The process's resident memory, its peak by default (``VmHWM``; ``VmRSS`` for the current one; Linux);
    nan where /proc does not say."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return float("nan")
    found = re.search(rf"^{field}:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) / 1024 if found else float("nan")


def _app_memory(client: Client, pid: int) -> tuple[float, float]:
    """The app's heap after full collections and then its resident memory (MiB)."""
    heap = int(client.get("/heap")) / 2**20
    return heap, _resident_mib(pid, "VmRSS")


def _app_pid(graphkit_pid: int) -> int:
    """The app graphkit watch runs: its one child process (Linux)."""
    children = Path(f"/proc/{graphkit_pid}/task/{graphkit_pid}/children").read_text().split()
    return int(children[0])


def restarts(app: App, node: str, rounds: int) -> tuple[list[float], tuple[float, float, float]]:
    """Start to first response of `node main.mjs`, as `node --watch` restarts on every save; and its
    heap after full collections and resident memory once loaded, and resident memory once it served
    TRAFFIC more requests (MiB, medians)."""
    samples, memory = [], []
    for _ in range(rounds):
        start = time.perf_counter()
        with started([node, "--expose-gc", str(app.entry)]) as (process, out, _err):
            client = Client(int(out.wait_for(PORT, "port from node main.mjs").group(1)), served_seconds(app))
            client.until("util-v")
            samples.append(time.perf_counter() - start)
            loaded = _app_memory(client, process.pid)
            for _ in range(TRAFFIC):
                client.get()
            memory.append((*loaded, _resident_mib(process.pid, "VmRSS")))
            client.close()
    heaps, residents, busy = zip(*memory, strict=True)
    return samples, (statistics.median(heaps), statistics.median(residents), statistics.median(busy))


def first_response(app: App, command: list[str], env: Mapping[str, str] | None = None) -> float:
    """Seconds from starting ``command`` (the app's stdout on its own) to the app's first full page."""
    start = time.perf_counter()
    with started(command, env=env) as (_, out, _err):
        client = Client(int(out.wait_for(PORT, f"port from {command[:2]}").group(1)), served_seconds(app))
        client.until("util-v")  # the route and the whole tree loaded
        elapsed = time.perf_counter() - start
        client.close()
    return elapsed


def starts(app: App, node: str, rounds: int, graphkit: Path | None) -> tuple[list[float], list[float]]:
    """(g) Start to first response of `node main.mjs` and of `graphkit watch main.mjs`, in turns; ``graphkit``
    is the command, this environment's when None."""
    graphkit = graphkit or Path(sys.executable).with_name("graphkit")
    plain = [node, str(app.entry)]
    watch = [str(graphkit), "watch", str(app.entry), "--node", node]
    # Untimed: both read into the page cache, and graphkit's bytecode written as any install of it has it
    # (an empty PYTHONDONTWRITEBYTECODE is no setting).
    first_response(app, plain)
    first_response(app, watch, {"PYTHONDONTWRITEBYTECODE": ""})
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(rounds):
        samples[0].append(first_response(app, plain))
        samples[1].append(first_response(app, watch))
    return samples


def start_line(plain: list[float], watched: list[float], modules: int) -> str:
    """The (g) figure: medians of both and graphkit watch's difference, against the target at 500 modules."""
    difference = (statistics.median(watched) - statistics.median(plain)) * 1000
    verdict = ""
    if modules <= 500:  # the target's app size, as asked for (the app has a few modules more)
        verdict = f" (target <= +{TARGET_START_MS:g} ms: {met(difference <= TARGET_START_MS)})"
    return (
        f"(g) start -> first response, median of {len(plain)}: node main.mjs {ms(plain).strip()},"
        f" graphkit watch main.mjs {ms(watched).strip()}: {difference:+.0f} ms{verdict}"
    )


def node_watch(app: App, node: str, save: Callable[[], tuple[Path, str]], rounds: int) -> list[float]:
    """Save-to-served under `node --watch main.mjs`, which restarts the process on a new port."""
    samples = []
    with started([node, "--watch", str(app.entry)]) as (_, out, _err):
        client = Client(int(out.wait_for(PORT, "port from node --watch").group(1)), served_seconds(app))
        client.until("util-v")  # the route's files are watched once they are loaded
        client.close()
        for _ in range(rounds):
            time.sleep(SETTLE_SECONDS)
            out.drain()
            start = time.perf_counter()
            _, token = save()
            # node --watch re-watches every loaded file at each restart: minutes at 20,000 modules.
            restarted = out.wait_for(PORT, "port from node --watch after a save", 60 + app.modules / 50)
            port = int(restarted.group(1))
            client = Client(port, served_seconds(app))
            samples.append(client.until(token) - start)
            client.close()
    return samples


def steps(app: App, node: str, saves: Saves, rounds: int) -> dict[str, dict[str, list[float]]]:
    """The watch loop's steps (as graphkit.hmr.loop runs them) timed one by one, in this process."""
    result: dict[str, dict[str, list[float]]] = {}
    with (
        Host(app.entry, node=node, stdout=subprocess.PIPE, timeout=served_seconds(app)) as host,
        Watcher(package_root(app.entry)) as watcher,
    ):
        assert host.process.stdout is not None
        out = Lines(io.TextIOWrapper(host.process.stdout, encoding="utf-8"))
        client = Client(int(out.wait_for(PORT, "port from the host").group(1)), served_seconds(app))
        client.until("util-v")
        mirror = LiveMirror()
        mirror.apply(host.changes(0))
        sources = SourceAccepts()
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
                batch = watcher.next_batch(served_seconds(app))
                if batch is None or path.resolve() not in batch.changed:
                    raise SystemExit(f"bench.hmr: {path}: the watcher did not report the save")
                marks.append(time.perf_counter())
                reply = host.request(Command.CHANGES, since=mirror.version)
                marks.append(time.perf_counter())
                mirror.apply(delta_from_reply(reply, str(app.entry)))
                marks.append(time.perf_counter())
                url = path_to_url(path.resolve())
                sources.forget([url])
                eviction = plan_live(
                    mirror.graph, [url], host.entry_url, accepting=mirror.accepting, sources=sources
                )
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
                # What the loop does once the save is served, while it waits for the next one.
                started = time.perf_counter()
                mirror.apply(host.changes(mirror.version))
                times.setdefault("after: the reload's changes", []).append(time.perf_counter() - started)
            result[kind] = times
        # What a save cost before the mirror, measured last: a snapshot's garbage must not land in a reload.
        for kind, save in (("leaf", saves.leaf), ("util", saves.util)):
            url = path_to_url(save()[0].resolve())
            for _ in range(rounds):
                started = time.perf_counter()
                graph = graph_from_dict(host.request(Command.SNAPSHOT)["graph"], source=str(app.entry))
                accepting = host.accepting() | accepting_modules(graph)
                plan(graph, [url], host.entry_url, accepting=accepting)
                result[kind].setdefault("before: snapshot + plan", []).append(time.perf_counter() - started)
        client.close()
    return result


def ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:7.1f} ms"


def met(ok: bool) -> str:
    return "met" if ok else "MISSED"


@dataclass(frozen=True, slots=True)
class Figures:
    node: str
    shape: str
    modules: int
    leaf: float  # save to served, median seconds
    util: float
    leaf_apply: float  # the reload in the app
    own: float  # graphkit's own steps of a leaf save, sum of their medians in seconds (in-process)
    restart: float
    node_watch: float
    start_node: float  # (g), median seconds; nan when not measured
    start_watch: float


def _app(node: str, shape: str, modules: int, folder: Path) -> tuple[App, str]:
    app = generate(modules, folder, packaged=SHAPES[shape], heap=True)
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    leaves = len(app.leaves)
    print(f"app: {app.modules} modules ({leaves} leaves, {shape}) in {app.folder}; node {version}")
    return app, version


def measure_starts(
    node: str, shape: str, modules: int, rounds: int, folder: Path, graphkit: Path | None
) -> Figures:
    """(g) alone (``--starts-only``)."""
    app, version = _app(node, shape, modules, folder)
    plain, watched = starts(app, node, rounds, graphkit)
    print(start_line(plain, watched, modules))
    sys.stdout.flush()
    nan = float("nan")
    return Figures(
        version, shape, app.modules, nan, nan, nan, nan, nan, nan,
        statistics.median(plain), statistics.median(watched),
    )


def measure(
    node: str,
    shape: str,
    modules: int,
    rounds: int,
    watch_rounds: int,
    start_rounds: int,
    folder: Path,
    graphkit: Path | None,
) -> Figures:
    app, version = _app(node, shape, modules, folder)
    saves = Saves(app)
    watched = under_watch(app, node, saves, rounds)
    restart, (plain_heap, plain_resident, plain_busy) = restarts(app, node, rounds)
    # node --watch cannot watch 20,000 files within the machine's inotify limits: 0 skips it.
    peer = node_watch(app, node, saves.leaf, watch_rounds) if watch_rounds > 0 else [float("nan")]
    nan = [float("nan")]
    plain_starts, watch_starts = starts(app, node, start_rounds, graphkit) if start_rounds > 0 else (nan, nan)
    for label, key in (("(a) leaf", "leaf"), ("(b) util", "util")):
        print(
            f"{label} save -> served, graphkit watch  {ms(watched[key])}"
            f"  (apply in the app {ms(watched[key + ' apply'])})"
        )
    print(f"(c) restart -> served, node main.mjs     {ms(restart)}")
    print(f"(d) leaf save -> served, node --watch    {ms(peer)}")
    peak = watched["peak MiB"][0]
    print(
        f"(e) graphkit watch process, peak resident {peak:.0f} MiB"
        f"  (target <= {TARGET_WATCH_MIB:g} MiB at 20,000 modules: {met(peak <= TARGET_WATCH_MIB)})"
    )
    heap, resident = watched["app MiB"]
    added = heap - plain_heap
    print(
        f"(f) the app's heap after full collections: {heap:.0f} MiB under graphkit watch,"
        f" {plain_heap:.0f} MiB under node main.mjs: {added:+.1f} MiB"
        f" (target <= +{TARGET_HOST_MIB:g} MiB at 20,000 modules: {met(added <= TARGET_HOST_MIB)});"
        f" resident {resident:.0f} against {plain_resident:.0f} MiB: {resident - plain_resident:+.0f} MiB"
        f" ({plain_busy:.0f} MiB once node main.mjs served {TRAFFIC} more requests)"
    )
    print(start_line(plain_starts, watch_starts, modules))
    leaf, util, full = (statistics.median(x) for x in (watched["leaf"], watched["util"], restart))
    peer_leaf = statistics.median(peer)
    leaf_apply = statistics.median(watched["leaf apply"])
    for name, ratio, target in (
        ("leaf save -> served / restart", leaf / full, TARGET_RATIO),
        ("leaf apply in the app / restart", leaf_apply / full, TARGET_RATIO),
        ("util save -> served / restart", util / full, TARGET_UTIL_RATIO),
        ("leaf save -> served / node --watch", leaf / peer_leaf, None),
    ):
        verdict = "" if target is None else f"  (target <= {target:g}: {met(ratio <= target)})"
        print(f"{name:35} {ratio:6.3f} = 1/{1 / ratio:.1f}{verdict}")
    target = TARGET_SERVED_MS if modules <= 500 else TARGET_SERVED_BIG_MS
    verdict = met(leaf * 1000 <= target)
    print(f"leaf save -> served median {leaf * 1000:.1f} ms (target <= {target:g} ms: {verdict})")
    print("where the time goes, one step at a time (medians, same loop as graphkit watch, in-process):")
    timed = steps(app, node, saves, rounds)
    own = sum(statistics.median(timed["leaf"][step]) for step in OWN_STEPS)
    for kind, times in timed.items():
        evicted = int(statistics.median(times.pop("evicted")))
        print(f"  {kind} save, {evicted} modules evicted:")
        for name, samples in times.items():
            print(f"    {name:28} {ms(samples)}")
    sys.stdout.flush()
    return Figures(
        version, shape, app.modules, leaf, util, leaf_apply, own, full, peer_leaf,
        statistics.median(plain_starts), statistics.median(watch_starts),
    )


def summary(figures: list[Figures]) -> None:
    print("summary (medians, ms): node | shape | modules | leaf save->served | util save->served"
          " | leaf apply in app | restart | node --watch leaf | util / restart"
          " | start->first response: node main.mjs, graphkit watch, difference")
    for f in figures:
        print(
            f"  {f.node} | {f.shape} | {f.modules} | {f.leaf * 1000:.1f} | {f.util * 1000:.1f}"
            f" | {f.leaf_apply * 1000:.1f} | {f.restart * 1000:.0f} | {f.node_watch * 1000:.0f}"
            f" | {f.util / f.restart:.2f} | {f.start_node * 1000:.0f}, {f.start_watch * 1000:.0f},"
            f" {(f.start_watch - f.start_node) * 1000:+.0f}"
        )
    for node, shape in dict.fromkeys((f.node, f.shape) for f in figures):
        runs = sorted((f for f in figures if (f.node, f.shape) == (node, shape)), key=lambda f: f.modules)
        if len(runs) > 1:
            small, big = runs[0], runs[-1]
            ratio = big.leaf / small.leaf
            # Beside it, graphkit's own steps alone: the rest is writing the file and the app's response.
            print(
                f"  {node} {shape}: leaf save {big.modules} / {small.modules} modules = {ratio:.2f}"
                f" (target <= {TARGET_SCALING:g}: {met(ratio <= TARGET_SCALING)}); graphkit's own steps"
                f" (watcher to apply, in-process: {small.own * 1000:.1f} and {big.own * 1000:.1f} ms):"
                f" {big.own / small.own:.2f}"
            )


def start_summary(figures: list[Figures]) -> None:
    print("summary (medians, ms): node | shape | modules | start->first response: node main.mjs"
          " | graphkit watch main.mjs | difference")
    for f in figures:
        print(
            f"  {f.node} | {f.shape} | {f.modules} | {f.start_node * 1000:.0f} | {f.start_watch * 1000:.0f}"
            f" | {(f.start_watch - f.start_node) * 1000:+.0f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--node", nargs="+", default=["node"], help="node binaries (default: node on PATH)")
    parser.add_argument("--modules", nargs="+", type=int, default=[500], help="app sizes (default 500)")
    parser.add_argument("--shape", nargs="+", choices=sorted(SHAPES), default=["tree"], help="app shapes")
    parser.add_argument("--saves", type=int, default=10, help="saves per measurement (median taken)")
    parser.add_argument(
        "--watch-saves", type=int, default=3, help="saves under node --watch (default 3; 0 skips it)"
    )
    parser.add_argument(
        "--starts", type=int, default=STARTS, help=f"starts of each command in (g) ({STARTS}; 0 skips it)"
    )
    parser.add_argument("--starts-only", action="store_true", help="measure (g) alone")
    parser.add_argument(
        "--graphkit", type=Path, help="the graphkit command (g) starts (default: this environment's)"
    )
    parser.add_argument("--app", type=Path, default=DEFAULT_OUT, help=f"where to generate it ({DEFAULT_OUT})")
    args = parser.parse_args()
    runs = [(node, shape, modules) for node in args.node for shape in args.shape for modules in args.modules]
    if args.starts_only:
        start_summary([measure_starts(*run, max(args.starts, 1), args.app, args.graphkit) for run in runs])
        return
    summary(
        [measure(*run, args.saves, args.watch_saves, args.starts, args.app, args.graphkit) for run in runs]
    )


if __name__ == "__main__":
    main()
