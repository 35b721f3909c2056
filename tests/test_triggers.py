"""What reloads an app under `graphkit watch`: what Node read (modules, the package.json of their scope,
env files, every query-string URL of a saved file), not what the app writes. On real Node, asserting what
the app serves and whether its process changed."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import networkx as nx
import pytest

from graphkit.hmr.envfiles import env_files
from graphkit.hmr.own_writes import app_wrote
from graphkit.hmr.triggers import Candidates, QueriedUrls, candidates, sort
from graphkit.hmr.watcher import Batch
from graphkit.live.host import Host
from graphkit.model.urls import path_to_url
from tests.conftest import node_binary
from tests.test_host import copy_fixture
from tests.test_watch import WAIT, Watching

# Not main.mjs: the probe tests run each fixtures/**/main.mjs in place, and this app writes to its folder.
ENTRY = "server.mjs"
QUIET = 1.5  # seconds in which an app that loops would re-run hundreds of times


@pytest.fixture(params=(20, 24), ids=("node20", "node24"))
def node(request: pytest.FixtureRequest) -> Path:
    return node_binary(request.param)


@pytest.fixture
def start(node: Path, tmp_path: Path) -> Iterator[Callable[..., Watching]]:
    sessions: list[Watching] = []

    def started(*node_options: str) -> Watching:
        """The app under watch; ``{root}`` in a node option is the app's folder."""
        root = copy_fixture("triggers-app", tmp_path)
        session = Watching(node, root, entry=ENTRY, node_options=[o.format(root=root) for o in node_options])
        sessions.append(session)
        return session

    yield started
    for session in sessions:
        if session.process.poll() is None:
            session.process.kill()
            session.process.wait()


def served(w: Watching, path: str = "/") -> dict[str, str]:
    """The app's answer as fields: ``v1 runs=1 pid=42`` -> {"": "v1", "runs": "1", "pid": "42"}."""
    first, *pairs = w.get(path).split()
    return {"": first, **dict(pair.split("=") for pair in pairs)}


def until(w: Watching, path: str, done: Callable[[dict[str, str]], bool]) -> dict[str, str]:
    deadline = time.monotonic() + WAIT
    while not done(answer := served(w, path)):
        assert time.monotonic() < deadline, f"the app still serves {answer}"
        time.sleep(0.05)
    return answer


def restarted(w: Watching) -> dict[str, str]:
    """What the restarted app serves, once it listens on a port other than the old process's."""
    old = w.port
    while w.port == old:
        w.port = w.wait_port()  # a re-run in place said it listens again, on the same port
    return served(w)


def restarted_pid(w: Watching, old: str) -> str:
    pid = served(w)["pid"]
    assert pid != old
    return pid


def status_lines(w: Watching) -> list[str]:
    lines = []
    while not w.err.empty():
        lines.append(w.err.get())
    return lines


def test_what_the_app_writes_is_no_reload_and_a_package_json_matters_once_node_read_it(
    start: Callable[..., Watching],
) -> None:
    w = start()
    first = served(w)
    pid = first["pid"]
    time.sleep(QUIET)  # the app rewrote data.json as it started and writes state/now.json every 50 ms
    assert served(w) == {"": "v1", "runs": "1", "pid": pid}
    # At most one line, for data.json written as the app started; never one per write of state/.
    assert all("data.json: written by the app" in line for line in status_lines(w))

    w.edit("fixtures/sample/package.json", "commonjs", "module")  # a package.json Node never read
    time.sleep(QUIET)
    assert served(w) == {"": "v1", "runs": "1", "pid": pid}

    w.edit("data.json", "v1", "v2")  # imported: the entry re-runs, and rewrites data.json as it does
    assert until(w, "/", lambda a: a[""] == "v2") == {"": "v2", "runs": "2", "pid": pid}
    time.sleep(QUIET)
    assert served(w) == {"": "v2", "runs": "2", "pid": pid}  # its own write did not re-run it again
    assert any(re.search(r"data.json: written by the app", line) for line in status_lines(w))

    w.edit("package.json", '"private": true', '"private": false')  # the scope of every module: read
    assert restarted(w) == {"": "v2", "runs": "1", "pid": restarted_pid(w, pid)}


def test_a_module_imported_with_a_query_string_is_reloaded_when_its_file_is_saved(
    start: Callable[..., Watching],
) -> None:
    w = start()
    pid = served(w)["pid"]
    assert w.get("/q") == "q1"
    w.edit("q.mjs", "q1", "q2")
    until(w, "/q", lambda a: a[""] == "q2")
    assert served(w) == {"": "v1", "runs": "1", "pid": pid}  # reloaded in place, the entry not re-run


def test_an_env_file_edit_restarts_the_app_with_the_new_env(start: Callable[..., Watching]) -> None:
    w = start("--env-file={root}/.env")
    before = served(w, "/env")
    assert before[""] == "hello"
    w.edit(".env", "hello", "bonjour")
    after = restarted(w)  # Node reads env files only at start: a new process
    assert served(w, "/env") == {"": "bonjour", "pid": after["pid"]}
    assert after["pid"] != before["pid"]


