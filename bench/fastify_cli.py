"""Save to served on the app fastify-cli generates, under graphkit watch and the tools fastify-cli users run.

Run: `scripts/install-fastify-cli-app.sh` once, then `.venv/bin/python -m bench.fastify_cli` (`make bench`
does both); `--majors 22 24 26`, `--saves 5` (per case), `--gap 0.5` (seconds before each save) and
`--timeout 5` (seconds a save may take to be served) change the parameters. The app is the one
`fastify-cli generate APP --esm` writes (fastify-cli 8.0.2, `.cache/fastify-cli-app/esm`), copied by
`tests.fastify_cli_app` with its two entries, `server.js` (`listen` with a callback, no top-level `await`)
and `server-await.js` (both awaited). For each Node major, four cases, each in a fresh copy of the app and a
fresh process of the tool:

- route save: `routes/root.js` returns a new object on `GET /`;
- plugin save: `plugins/support.js` decorates the instance with a new string (it was 'hugs'), which a route
  file the copy adds, `routes/support.js`, returns on `GET /support`;
- new route: a route file created (`routes/brandnew.js` serving `GET /brandnew`, then `brandnew2.js`, ...);
- deleted route: a route file the copy held from the start deleted (`routes/gone1.js`, ...), served once
  `GET /gone1` answers 404.

Tools: `graphkit watch server.js` and `graphkit watch server-await.js`; fastify-cli's own watch,
`fastify start -w -l info -a 127.0.0.1 app.js` (`-a`: fastify-cli listens on every interface when it finds
itself in a container); `node --watch server-await.js`. Each listens on a free port of 127.0.0.1 (`PORT`).
The reference: the Express 5 app of `fixtures/framework-apps` (its entry imports its routes statically)
under `graphkit watch`, its route saved.

The TypeScript twin, `fastify-cli generate APP --lang=ts` (`.cache/fastify-cli-app/ts`, its copy's
tsconfig.json given the `rootDir` TypeScript 6 asks for), is run as its package.json runs it: `tsc -w` (the
pinned tsc, started first and measured from its first build) writing CommonJS into dist/, beside
`graphkit watch node_modules/fastify-cli/cli.js -- start -a 127.0.0.1 dist/app.js` or beside its `dev:start`
script, `fastify start --ignore-watch=.ts$ -w -l info -P -a 127.0.0.1 dist/app.js`. One case, the route save
of `src/routes/root.ts`; save to served includes tsc's rebuild, whose share is reported apart: from the
start of the save to the last write of `dist/routes/root.js` (its modification time).

Every save is atomic: the new text is written aside (outside the app's folder) and renamed onto the file; a
deletion is an unlink. Save to served runs from the start of the save to the first response showing it,
polled back to back by a client that opens a connection per request on 127.0.0.1; a failed request is one
refused, reset, timed out or answered with a 5xx. After each save, the process listening on the port is
compared with the one before the save (same pid or not). A case whose save is not served within `--timeout`
stops there and says so. Every process a tool started is ended with it (its process group). Prints a table:
median and p90 per tool, case and major, same pid, failed requests, and graphkit's medians against the
Express route save's; asserts nothing, since the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext, suppress
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import CACHE
from bench.hmr import POLL_SECONDS, STARTUP_SECONDS, started
from bench.peers import Latency
from bench.rerun import FRAMEWORKS
from tests.fastify_cli_app import GENERATED, TS, copy_fastify_cli_app, missing, tsc_watch
from tests.test_rerun import APPS, framework_app
from tests.test_watch import free_port

MAJORS = (22, 24, 26)
SAVES = 5
GAP_SECONDS = 0.5  # before each save: the tool is idle when the file is written
TIMEOUT_SECONDS = 5.0
REQUEST_SECONDS = 5.0
EXPRESS = "Express, graphkit watch main.mjs"
# A route file in the generated app's style.
ROUTE = """\
export default async function (fastify, opts) {{
  fastify.get('{path}', async function (request, reply) {{
    return {value}
  }})
}}
"""


@dataclass(frozen=True, slots=True)
class Expect:
    """What the first response showing a save is: 200 with ``token`` in the body, or a 404."""

    path: str
    token: str | None  # None: a 404

    def shown(self, status: int, body: str) -> bool:
        return status == 404 if self.token is None else status == 200 and self.token in body


class Poller:
    """A client sending requests back to back, a new connection each, counting those that failed."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.sent = 0
        self.failed = 0

    def get(self, path: str) -> tuple[int, str]:
        """Status and body; status 0 when the request failed (refused, reset, timed out)."""
        self.sent += 1
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_SECONDS)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            status, body = response.status, response.read().decode()
        except (OSError, http.client.HTTPException):
            self.failed += 1
            return 0, ""
        finally:
            connection.close()
        self.failed += status >= 500
        return status, body

    def until(self, expect: Expect, seconds: float) -> float | None:
        """The time the first response showing ``expect`` arrived; None when none did within ``seconds``."""
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            if expect.shown(*self.get(expect.path)):
                return time.perf_counter()
            time.sleep(POLL_SECONDS)
        return None


