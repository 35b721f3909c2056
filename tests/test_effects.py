"""What a re-run releases under `graphkit watch`, seen from outside the app: the processes alive (read from
/proc), what the app serves, and what it answers on stdin. Node is the real one, on Node 20 and 24."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO, node_binary
from tests.test_host import fetch
from tests.test_rerun import save
from tests.test_watch import GRAPHKIT, WAIT, Watching, free_port, line_queues

MAJORS = (20, 24)
RERAN = re.compile(r"graphkit: main\.mjs: re-ran the app in \d+ ms \(1 module evicted, (.*)\)")


def children(pid: int) -> dict[int, str]:
    """The live child processes of ``pid`` and their command lines, from /proc."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except OSError:
            continue  # ended meanwhile
        state, parent = stat.rpartition(")")[2].split()[:2]
        if int(parent) == pid and state != "Z":
            found[int(entry.name)] = cmdline
    return found


def settled_children(pid: int, expected: int) -> dict[int, str]:
    """The children of ``pid`` once there are ``expected`` of them (old ones may take a moment to exit)."""
    deadline = time.monotonic() + WAIT
    while len(found := children(pid)) != expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def end(process: subprocess.Popen[str], pids: set[int], app: int | None = None) -> None:
    """Stops graphkit, then any of ``pids`` or of the children of ``app`` still alive."""
    if app is not None:
        pids |= children(app).keys()
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


CLUSTER = """import cluster from 'node:cluster';
import http from 'node:http';
import { spawn } from 'node:child_process';
const VERSION = 'v1';
if (cluster.isPrimary) {
  for (let i = 0; i < 2; i += 1) cluster.fork();
  cluster.on('exit', () => cluster.fork()); // respawns any worker that exits, the way many apps do
  let helper;
  const startHelper = () => { // kept running: started again whenever it exits
    helper = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    helper.on('exit', startHelper);
  };
  startHelper();
  process.on('exit', () => helper.kill());
  console.log(`primary ${process.pid}`);
} else {
  const server = http.createServer((request, response) => response.end(`${VERSION} ${process.pid}`));
  server.listen(PORT, '127.0.0.1');
}
"""


@pytest.fixture
def cluster_app(tmp_path: Path) -> tuple[Path, int]:
    port = free_port()
    (tmp_path / "package.json").write_text('{"type": "module"}\n')
    (tmp_path / "main.mjs").write_text(CLUSTER.replace("PORT", str(port)))
    return tmp_path, port


@pytest.mark.parametrize("major", MAJORS)
def test_a_cluster_rerun_ends_with_its_workers_all_on_the_new_code_and_one_helper(
    major: int, cluster_app: tuple[Path, int]
) -> None:
    root, port = cluster_app
    w = Watching(node_binary(major), root, port=port)
    seen: set[int] = set()
    primary = int(w.out.get(timeout=WAIT).split()[1])
    try:
        before = settled_children(primary, 3)
        seen |= before.keys()
        for version in range(2, 5):
            save(w, "main.mjs", f"'v{version - 1}'", f"'v{version}'")
            match = RERAN.fullmatch(w.status())
            assert match, version
            assert match[1] == "2 listeners removed, 2 cluster workers replaced, 1 child process ended"
            now = settled_children(primary, 3)
            seen |= now.keys()
            workers = {pid for pid, cmdline in now.items() if cmdline.endswith("main.mjs")}
            helpers = {pid for pid, cmdline in now.items() if " -e " in cmdline}
            assert (len(workers), len(helpers)) == (2, 1)
            assert not (now.keys() & before.keys())  # every old worker and the old helper are gone
            answers = [w.get("/").split() for _ in range(10)]
            assert {text for text, _ in answers} == {f"v{version}"}
            assert {int(pid) for _, pid in answers} == workers  # both new workers serve, and only they
            before = now
        # A re-run that throws after forking is rolled back: its workers and helper go, the old ones stay.
        failing = "if (cluster.isPrimary) throw new Error('boom after fork');\n"
        text = (root / "main.mjs").read_text()
        save(w, "main.mjs", text, text.replace("'v4'", "'v5'") + failing)
        kept = r"graphkit: main\.mjs: boom after fork at main\.mjs:\d+:\d+; kept old code"
        assert re.fullmatch(kept, w.status())
        assert settled_children(primary, 3) == before
        assert {w.get("/").split()[0] for _ in range(4)} == {"v4"}
    finally:
        end(w.process, seen, primary)