def test_an_ignored_file_is_never_a_reason_to_reload(node: Path, tmp_path: Path) -> None:
    w = Watching(node, copy_fixture("triggers-app", tmp_path), ["--ignore=q.mjs"], entry=ENTRY)
    try:
        assert w.get("/q") == "q1"
        time.sleep(QUIET)  # past the start, whose JSON writes count as the app's own
        w.edit("q.mjs", "q1", "q2")
        w.edit("data.json", "v1", "v2")  # saved after q.mjs: once it is served, q.mjs's save was handled
        until(w, "/", lambda a: a[""] == "v2")
        assert w.get("/q") == "q1"
    finally:
        w.process.kill()
        w.process.wait()


# The app: package.json, src/a.mjs, lib/package.json (its own scope), lib/b.mjs, data.json loaded, and
# fixtures/sample/package.json beside nothing loaded.
LOADED = ("src/a.mjs", "lib/b.mjs", "data.json", "q.mjs?v=1")


@pytest.mark.parametrize(
    ("saved", "trigger"),
    [
        ("package.json", True),  # the scope of src/a.mjs
        ("lib/package.json", True),  # the scope of lib/b.mjs
        ("fixtures/sample/package.json", False),  # nothing loaded below it
        ("src/package.json", True),  # made between src/a.mjs and its scope: Node would read it now
        ("src/deep/package.json", False),  # nothing loaded below it
        ("data.json", True),  # imported
        ("state.json", False),  # written by the app, never imported
        ("q.mjs", True),  # loaded with a query
        ("new.mjs", True),  # code the app has not loaded: its boot may import it
        ("notes.txt", False),  # not something Node loads
    ],
)
def test_a_save_triggers_a_reload_when_node_read_the_file(tmp_path: Path, saved: str, trigger: bool) -> None:
    g = nx.DiGraph()
    for name in ("package.json", "lib/package.json", "fixtures/sample/package.json", *LOADED):
        file, query, _ = name.partition("?")
        (tmp_path / file).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / file).write_text("{}")
        if name in LOADED:
            g.add_node(path_to_url(tmp_path / file) + (f"?{name.partition('?')[2]}" if query else ""))
    path = tmp_path / saved
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"saved": true}')
    triggers = sort(candidates(Batch((path,), ()), ()), g, QueriedUrls(), 1, lambda paths: set())
    assert (triggers.changed == (path,)) is trigger
    assert triggers.written == ()


def test_a_json_the_app_wrote_is_left_out_and_a_developer_save_of_it_is_not(tmp_path: Path) -> None:
    data, other, code = tmp_path / "data.json", tmp_path / "other.json", tmp_path / "a.mjs"
    entry = tmp_path / "main.mjs"
    entry.write_text(
        "import { writeFileSync } from 'node:fs';\nimport { rename, writeFile } from 'node:fs/promises';\n"
        "import data from './data.json' with { type: 'json' };\nimport './a.mjs';\n"
        "writeFileSync(new URL('./data.json', import.meta.url), JSON.stringify({ runs: data.runs + 1 }));\n"
        "writeFileSync(new URL('./gen.mjs', import.meta.url), 'export const made = 1;');\n"
        "await writeFile(new URL('./other.tmp', import.meta.url), '{}');\n"  # written aside, renamed onto
        "await rename(new URL('./other.tmp', import.meta.url), new URL('./other.json', import.meta.url));\n"
        "setTimeout(() => {}, 30_000);\n"
    )
    data.write_text('{"runs": 0}')
    other.write_text("{}")
    code.write_text("export {};\n")
    with Host(entry, node=node_binary(24)) as host:
        host.booted()
        g = host.snapshot().modules
        graph = nx.DiGraph()
        graph.add_nodes_from(m.url for m in g)
        own = partial(app_wrote, host)
        generated = tmp_path / "gen.mjs"  # code the app wrote and never loaded
        triggers = sort(Candidates((code, data, other, generated), (), ()), graph, QueriedUrls(), 1, own)
        assert (triggers.changed, triggers.written) == ((code,), (data, generated))  # other.json: never read
        assert app_wrote(host, [data, other]) == {data, other}
        time.sleep(0.05)
        data.write_text('{"runs": 9}')  # the developer's save comes after the app's write
        assert sort(Candidates((data,), (), ()), graph, QueriedUrls(), 1, own).changed == (data,)
        assert app_wrote(host, [data, other]) == {other}


def test_env_files_are_read_from_the_node_options_as_node_takes_them(tmp_path: Path) -> None:
    options = ["--enable-source-maps", f"--env-file={tmp_path}/a.env", "--env-file-if-exists", "b.env", "x"]
    assert env_files(options) == (tmp_path / "a.env", Path.cwd().resolve() / "b.env")
    assert env_files(["--env-file"]) == ()  # no value: Node refuses it with its own message