def listening_pid(port: int, tool: int) -> int | None:
    """The process holding the socket that listens on ``port``, looked for among the ``tool`` process and
    its descendants first (Linux /proc); None when no process does."""
    sockets = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
            sockets.add(f"socket:[{fields[9]}]")
    everyone = (int(folder.name) for folder in Path("/proc").glob("[0-9]*"))
    for pid in itertools.chain(_descendants(tool), everyone) if sockets else ():
        with suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with suppress(OSError):
                    if os.readlink(fd) in sockets:
                        return pid
    return None


def _descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (Linux)."""
    found, todo = [], [pid]
    while todo:
        found.append(todo.pop())
        for children in Path(f"/proc/{found[-1]}/task").glob("*/children"):
            with suppress(OSError):
                todo += map(int, children.read_text().split())
    return found


def save(root: Path, relative: str, text: str) -> None:
    """An atomic save of the app's file ``relative``: the text written aside (beside the app's folder, on the
    same file system, so no watcher of the app sees it) and renamed onto the file."""
    aside = root.parent / "aside" / Path(relative).name
    aside.parent.mkdir(exist_ok=True)
    aside.write_text(text)
    aside.replace(root / relative)


@dataclass(frozen=True, slots=True)
class Case:
    """What a case adds to the app before the tool starts, the response that shows it started, its
    ``k``-th save (from 1), and the file a build step writes for each save (None: no build step)."""

    name: str
    ready: str
    setup: Callable[[Path, int], None]
    save: Callable[[Path, int, str], Expect]
    built: str | None = None


def _no_setup(root: Path, saves: int) -> None:
    pass


def _route_save(root: Path, k: int, token: str) -> Expect:
    generated = (GENERATED / "routes" / "root.js").read_text()
    changed = generated.replace("return { root: true }", f"return {{ root: true, save: '{token}' }}")
    save(root, "routes/root.js", changed)
    return Expect("/", token)


def _support_route(root: Path, saves: int) -> None:
    route = ROUTE.format(path="/support", value="fastify.someSupport()")
    (root / "routes" / "support.js").write_text(route)


def _plugin_save(root: Path, k: int, token: str) -> Expect:
    generated = (GENERATED / "plugins" / "support.js").read_text()
    save(root, "plugins/support.js", generated.replace("'hugs'", f"'hugs {token}'"))
    return Expect("/support", token)


def _new_route(root: Path, k: int, token: str) -> Expect:
    name = "brandnew" if k == 1 else f"brandnew{k}"
    save(root, f"routes/{name}.js", ROUTE.format(path=f"/{name}", value=f"'{name} {token}'"))
    return Expect(f"/{name}", token)


def _doomed_routes(root: Path, saves: int) -> None:
    for k in range(1, saves + 1):
        (root / "routes" / f"gone{k}.js").write_text(ROUTE.format(path=f"/gone{k}", value=f"'gone {k}'"))


def _deleted_route(root: Path, k: int, token: str) -> Expect:
    (root / "routes" / f"gone{k}.js").unlink()
    return Expect(f"/gone{k}", None)


def _ts_route_save(root: Path, k: int, token: str) -> Expect:
    generated = (TS / "src" / "routes" / "root.ts").read_text()
    changed = generated.replace("return { root: true }", f"return {{ root: '{token}' }}")
    save(root, "src/routes/root.ts", changed)
    return Expect("/", token)


def _express_route_save(root: Path, k: int, token: str) -> Expect:
    generated = (APPS / "common" / "routes" / "users.mjs").read_text()
    save(root, "routes/users.mjs", generated.replace("users v1", f"users {token}"))
    return Expect("/users", token)


FASTIFY_CASES = (
    Case("route save", "/", _no_setup, _route_save),
    Case("plugin save", "/support", _support_route, _plugin_save),
    Case("new route", "/", _no_setup, _new_route),
    Case("deleted route", "/gone1", _doomed_routes, _deleted_route),
)
EXPRESS_CASE = Case("route save", "/users", _no_setup, _express_route_save)
TS_CASE = Case("route save (.ts)", "/", _no_setup, _ts_route_save, "dist/routes/root.js")


@dataclass(frozen=True, slots=True)
class Tool:
    """How a tool is started in the app's folder, with the Node binary of the major measured."""

    name: str
    command: Callable[[Path], list[str]]


