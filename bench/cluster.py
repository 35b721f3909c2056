"""Re-running a cluster app and a websocket app under `graphkit watch`, against `node --watch` in one run.

Run: `.venv/bin/python -m bench.cluster` (`make bench` runs every benchmark); `--majors`, `--reruns` and
`--ws-reruns` change the parameters. For each Node major:

(a) a cluster primary with 2 workers (each serving its version and pid; the primary respawns any worker that
    exits, as many apps do) saved ``--reruns`` times while a client sends requests back to back, a new
    connection each: requests failed (refused, reset, 5xx), then the workers alive (children of the primary,
    read from /proc) and whether every worker serves the newest code;
(b) the same under the peer `node --watch`, which waits a fixed 200 ms after a change (its FilesWatcher
    debounce) and then restarts the whole process tree with SIGTERM; a save counts once a response carries
    the new version. Saves are written aside and renamed under graphkit, in place under `node --watch`
    (which stops seeing an entry replaced by a rename after its first restart);
(c) a `ws` client connected to a websocket server saved ``--ws-reruns`` times: the close codes it saw and
    how many of its reconnects the newest code answered, under both.
Prints figures and ratios; asserts nothing, since the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import CACHE
from bench.hmr import Lines, started

MAJORS = (20, 24)
WS = CACHE / "apps-ws" / "node_modules"
SETTLE_SECONDS = 0.1  # between saves, so two saves never share one watcher batch
SERVED_SECONDS = 15.0
_RERAN = re.compile(r"re-ran the app in \d+ ms")
_HELLO = re.compile(r"^hello v(\d+)$")
_SAID = re.compile(r"^(closed \d+|hello v\d+)$")

CLUSTER = """\
import cluster from 'node:cluster';
import http from 'node:http';
const VERSION = 'v0';
if (cluster.isPrimary) {
  for (let i = 0; i < 2; i += 1) cluster.fork();
  cluster.on('exit', () => cluster.fork());
  console.log(`primary ${process.pid}`);
} else {
  const server = http.createServer((request, response) => response.end(`${VERSION} ${process.pid}`));
  server.listen(Number(process.env.PORT), '127.0.0.1');
}
"""
WS_SERVER = """\
import http from 'node:http';
import { WebSocketServer } from 'ws';
const VERSION = 'v0';
const server = http.createServer((request, response) => response.end(VERSION));
new WebSocketServer({ server }).on('connection', (socket) => socket.send(`hello ${VERSION}`));
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'));
"""
WS_CLIENT = """\
import WebSocket from 'ws';
function connect() {
  const socket = new WebSocket(process.argv[2]);
  socket.on('message', (data) => console.log(String(data)));
  socket.on('close', (code) => {
    console.log(`closed ${code}`);
    setTimeout(connect, 10);
  });
  socket.on('error', () => {});
}
connect();
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def get(port: int) -> str | None:
    """One request on a new connection: the body, or None for a refused, reset or failed request."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", "/")
        response = connection.getresponse()
        body = response.read().decode()
        return body if response.status < 500 else None
    except (OSError, http.client.HTTPException):
        return None
    finally:
        connection.close()


def serving(port: int, version: int, seconds: float = SERVED_SECONDS) -> None:
    """Waits until the app answers with ``version``."""
    deadline = time.monotonic() + seconds
    while not (get(port) or "").startswith(f"v{version} "):
        if time.monotonic() > deadline:
            raise SystemExit(f"bench.cluster: v{version} not served within {seconds:g} s")
        time.sleep(0.01)


def save(path: Path, version: int, rename: bool) -> None:
    """Written aside and renamed, as many editors save (the app never reads half a file), or in place."""
    text = re.sub(r"'v\d+'", f"'v{version}'", path.read_text())
    if not rename:
        path.write_text(text)
        return
    copy = path.with_name(f".{path.name}.new")
    copy.write_text(text)
    copy.replace(path)


def workers_of(pid: int) -> set[int]:
    """The cluster workers among the live children of ``pid``, from /proc."""
    found = set()
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except (OSError, NotADirectoryError):
            continue
        state, parent = stat.rpartition(")")[2].split()[:2]
        if int(parent) == pid and state != "Z" and cmdline.rstrip(b"\0").endswith(b"main.mjs"):
            found.add(int(entry.name))
    return found


class Hammer:
    """Requests back to back, a new connection each, until stopped; counts sent and failed."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.sent = 0
        self.failed = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            self.sent += 1
            if get(self.port) is None:
                self.failed += 1

    def end(self) -> None:
        self.stop.set()
        self.thread.join()