SINGLE = """import http from 'node:http';
import { execFile, fork } from 'node:child_process';
import readline from 'node:readline';
import { Worker } from 'node:worker_threads';
import { scheduler, setInterval as every, setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
const VERSION = 'v1';
globalThis.ticks ??= {}; // survives re-runs: what each version's timers and thread still do
const tick = (kind) => {
  const key = `${kind} ${VERSION}`;
  globalThis.ticks[key] = (globalThis.ticks[key] ?? 0) + 1;
};
setTimeout(() => setInterval(() => tick('nested'), 10), 0);
(async () => {
  for await (const _ of every(10)) tick('iterator');
})();
const pause = promisify(setTimeout);
for (const [kind, wait] of [['sleep', sleep], ['wait', (ms) => scheduler.wait(ms)], ['promisified', pause]]) {
  (async () => {
    for (;;) {
      await wait(10);
      tick(kind);
    }
  })();
}
const code = "const up = require('node:worker_threads').parentPort; setInterval(() => up.postMessage(0), 9);";
new Worker(code, { eval: true }).on('message', () => tick('thread'));
fork(new URL('./helper.cjs', import.meta.url).pathname, [VERSION], { stdio: 'ignore' });
execFile(process.execPath, ['-e', 'setInterval(() => {}, 1000)', VERSION]);
const lines = readline.createInterface({ input: process.stdin });
lines.on('line', (line) => console.log(`${VERSION} got ${line}`));
process.stdin.on('data', (data) => console.log(`${VERSION} read ${data.length}`));
const server = http.createServer((request, response) => response.end(JSON.stringify(globalThis.ticks)));
server.listen(0, '127.0.0.1', () => console.log(`listening on ${server.address().port}`));
"""
KINDS = ("nested", "iterator", "sleep", "wait", "promisified", "thread")


