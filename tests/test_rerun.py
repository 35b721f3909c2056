"""Re-running real Express, Koa, Hono and Fastify apps in place under `graphkit watch`, on every Node major.

The apps (fixtures/framework-apps) are written the usual way: the entry imports its routes statically (Fastify
registers them through import() at start-up) and holds no graphkit-specific code. Node and the frameworks
are the real ones (`scripts/install-apps.sh` pins them).
"""

from __future__ import annotations

import http.client
import json
import re
import shutil
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from graphkit.live.host import Host
from graphkit.model import Effect, ImportKind
from graphkit.model.urls import path_to_url
from graphkit.planning.planner import plan
from tests.conftest import FIXTURES, NODE_MAJORS, REPO, node_binary
from tests.test_watch import WAIT, Watching

APPS = FIXTURES / "framework-apps"
FRAMEWORKS_INSTALLED = REPO / ".cache" / "apps-frameworks" / "node_modules"
FRAMEWORKS = ("express", "koa", "hono", "fastify")
RERAN = re.compile(r"graphkit: (\S+): re-ran the app in \d+ ms \((\d+) modules evicted, (.*)\)")


def framework_app(framework: str, tmp_path: Path) -> Path:
    """The app with ``framework``'s entry as main.mjs and the pinned frameworks as its node_modules."""
    if not FRAMEWORKS_INSTALLED.is_dir():
        pytest.fail(f"{FRAMEWORKS_INSTALLED} is missing: run scripts/install-apps.sh (make test does)")
    root = tmp_path / framework
    shutil.copytree(APPS / "common", root)
    shutil.copy(APPS / f"{framework}.mjs", root / "main.mjs")
    (root / "node_modules").symlink_to(FRAMEWORKS_INSTALLED)
    return root


def pairs() -> Iterator[object]:
    # Every pair runs: @hono/node-server 2 and Fastify 5 name Node 20 as their minimum, yet run on 18.
    for framework in FRAMEWORKS:
        for major in NODE_MAJORS:
            yield pytest.param((framework, major), id=f"{framework}-node{major}")


@pytest.fixture
def watched(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Watching]:
    framework, major = request.param
    session = Watching(node_binary(major), framework_app(framework, tmp_path))
    yield session
    if session.process.poll() is None:
        session.process.kill()
        session.process.wait()


def header(port: int, path: str, name: str) -> str | None:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
        value: str | None = response.headers.get(name)
        return value


def save(w: Watching, relative: str, old: str, new: str) -> None:
    """Saves an edit the way editors that write a copy and rename it do: no reader sees a half-written file
    (which an in-place write under a loaded machine can show, as the hammering client makes it)."""
    path = w.root / relative
    text = path.read_text()
    assert old in text, f"{relative} has no {old!r}"
    copy = path.with_name(f".{path.name}.new")
    copy.write_text(text.replace(old, new))
    copy.replace(path)


def reran(w: Watching, file: str) -> str:
    """Waits for the status line of a re-run after a save of ``file``; returns what it released."""
    line = w.status()
    match = RERAN.fullmatch(line)
    assert match and match[1] == file, line
    return match[3]


