"""An old module that code staying in the app still holds after a reload is not left serving.

A route module that registers its handler in a registry of a module the save does not reach (or adds a
listener to an emitter that stays) leaves the old handler there: a re-run adds the new one beside it, and
the app may go on answering with the old. Once the re-run is over (the servers it released have closed),
the host collects garbage and finds the old instance still alive (node_probe/kept.mjs, ``held``): graphkit
restarts the app, and restarts it at once on later saves that reach that module. The tests check what is
served and which process serves it, and that an app which lets its old modules go keeps its process.
Node 18 frees evicted modules only under memory pressure, so nothing is checked there (a known limit).
"""

from __future__ import annotations

import queue
import time
from pathlib import Path

import pytest

from tests.conftest import node_binary
from tests.fastify_cli_app import ENTRIES
from tests.test_fastify_cli_app import edit, generated_app
from tests.test_rerun import framework_app
from tests.test_watch import Watching, free_port

MAJORS = (20, 22, 24, 26)
SERVER = """import {{ createServer }} from 'node:http';
import {{ handlers }} from './registry.mjs';
import './routes.mjs';
const server = createServer((request, response) => {{
  if (request.url === '/pid') return response.end(String(process.pid));
  response.end(handlers[0]());
}});
server.listen({port}, '127.0.0.1', () => console.log(`listening on ${{server.address().port}}`));
"""


def registry_app(root: Path) -> Path:
    root.mkdir()
    (root / "package.json").write_text('{"type": "module"}\n')
    (root / "main.mjs").write_text(SERVER.format(port=free_port()))
    (root / "registry.mjs").write_text(
        "export const handlers = [];\nexport const add = (handler) => handlers.push(handler);\n"
    )
    (root / "routes.mjs").write_text("import { add } from './registry.mjs';\nadd(() => 'one');\n")
    return root


def served_within(session: Watching, path: str, expected: str, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while (got := _get(session, path)) != expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return got


def _get(session: Watching, path: str) -> str:
    try:
        return session.get(path)
    except OSError:
        return ""  # between the old process and the new one


@pytest.mark.parametrize("major", MAJORS)
def test_an_old_handler_held_by_a_module_that_stays_is_not_left_serving(major: int, tmp_path: Path) -> None:
    session = Watching(node_binary(major), registry_app(tmp_path / "app"))
    try:
        assert session.get("/") == "one"
        pid = session.get("/pid")
        session.edit("routes.mjs", "'one'", "'two'")
        first = session.status()
        # The re-run registered the new handler after the old one, which answers: graphkit finds the old
        # routes.mjs still alive once the re-run is over and restarts the app.
        line = session.status()
        assert served_within(session, "/", "two", 5) == "two", (first, line)
        assert session.get("/pid") != pid, line
        assert "routes.mjs" in line, line
        # A later save that reaches routes.mjs restarts the app straight away.
        pid = session.get("/pid")
        session.edit("routes.mjs", "'two'", "'three'")
        line = session.status()
        assert served_within(session, "/", "three", 5) == "three", line
        assert session.get("/pid") != pid, line
        with pytest.raises(queue.Empty):
            print(session.err.get(timeout=2))  # that restart is the save's only line: nothing held is left
    finally:
        session.stop()


def test_a_handler_its_module_takes_out_on_dispose_reloads_in_its_process(tmp_path: Path) -> None:
    root = registry_app(tmp_path / "app")
    (root / "routes.mjs").write_text(
        "import { add, handlers } from './registry.mjs';\n"
        "const hot = globalThis[Symbol.for('graphkit.hot')]?.(import.meta);\n"
        "const handler = () => 'one';\nadd(handler);\n"
        "hot?.dispose(() => handlers.splice(handlers.indexOf(handler), 1));\n"
    )
    session = Watching(node_binary(24), root)
    try:
        pid = session.get("/pid")
        for old, new in (("one", "two"), ("two", "three")):
            session.edit("routes.mjs", f"'{old}'", f"'{new}'")
            line = session.status()
            assert session.get("/") == new, line
            with pytest.raises(queue.Empty):
                print(session.err.get(timeout=3))
            assert session.get("/pid") == pid
    finally:
        session.stop()


@pytest.mark.parametrize("framework", ["express", "fastify", "koa", "hono"])
def test_an_app_that_lets_its_old_modules_go_keeps_its_process(framework: str, tmp_path: Path) -> None:
    session = Watching(node_binary(24), framework_app(framework, tmp_path))
    try:
        pid = session.get("/db")
        for old, new in (("v1", "v2"), ("v2", "v3")):
            session.edit("routes/users.mjs", f"users {old}", f"users {new}")
            line = session.status()
            assert "re-ran the app" in line, line
            assert new in session.get("/users"), line
            with pytest.raises(queue.Empty):  # the check (a second and more after the re-run) finds nothing
                print(session.err.get(timeout=3))
            assert session.get("/db") == pid
    finally:
        session.stop()


@pytest.mark.parametrize("entry", ENTRIES)
def test_the_app_fastify_cli_generates_lets_its_old_modules_go(
    entry: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PORT", "0")
    root = generated_app(tmp_path)
    session = Watching(node_binary(24), root, entry=entry)
    try:
        pid = session.get("/pid")
        for old, new in (("true", "'v2'"), ("'v2'", "'v3'")):
            edit(root, "routes/root.js", f"root: {old}", f"root: {new}")
            line = session.status()
            assert "re-ran the app" in line, line
            assert session.get("/") == '{"root":"' + new.strip("'") + '"}', line
            with pytest.raises(queue.Empty):
                print(session.err.get(timeout=3))
            assert session.get("/pid") == pid
    finally:
        session.stop()