def _graphkit(entry: str) -> Tool:
    graphkit = Path(sys.executable).with_name("graphkit")
    return Tool(f"graphkit watch {entry}", lambda node: [str(graphkit), "watch", entry, "--node", str(node)])


FASTIFY_START = "fastify start -w -l info -a 127.0.0.1 app.js"
TOOLS = (
    _graphkit("server.js"),
    _graphkit("server-await.js"),
    Tool(
        "fastify start -w",
        lambda node: [str(node), "node_modules/fastify-cli/cli.js", *FASTIFY_START.split()[1:]],
    ),
    Tool("node --watch server-await.js", lambda node: [str(node), "--watch", "server-await.js"]),
)


DEV_START = "fastify start --ignore-watch=.ts$ -w -l info -P -a 127.0.0.1 dist/app.js"
TS_TOOLS = (
    Tool(
        "tsc -w + graphkit watch fastify-cli start dist/app.js",
        lambda node: [
            *_graphkit("node_modules/fastify-cli/cli.js").command(node),
            *("--", "start", "-a", "127.0.0.1", "dist/app.js"),
        ],
    ),
    Tool(
        "tsc -w + fastify start -w (dev:start)",
        lambda node: [str(node), "node_modules/fastify-cli/cli.js", *DEV_START.split()[1:]],
    ),
)


@dataclass(frozen=True, slots=True)
class Outcome:
    """One tool on one case: save-to-served samples (or why they stop), same-pid saves, the client's count,
    and, for a case with a build step, save to the build's write of each save served."""

    latency: Latency
    same_pid: int
    saves: int  # attempted, the one not served included
    sent: int
    failed: int
    built: Latency = field(default_factory=Latency)