@pytest.mark.parametrize("watched", list(pairs()), indirect=True)
def test_edits_rerun_the_app_in_its_process(watched: Watching) -> None:
    w = watched
    db = w.get("/db")
    assert re.fullmatch(r"db open, opened 1 times, pid \d+", db)
    assert w.get("/users") == "users v1 #1"
    assert w.get("/ticks") == "tickers=1 clocks=1"

    save(w, "routes/users.mjs", "users v1", "users v2")
    # The entry's server was handed over and its ticker interval released; clock.mjs's interval survives.
    assert reran(w, "routes/users.mjs") == "1 server handed over, 1 timer released"
    assert w.get("/users") == "users v2 #2"  # new code; the counter in the unchanged store kept counting
    save(w, "middleware.mjs", "mw v1", "mw v2")
    reran(w, "middleware.mjs")
    assert header(w.port, "/users", "x-mw") == "mw v2"
    save(w, "lib/helper.mjs", "#", "no. ")
    reran(w, "lib/helper.mjs")
    assert w.get("/users") == "users v2 no. 4"

    # Broken saves are refused before anything is disposed: same code, same interval, same database.
    save(w, "routes/users.mjs", "export function", "export functio")
    assert w.status() == (
        "graphkit: routes/users.mjs: Unexpected token 'export' at routes/users.mjs:4:1; kept old code"
    )
    assert w.get("/users") == "users v2 no. 5"
    assert w.get("/ticks") == "tickers=1 clocks=1"
    save(w, "routes/users.mjs", "export functio", "export function")
    reran(w, "routes/users.mjs")
    save(w, "routes/users.mjs", "import { next }", "import { gone, next }")
    assert w.status() == (
        "graphkit: routes/users.mjs: The requested module '../store.mjs' does not provide an export named"
        " 'gone' at routes/users.mjs:2:10; kept old code"
    )
    assert w.get("/users") == "users v2 no. 6"
    save(w, "routes/users.mjs", "import { gone, next }", "import { next }")
    reran(w, "routes/users.mjs")
    save(w, "routes/users.mjs", "../lib/helper.mjs", "../lib/helpers.mjs")
    assert re.fullmatch(
        r"graphkit: routes/users.mjs: Cannot find module .*/lib/helpers.mjs.* at routes/users.mjs:1:23;"
        r" kept old code",
        w.status(),
    )
    assert w.get("/ticks") == "tickers=1 clocks=1"
    save(w, "routes/users.mjs", "../lib/helpers.mjs", "../lib/helper.mjs")
    reran(w, "routes/users.mjs")

    for version in range(2, 22):
        save(w, "routes/users.mjs", f"users v{version}", f"users v{version + 1}")
        reran(w, "routes/users.mjs")
    assert w.get("/users") == "users v22 no. 7"
    # After 20 re-runs: one ticker interval (not 21), clock.mjs's own still running, same process and db.
    assert w.get("/ticks") == "tickers=1 clocks=1"
    assert w.get("/db") == db


def hammer(port: int, stop: threading.Event, seen: set[str], failures: list[str]) -> None:
    """Requests back to back, a new connection each, until ``stop``; every failure is recorded."""
    while not stop.is_set():
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/users", timeout=5) as response:
                seen.add(response.read().decode().split(" #")[0].split(" no.")[0])
        except (OSError, urllib.error.HTTPError) as error:
            failures.append(repr(error))


@pytest.mark.parametrize(
    "watched",
    [
        pytest.param(("express", major), id=f"express-node{major}") for major in NODE_MAJORS
    ]
    + [pytest.param((framework, 22), id=f"{framework}-node22") for framework in FRAMEWORKS[1:]],
    indirect=True,
)
def test_a_client_hammering_the_app_sees_no_failed_request(watched: Watching) -> None:
    w = watched
    stop = threading.Event()
    seen: set[str] = set()
    failures: list[str] = []
    client = threading.Thread(target=hammer, args=(w.port, stop, seen, failures))
    client.start()
    try:
        for version in range(1, 51):
            save(w, "routes/users.mjs", f"users v{version}", f"users v{version + 1}")
            reran(w, "routes/users.mjs")
    finally:
        stop.set()
        client.join()
    assert failures == []
    assert len(seen) > 2  # the client saw versions change under it
    assert w.get("/users").startswith("users v51 ")


def test_restart_on_entry_starts_a_new_process(tmp_path: Path) -> None:
    w = Watching(node_binary(22), framework_app("express", tmp_path), ["--restart-on-entry"])
    try:
        db = w.get("/db")
        save(w, "routes/users.mjs", "users v1", "users v2")
        assert re.fullmatch(
            r"graphkit: routes/users.mjs: restarted the app in \d+ ms \(.*the entry would be evicted.*\)",
            w.status(),
        )
        w.port = w.wait_port()
        assert w.get("/users") == "users v2 #1"  # a new process: the store starts again
        assert w.get("/db") != db
    finally:
        w.process.kill()
        w.process.wait()