@pytest.fixture
def stdin_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    (tmp_path / "package.json").write_text('{"type": "module"}\n')
    (tmp_path / "main.mjs").write_text(SINGLE)
    (tmp_path / "helper.cjs").write_text("setInterval(() => {}, 1000);\n")
    process = subprocess.Popen(
        [GRAPHKIT, "watch", tmp_path / "main.mjs", "--node", node_binary(request.param)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    yield process, tmp_path
    end(process, {pid for app in children(process.pid) for pid in children(app)})


@pytest.mark.parametrize("stdin_app", MAJORS, indirect=True)
def test_timers_threads_and_stdin_readers_of_old_runs_stop(
    stdin_app: tuple[subprocess.Popen[str], Path],
) -> None:
    process, root = stdin_app
    out, err = line_queues(process)
    port = int(out.get(timeout=WAIT).split()[-1])
    main = root / "main.mjs"
    deadline = time.monotonic() + WAIT
    while not all(f"{kind} v1" in json.loads(fetch(port, "/")[0]) for kind in KINDS):  # v1 runs each kind
        assert time.monotonic() < deadline, fetch(port, "/")
        time.sleep(0.02)
    for version in (2, 3):
        main.write_text(main.read_text().replace(f"'v{version - 1}'", f"'v{version}'"))
        match = RERAN.fullmatch(err.get(timeout=WAIT))
        assert match and match[1] == (
            "1 server handed over, 5 timers released, 2 child processes ended, 1 worker thread terminated,"
            " 2 stdin readers closed"
        )
        assert out.get(timeout=WAIT) == f"listening on {port}"
    # The forked and the execFile'd child of the newest run are the app's only children.
    (app,) = children(process.pid)
    helpers = settled_children(app, 2)
    assert sorted(cmdline.rpartition(" ")[2] for cmdline in helpers.values()) == ["v3", "v3"]
    first = json.loads(fetch(port, "/")[0])
    time.sleep(0.3)  # 30 periods of every timer
    then = json.loads(fetch(port, "/")[0])
    for kind in KINDS:
        for old in ("v1", "v2"):
            # (v2 lived for one save: under load its thread may not have posted before it went)
            assert then.get(f"{kind} {old}") == first.get(f"{kind} {old}"), f"{kind} {old} still runs"
        assert then[f"{kind} v3"] > first.get(f"{kind} v3", 0), f"{kind} v3 does not run"
    assert process.stdin is not None
    process.stdin.write("hello\n")
    process.stdin.flush()
    answers = sorted(out.get(timeout=WAIT) for _ in range(2))
    assert answers == ["v3 got hello", "v3 read 6"]
    time.sleep(0.3)
    assert out.empty()  # no old reader answered too


WS_INSTALLED = REPO / ".cache" / "apps-ws" / "node_modules"
WS_SERVER = """import http from 'node:http';
import { WebSocketServer } from 'ws';
const VERSION = 'v1';
const server = http.createServer((request, response) => response.end(VERSION));
new WebSocketServer({ server }).on('connection', (socket) => socket.send(`hello ${VERSION}`));
server.listen(0, '127.0.0.1', () => console.log(`listening on ${server.address().port}`));
"""
WS_CLIENT = """import WebSocket from 'ws';
// Prints what the server says and how each connection closed; reconnects at once after a close.
function connect() {
  const socket = new WebSocket(process.argv[2]);
  socket.on('message', (data) => console.log(String(data)));
  socket.on('close', (code, reason) => {
    console.log(`closed ${code} ${reason}`);
    connect();
  });
  socket.on('error', () => {});
}
connect();
"""


@pytest.mark.parametrize("major", MAJORS)
def test_a_websocket_client_reconnects_to_the_newest_code_after_each_rerun(
    major: int, tmp_path: Path
) -> None:
    if not WS_INSTALLED.is_dir():
        pytest.fail(f"{WS_INSTALLED} is missing: run scripts/install-apps.sh (make test does)")
    (tmp_path / "package.json").write_text('{"type": "module"}\n')
    (tmp_path / "node_modules").symlink_to(WS_INSTALLED)
    (tmp_path / "main.mjs").write_text(WS_SERVER)
    (tmp_path / "client.mjs").write_text(WS_CLIENT)
    node = node_binary(major)
    w = Watching(node, tmp_path)
    client = subprocess.Popen(
        [node, tmp_path / "client.mjs", f"ws://127.0.0.1:{w.port}/"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        said, _ = line_queues(client)
        assert said.get(timeout=WAIT) == "hello v1"
        for version in range(2, 5):
            save(w, "main.mjs", f"'v{version - 1}'", f"'v{version}'")
            match = RERAN.fullmatch(w.status())
            assert match and match[1] == "1 server handed over, 1 upgraded connection closed"
            # The old connection gets a clean close, "service restart", and the reconnect reaches new code.
            assert said.get(timeout=WAIT) == "closed 1012 service restart"
            assert said.get(timeout=WAIT) == f"hello v{version}"
    finally:
        client.kill()
        client.wait()
        end(w.process, set())


STUBBORN = """import http from 'node:http';
import { spawn } from 'node:child_process';
const VERSION = 'v1';
// A child that ignores SIGTERM: only the kill after the grace ends it.
const child = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"]);
const server = http.createServer((request, response) => response.end(`${VERSION} ${child.pid}`));
server.listen(0, '127.0.0.1', () => console.log(`listening on ${server.address().port}`));
"""


def test_a_child_that_ignores_sigterm_is_killed_after_the_kill_timeout(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"type": "module"}\n')
    main = tmp_path / "main.mjs"
    main.write_text(STUBBORN)
    command: list[str | Path] = [GRAPHKIT, "watch", main, "--node", node_binary(24), "--kill-timeout", "0.5"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    pids: set[int] = set()
    try:
        out, err = line_queues(process)
        port = int(out.get(timeout=WAIT).split()[-1])
        old = int(fetch(port, "/")[0].split()[1])
        pids.add(old)
        main.write_text(STUBBORN.replace("'v1'", "'v2'"))
        assert RERAN.fullmatch(err.get(timeout=WAIT))
        saved = time.monotonic()
        while old in children(children(process.pid).popitem()[0]):
            # The default grace is 10 s: well before it, --kill-timeout's half second has ended the child.
            assert time.monotonic() - saved < 5, "the old child outlived --kill-timeout"
            time.sleep(0.05)
        assert fetch(port, "/")[0].startswith("v2 ")
    finally:
        end(process, pids, next(iter(children(process.pid)), None))