class Counter:
    """Save tokens: each a text no earlier response carried, none a part of another."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> str:
        self.count += 1
        return f"save-{self.count}."


def measure(
    tool: Tool, case: Case, root: Path, node: Path, saves: int, gap: float, timeout: float, token: Counter
) -> Outcome:
    case.setup(root, saves)
    port = free_port()
    with started(tool.command(node), cwd=root, env={"PORT": str(port)}) as (process, _out, err):
        if Poller(port).until(Expect(case.ready, ""), STARTUP_SECONDS) is None:
            print(f"    did not start: {' | '.join(err.drain()[-3:])}", flush=True)
            return Outcome(Latency(failure="did not start"), 0, 0, 0, 0)
        client = Poller(port)
        samples: list[float] = []
        built: list[float] = []
        same = 0
        failure = ""
        pid = listening_pid(port, process.pid)
        err.drain()
        for k in range(1, saves + 1):
            time.sleep(gap)
            start, wall = time.perf_counter(), time.time()
            served = client.until(case.save(root, k, token()), timeout)
            before, pid = pid, listening_pid(port, process.pid)
            same += pid is not None and pid == before
            if served is None:
                failure = f"save {k} not served within {timeout:g} s"
                print(f"    {failure}", flush=True)
                break
            samples.append(served - start)
            if case.built is not None:
                built.append((root / case.built).stat().st_mtime - wall)
        for line in err.drain()[:1]:  # what the tool said of the first save (graphkit's status line)
            print(f"    {line[:240]}", flush=True)
        alive = process.poll() is None
    if not alive:
        failure = failure or "the tool exited"
    return Outcome(
        Latency(tuple(samples), failure), same, k, client.sent, client.failed, Latency(tuple(built))
    )


def _found(path: Path, pattern: str) -> str:
    """What ``pattern``'s first group matches in ``path`` (a peer's source), '?' where it does not."""
    match = re.search(pattern, path.read_text()) if path.exists() else None
    return match.group(1) if match else "?"


def fastify_cli_delays() -> str:
    """fastify-cli's watch and the fixed delays in it, as read from the installed sources."""
    modules = GENERATED / "node_modules"
    versions = {
        name: json.loads((modules / name / "package.json").read_text())["version"]
        for name in ("fastify-cli", "chokidar")
    }
    options = _found(modules / "fastify-cli/lib/watch/index.js", r"chokidar\.watch\(watchDir, (\{[^}]*\})\)")
    held = _found(modules / "chokidar/index.js", r"typeof opts\.atomic === 'number' \? opts\.atomic : (\d+)")
    throttle = _found(modules / "chokidar/index.js", r"_throttle\(EV\.CHANGE, path, (\d+)\)")
    forced = _found(modules / "fastify-cli/lib/watch/constants.js", r"TIMEOUT: (\d+)")
    ignored = _found(modules / "fastify-cli/args.js", r"DEFAULT_IGNORE = '([^']*)'")
    return (
        f"{FASTIFY_START} (fastify-cli {versions['fastify-cli']}): chokidar {versions['chokidar']} watches"
        f" the working folder with {options} (ignored: {ignored}; no awaitWriteFinish, fs.watch, no polling);"
        f" chokidar holds an unlink {held} ms (atomic: true, which also ignores dot files) and lets through"
        f" one change event of a file per {throttle} ms; every event sends the forked worker"
        f" 'GRACEFUL SHUTDOWN' (fastify.close(), exit forced after {forced} ms) and a new worker is forked"
        f" when it has exited, which loads the whole app again: no debounce"
    )


def _cell(latency: Latency) -> str:
    figures = f"{latency.median * 1000:.0f} / {latency.p90 * 1000:.0f}" if latency.samples else ""
    if not latency.failure:
        return figures
    served = f"; {len(latency.samples)} served before: {figures}" if latency.samples else ""
    return f"{latency.failure}{served}"