def test_import_at_start_up_is_a_linking_edge_and_per_request_import_is_not(tmp_path: Path) -> None:
    fastify = framework_app("fastify", tmp_path)
    http_app = tmp_path / "http-app"
    shutil.copytree(FIXTURES / "http-app", http_app)
    node = node_binary(22)

    def kinds(entry: Path, first_path: str) -> dict[tuple[str, str], ImportKind]:
        with Host(entry, node=node, stdout=-1) as host:
            assert host.process.stdout is not None
            port = int(host.process.stdout.readline().split()[-1])
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{first_path}", timeout=5):
                pass
            graph = host.snapshot()
        return {(e.source, e.target or ""): e.kind for e in graph.edges}

    registered = kinds(fastify / "main.mjs", "/users")
    plugin = (path_to_url(fastify / "main.mjs"), path_to_url(fastify / "routes" / "plugin.mjs"))
    assert registered[plugin] is ImportKind.STARTUP
    per_request = kinds(http_app / "main.mjs", "/hello")
    routes = (path_to_url(http_app / "main.mjs"), path_to_url(http_app / "routes" / "index.mjs"))
    assert per_request[routes] is ImportKind.DYNAMIC


@pytest.mark.parametrize("major", [m for m in NODE_MAJORS if m >= 20])  # Node 18 frees under pressure only
def test_old_app_objects_are_freed_after_reruns(major: int, tmp_path: Path) -> None:
    # Nothing graphkit keeps (the effect registry, the handover, the host) holds an old Express app, even
    # though each app's server, interval and process listener did.
    root = tmp_path / "rerun-gc"
    shutil.copytree(FIXTURES / "rerun-gc", root)
    (root / "node_modules").symlink_to(FRAMEWORKS_INSTALLED)
    node = node_binary(major)
    with Host(root / "app.mjs", node=node, node_options=["--expose-gc"], stdin=-1, stdout=-1) as host:
        assert host.process.stdin is not None and host.process.stdout is not None
        port = int(host.process.stdout.readline().split()[-1])
        for version in range(5):
            route = root / "route.mjs"
            route.write_text(route.read_text().replace(f"v{version}", f"v{version + 1}"))
            eviction = plan(host.snapshot(), [path_to_url(route)], host.entry_url)
            result = host.apply(eviction)
            assert (result.ok, result.handed_over) == (True, 1)
            assert result.released == {Effect.SERVER: 1, Effect.TIMER: 1, Effect.LISTENER: 1}
            assert host.process.stdout.readline().split()[-1] == str(port).encode()  # the same socket
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
            assert response.read() == b"route v5"
        host.process.stdin.write(b"count\n")
        host.process.stdin.flush()
        counts = json.loads(host.process.stdout.readline())
    assert counts == {"alive": [5], "total": 6}  # only the current app


def test_a_request_in_flight_finishes_on_the_old_code_and_its_connection_closes(
    any_node: Path, tmp_path: Path
) -> None:
    root = tmp_path / "inflight-app"
    shutil.copytree(FIXTURES / "inflight-app", root)
    with Host(root / "main.mjs", node=any_node, stdout=-1) as host:
        assert host.process.stdout is not None
        port = int(host.process.stdout.readline().split()[-1])
        held = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            held.request("GET", "/slow")  # keep-alive, as http.client speaks HTTP/1.1
            assert host.process.stdout.readline() == b"holding\n"  # the old server is serving it
            version = root / "version.mjs"
            version.write_text(version.read_text().replace("v1", "v2"))
            result = host.apply(plan(host.snapshot(), [path_to_url(version)], host.entry_url))
            assert (result.ok, result.handed_over) == (True, 1)
            assert host.process.stdout.readline() == f"listening on {port}\n".encode()
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/release", timeout=5) as response:
                assert response.read() == b"v2"  # a new connection reaches the new code
            answer = held.getresponse()
            assert (answer.read(), answer.getheader("connection")) == (b"v1", "close")
        finally:
            held.close()