def cluster_run(
    command: list[str], root: Path, reruns: int, wait: Callable[[Lines, int, int], None]
) -> tuple[int, int, float, int, bool]:
    """Requests sent and failed through ``reruns`` saves, the seconds they took, workers alive after, and
    whether all of them serve the newest code."""
    main = root / "main.mjs"
    main.write_text(CLUSTER)
    port = free_port()
    with started(command, cwd=root, env={"PORT": str(port)}) as (_, out, err):
        out.wait_for(re.compile(r"^primary \d+$"), "primary's pid")
        serving(port, 0)
        hammer = Hammer(port)
        begun = time.perf_counter()
        try:
            for version in range(1, reruns + 1):
                time.sleep(SETTLE_SECONDS)
                err.drain()
                save(main, version, rename=wait is after_status)
                wait(err, port, version)
        finally:
            hammer.end()
        seconds = time.perf_counter() - begun
        time.sleep(1.0)  # replaced workers finish exiting
        out.drain()
        primary = current_primary(command, port)
        workers = workers_of(primary)
        answers = [get(port) or "" for _ in range(20)]
        versions = {answer.split()[0] for answer in answers}
        newest = versions == {f"v{reruns}"} and {int(answer.split()[1]) for answer in answers} == workers
    return hammer.sent, hammer.failed, seconds, len(workers), newest


def current_primary(command: list[str], port: int) -> int:
    """The primary serving now: the parent of a worker that answers."""
    answer = get(port) or "v 0"
    stat = Path(f"/proc/{answer.split()[1]}/stat").read_text()
    return int(stat.rpartition(")")[2].split()[1])


def graphkit_command(entry: Path, node: Path) -> list[str]:
    return [str(Path(sys.executable).with_name("graphkit")), "watch", str(entry), "--node", str(node)]


def after_status(err: Lines, port: int, version: int) -> None:
    err.wait_for(_RERAN, "status line from graphkit watch", SERVED_SECONDS)


def after_served(err: Lines, port: int, version: int) -> None:
    serving(port, version)


def ws_run(
    command: list[str], node: Path, root: Path, reruns: int
) -> tuple[collections.Counter[str], int, int]:
    """Close codes the client saw, and its reconnects: how many, how many answered by the newest code."""
    (root / "node_modules").unlink(missing_ok=True)
    (root / "node_modules").symlink_to(WS)
    main = root / "main.mjs"
    main.write_text(WS_SERVER)
    (root / "client.mjs").write_text(WS_CLIENT)
    port = free_port()
    closes: collections.Counter[str] = collections.Counter()
    reconnects = newest = 0
    with started(command, cwd=root, env={"PORT": str(port)}) as (_, out, _err):
        out.wait_for(re.compile("^listening$"), "the websocket server")
        with started([str(node), str(root / "client.mjs"), f"ws://127.0.0.1:{port}/"]) as (_, said, _):
            said.wait_for(_HELLO, "the first hello", SERVED_SECONDS)
            for version in range(1, reruns + 1):
                time.sleep(SETTLE_SECONDS)
                save(main, version, rename=command[1] == "watch")
                # Each message until the newest code says hello: closes, and hellos from older code.
                while True:
                    line = said.wait_for(_SAID, "the client", SERVED_SECONDS)[0]
                    if line.startswith("closed"):
                        closes[line.split()[1]] += 1
                        continue
                    reconnects += 1
                    if line == f"hello v{version}":
                        newest += 1
                        break
    return closes, reconnects, newest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--majors", type=int, nargs="+", default=list(MAJORS))
    parser.add_argument("--reruns", type=int, default=50)
    parser.add_argument("--ws-reruns", type=int, default=20)
    args = parser.parse_args()
    if not WS.is_dir():
        raise SystemExit(f"{WS}: missing, run scripts/install-apps.sh (make bench does)")
    for major in args.majors:
        node = CACHE / "node" / str(major) / "bin" / "node"
        if not node.exists():
            raise SystemExit(f"{node}: missing, run scripts/install-nodes.sh (make bench does)")
        version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
        print(f"node {version}")
        with tempfile.TemporaryDirectory(prefix="graphkit-cluster-") as folder:
            root = Path(folder)
            (root / "package.json").write_text('{"type": "module"}\n')
            entry = root / "main.mjs"
            ours = cluster_run(graphkit_command(entry, node), root, args.reruns, after_status)
            peer = cluster_run([str(node), "--watch", str(entry)], root, args.reruns, after_served)
            for name, (sent, failed, seconds, workers, newest) in (
                ("graphkit watch", ours),
                ("node --watch", peer),
            ):
                on = "all" if newest else "NOT all"
                print(
                    f"  (a/b) cluster, 2 workers, {args.reruns} saves in {seconds:.1f} s, {name}: {failed} of"
                    f" {sent} requests failed, {workers} workers after, {on} on the newest code"
                )
            print(
                f"  failed requests, graphkit watch / node --watch: {ours[1]} / {peer[1]}"
                " (target 0 failed, 2 workers, all newest)"
            )
            ws_ours = ws_run(graphkit_command(entry, node), node, root, args.ws_reruns)
            ws_peer = ws_run([str(node), "--watch", str(entry)], node, root, args.ws_reruns)
            for name, (closes, reconnects, newest_ws) in (
                ("graphkit watch", ws_ours),
                ("node --watch", ws_peer),
            ):
                codes = ", ".join(f"{code} x{n}" for code, n in sorted(closes.items()))
                print(
                    f"  (c) websocket, {args.ws_reruns} saves, {name}: closes {codes};"
                    f" {newest_ws} of {args.ws_reruns} saves reached by a reconnect to the newest code,"
                    f" {reconnects - newest_ws} reconnects answered by older code"
                )


if __name__ == "__main__":
    main()