def table(results: Mapping[str, Mapping[tuple[str, str], Outcome]], timeout: float) -> None:
    print(
        "\n| node | tool | case | save -> served, median / p90 ms | / Express route save | same pid"
        " | failed / sent requests | of which save -> built, median / p90 ms |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for version, rows in results.items():
        express = rows[(EXPRESS, "route save")].latency
        for (tool, case), outcome in rows.items():
            ratio = ""
            if tool.startswith("graphkit") and outcome.latency.samples and express.samples:
                ratio = f"{outcome.latency.median / express.median:.2f}"
            print(
                f"| {version} | {tool} | {case} | {_cell(outcome.latency)} | {ratio}"
                f" | {outcome.same_pid} of {outcome.saves} | {outcome.failed} / {outcome.sent}"
                f" | {_cell(outcome.built)} |"
            )
    print(
        "/ Express route save: the row's median over the Express route save's median, same Node (graphkit"
        f" rows). same pid: saves after which the process listening on the port was the one before (a save"
        f" not served within {timeout:g} s included). save -> built: to tsc's last write of"
        f" {TS_CASE.built} (its modification time), the part of save -> served no watcher can shorten"
    )
    for version, rows in results.items():
        express = rows[(EXPRESS, "route save")].latency
        for tool in (tool.name for tool in TOOLS if tool.name.startswith("graphkit")):
            route = rows[(tool, "route save")].latency
            if route.samples and express.samples:
                figure = (
                    f"median {route.median * 1000:.1f} ms / Express route save median"
                    f" {express.median * 1000:.1f} ms = {route.median / express.median:.2f}"
                )
            else:
                figure = f"no ratio: {_cell(route)}"
            print(f"node {version}: {tool}, route save {figure}")
        for tool in (tool.name for tool in TS_TOOLS):
            outcome = rows[(tool, TS_CASE.name)]
            if not outcome.latency.samples:
                print(f"node {version}: {tool}, {TS_CASE.name}: {_cell(outcome.latency)}")
                continue
            served, built = outcome.latency.samples, outcome.built.samples
            after = Latency(tuple(a - b for a, b in zip(served, built, strict=True)))
            print(
                f"node {version}: {tool}, {TS_CASE.name}: save -> served {_cell(outcome.latency)} ms, of"
                f" which save -> {TS_CASE.built} written {_cell(outcome.built)} ms and written -> served"
                f" {_cell(after)} ms (median / p90)"
            )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--majors", type=int, nargs="+", default=list(MAJORS), help="Node majors (22 24 26)")
    parser.add_argument("--saves", type=int, default=SAVES, help=f"saves per case (default {SAVES})")
    parser.add_argument(
        "--gap", type=float, default=GAP_SECONDS, help=f"seconds before each save ({GAP_SECONDS:g})"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=TIMEOUT_SECONDS,
        help=f"seconds a save may take ({TIMEOUT_SECONDS:g})",
    )
    args = parser.parse_args(argv)
    if args.saves < 1:
        parser.error("--saves takes a whole number from 1")
    for why in (
        missing(),
        missing(TS),
        None if FRAMEWORKS.is_dir() else f"{FRAMEWORKS}: missing, run scripts/install-apps.sh",
    ):
        if why:
            raise SystemExit(f"bench.fastify_cli: {why}")
    print(fastify_cli_delays(), flush=True)
    token = Counter()
    results: dict[str, dict[tuple[str, str], Outcome]] = {}
    with tempfile.TemporaryDirectory(prefix="graphkit-fastify-cli-") as scratch:
        runs = iter(range(1_000_000))
        for major in args.majors:
            node = CACHE / "node" / str(major) / "bin" / "node"
            if not node.exists():
                raise SystemExit(f"bench.fastify_cli: {node}: missing, run scripts/install-nodes.sh")
            version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
            rows = results.setdefault(version, {})
            plan = [(Tool(EXPRESS, _graphkit("main.mjs").command), EXPRESS_CASE)]
            plan += [(tool, case) for tool in TOOLS for case in FASTIFY_CASES]
            plan += [(tool, TS_CASE) for tool in TS_TOOLS]
            for tool, case in plan:
                print(f"node {version}: {tool.name}, {case.name}", flush=True)
                folder = Path(scratch) / f"run{next(runs)}"
                folder.mkdir()
                root = (
                    framework_app("express", folder)
                    if tool.name == EXPRESS
                    else copy_fastify_cli_app(folder / "app", TS if case is TS_CASE else GENERATED)
                )
                beside: AbstractContextManager[object] = (
                    tsc_watch(node, root) if case is TS_CASE else nullcontext()
                )
                with beside:
                    rows[(tool.name, case.name)] = measure(
                        tool, case, root, node, args.saves, args.gap, args.timeout, token
                    )
    table(results, args.timeout)


if __name__ == "__main__":
    main()