SERVER = """import http from 'node:http';
import { text } from './text.mjs';
const server = http.createServer((request, response) => response.end(`${text} VERSION ${process.pid}`));
LISTEN
AFTER
"""


def server(version: str, listen: str, after: str = "") -> str:
    return SERVER.replace("VERSION", version).replace("LISTEN", listen).replace("AFTER", after)
RERAN_HANDED_OVER = r"graphkit: {}: re-ran the app in \d+ ms \({} evicted, 1 server handed over\)"
LISTEN = "server.listen(0, '127.0.0.1', () => console.log(`listening on ${server.address().port}`));"
AWAITED = "await new Promise((done) => server.listen(0, '127.0.0.1', done));"


def text_app(root: Path, major: int) -> Watching:
    """SERVER at v1 over text.mjs in ``root``, under ``graphkit watch``."""
    (root / "package.json").write_text('{"type": "module"}\n')
    (root / "text.mjs").write_text("export const text = 'hello';\n")
    (root / "main.mjs").write_text(server("v1", LISTEN))
    return Watching(node_binary(major), root)


def served(w: Watching) -> tuple[str, str]:
    """The text the app serves and the pid serving it."""
    text, _, pid = w.get("/").rpartition(" ")
    return text, pid


@pytest.mark.parametrize("major", NODE_MAJORS)
def test_a_rerun_that_fails_after_listening_is_rolled_back(major: int, tmp_path: Path) -> None:
    w = text_app(tmp_path, major)
    main = tmp_path / "main.mjs"
    try:
        text, pid = served(w)
        assert text == "hello v1"
        failures = [  # the new server listens, then the entry fails: the old one keeps the socket
            (LISTEN, "throw new Error('boom after listen');", "boom after listen at main.mjs:5:7"),
            (AWAITED, "throw new Error('boom after await');", "boom after await at main.mjs:5:7"),
            (LISTEN, "await Promise.reject(new Error('rejected'));", "rejected at main.mjs:5:22"),
        ]
        for version, (listen, after, where) in enumerate(failures, start=2):
            save(w, "main.mjs", main.read_text(), server(f"v{version}", listen, after))
            assert w.status() == f"graphkit: main.mjs: {where}; kept old code"
            assert served(w) == ("hello v1", pid)
        save(w, "main.mjs", main.read_text(), server("v5", LISTEN))
        ran = RERAN_HANDED_OVER
        assert re.fullmatch(ran.format("main.mjs", "1 module"), w.status())
        assert served(w) == ("hello v5", pid)
        save(w, "text.mjs", "hello", "hi")
        assert re.fullmatch(ran.format(r"text\.mjs", "2 modules"), w.status())
        assert served(w) == ("hi v5", pid)
    finally:
        if w.process.poll() is None:
            w.process.kill()
            w.process.wait()


@pytest.mark.parametrize("major", NODE_MAJORS)
def test_a_keep_alive_client_gets_the_new_code_on_its_next_request(major: int, tmp_path: Path) -> None:
    # A browser keeps its connection to the old server open: the request it sends once the line is out is
    # answered by the re-run app, unless the re-run was rolled back.
    w = text_app(tmp_path, major)
    main = tmp_path / "main.mjs"
    held = http.client.HTTPConnection("127.0.0.1", w.port, timeout=10)

    def ask() -> tuple[str, str | None]:
        held.request("GET", "/")
        answer = held.getresponse()
        return answer.read().decode().rpartition(" ")[0], answer.getheader("connection")

    try:
        assert ask() == ("hello v1", "keep-alive")
        save(w, "main.mjs", main.read_text(), server("v2", LISTEN, "throw new Error('boom');"))
        assert w.status().endswith("; kept old code")
        assert ask() == ("hello v1", "keep-alive")  # rolled back: the old server serves on as before
        save(w, "main.mjs", main.read_text(), server("v3", LISTEN))
        assert "re-ran the app" in w.status()
        assert ask() == ("hello v3", "close")  # the last on the old server's connection
        assert ask() == ("hello v3", "keep-alive")  # http.client opened one to the new server
    finally:
        held.close()
        if w.process.poll() is None:
            w.process.kill()
            w.process.wait()


@pytest.mark.parametrize("major", [20, 24])
def test_a_rerun_whose_server_cannot_listen_is_rolled_back(major: int, tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"type": "module"}\n')
    (tmp_path / "text.mjs").write_text("export const text = 'hello';\n")
    main = tmp_path / "main.mjs"
    main.write_text(server("v1", LISTEN))
    w = Watching(node_binary(major), tmp_path)
    with socket.socket() as taken:  # another process holds this port
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        on_busy_port = LISTEN.replace("listen(0", f"listen({busy}")
        try:
            text, pid = served(w)
            assert text == "hello v1"
            save(w, "main.mjs", main.read_text(), server("v2", on_busy_port))
            assert w.status() == (
                f"graphkit: main.mjs: listen EADDRINUSE: address already in use 127.0.0.1:{busy} at main.mjs;"
                " kept old code"
            )
            assert served(w) == ("hello v1", pid)  # the old server, in the same process
            # With an 'error' listener of its own, the app hears of it too; the re-run is still rolled back.
            handled = "server.on('error', (error) => console.log(`app saw ${error.code}`));"
            save(w, "main.mjs", main.read_text(), server("v3", on_busy_port, handled))
            assert w.out.get(timeout=WAIT) == "app saw EADDRINUSE"
            assert w.status().endswith(f"127.0.0.1:{busy} at main.mjs; kept old code")
            assert served(w) == ("hello v1", pid)
            save(w, "main.mjs", main.read_text(), server("v4", LISTEN))
            assert re.fullmatch(RERAN_HANDED_OVER.format("main.mjs", "1 module"), w.status())
            assert served(w) == ("hello v4", pid)
        finally:
            if w.process.poll() is None:
                w.process.kill()
                w.process.wait()


ONCE_LOADER = """// Imports each file of a folder once for the life of the process, and keeps what it got.
const { readdirSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');
const loaded = new Map();
module.exports = async function load(folder) {
  const found = [];
  for (const name of readdirSync(folder).sort()) {
    const file = join(folder, name);
    if (!loaded.has(file)) loaded.set(file, await import(pathToFileURL(file).href));
    found.push(loaded.get(file));
  }
  return found;
};
"""


def test_a_rerun_whose_boot_does_not_import_the_saved_module_again_restarts_the_app(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"type": "module"}\n')
    loader = tmp_path / "node_modules" / "once-loader"
    loader.mkdir(parents=True)
    (loader / "package.json").write_text('{"name": "once-loader", "main": "index.js"}\n')
    (loader / "index.js").write_text(ONCE_LOADER)
    (tmp_path / "routes").mkdir()
    (tmp_path / "routes" / "a.mjs").write_text("export const text = 'route v1';\n")
    (tmp_path / "main.mjs").write_text(
        "import http from 'node:http';\n"
        "import load from 'once-loader';\n"
        "const routes = await load(new URL('./routes', import.meta.url).pathname);\n"
        "const server = http.createServer((q, s) => s.end(`${routes[0].text} ${process.pid}`));\n"
        f"{LISTEN}\n"
    )
    w = Watching(node_binary(24), tmp_path)
    try:
        text, pid = served(w)
        assert text == "route v1"
        save(w, "routes/a.mjs", "route v1", "route v2")
        # Re-run in place, the loader hands back what it imported the first time: only a new process
        # serves the new code, and the status line says so.
        assert re.fullmatch(
            r"graphkit: routes/a\.mjs: restarted the app in \d+ ms \(re-run in place, it did not import"
            r" routes/a\.mjs again, so it would have served the old code\)",
            w.status(),
        )
        assert w.wait_port() == w.port  # the re-run listened, on the socket handed over
        w.port = w.wait_port()  # then the new process
        text, new_pid = served(w)
        assert (text, new_pid != pid) == ("route v2", True)
    finally:
        if w.process.poll() is None:
            w.process.kill()
            w.process.wait()
