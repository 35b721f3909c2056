"""The HMR host in a real Node process: reloads, rollbacks, dispose/accept/update and freed instances."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from graphkit.errors import NodeError, ProbeError
from graphkit.extract.accepts import accepting_modules
from graphkit.live.host import ApplyResult, Host
from graphkit.model import Command, PlanStatus
from graphkit.model.urls import path_to_url
from graphkit.planning.planner import plan
from tests.conftest import FIXTURES, NODE_MAJORS, node_binary


def fetch(port: int, path: str) -> tuple[str, str | None]:
    """The body of one response (500s included: the app reports its errors there) and its x-banner header."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            banner: str | None = response.headers.get("x-banner")
            return response.read().decode().strip(), banner
    except urllib.error.HTTPError as error:
        return error.read().decode().strip(), None


@dataclass
class App:
    root: Path
    host: Host
    port: int

    def get(self, path: str) -> str:
        return fetch(self.port, path)[0]

    def banner(self) -> str | None:
        return fetch(self.port, "/hello")[1]

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.root / relative
        text = path.read_text()
        assert old in text, f"{relative} has no {old!r}"
        path.write_text(text.replace(old, new))

    def reload(self, *changed: str, deleted: tuple[str, ...] = ()) -> ApplyResult:
        graph = self.host.snapshot()
        eviction = plan(
            graph,
            [path_to_url(self.root / c) for c in changed],
            self.host.entry_url,
            accepting=accepting_modules(graph),
            deleted=[path_to_url(self.root / d) for d in deleted],
        )
        assert eviction.status is PlanStatus.OK, eviction
        return self.host.apply(eviction)


def copy_fixture(name: str, tmp_path: Path) -> Path:
    root = tmp_path / name
    shutil.copytree(FIXTURES / name, root)
    return root


@pytest.fixture
def app(any_node: Path, tmp_path: Path) -> Iterator[App]:
    root = copy_fixture("http-app", tmp_path)
    with Host(root / "main.mjs", node=any_node, stdout=subprocess.PIPE) as host:
        assert host.process.stdout is not None
        line = host.process.stdout.readline().decode()
        match = re.fullmatch(r"listening on (\d+)\n", line)
        assert match, line
        yield App(root, host, int(match[1]))


def test_the_host_reports_the_node_it_runs_in(app: App, any_node: Path) -> None:
    version = subprocess.run([any_node, "--version"], capture_output=True, text=True, check=True).stdout
    assert app.host.ping() == version.strip()


def test_an_edited_route_serves_new_code_on_the_same_port(app: App) -> None:
    assert app.get("/hello") == "HELLO V1 #1!"
    app.edit("routes/hello.mjs", "hello v1", "hello v2")
    result = app.reload("routes/hello.mjs")
    assert (result.ok, result.evicted, result.reimported) == (True, 2, 1)
    assert app.get("/hello") == "HELLO V2 #2!"  # the counter in main.mjs kept counting
    assert app.get("/updates") == "updates 1"  # main.mjs, the import() boundary, heard of it


def node_syntax_error(node: Path, module: Path) -> tuple[int, int]:
    """Where Node itself reports the syntax error of ``module``: the line and caret column it prints."""
    run = subprocess.run([node, module], capture_output=True, text=True, timeout=30)
    lines = run.stderr.splitlines()
    header = next(i for i, text in enumerate(lines) if text.startswith(path_to_url(module) + ":"))
    return int(lines[header].rsplit(":", 1)[1]), lines[header + 2].index("^") + 1


def test_a_syntax_error_keeps_the_old_code_until_it_is_fixed(app: App, any_node: Path) -> None:
    assert app.get("/hello") == "HELLO V1 #1!"
    app.edit("routes/hello.mjs", "export function hello", "export functio hello")
    result = app.reload("routes/hello.mjs")
    assert not result.ok and result.error is not None
    assert result.error.file == path_to_url(app.root / "routes/hello.mjs")
    assert (result.error.line, result.error.column) == node_syntax_error(
        any_node, app.root / "routes/hello.mjs"
    )
    assert app.get("/hello") == "HELLO V1 #2!"
    app.edit("routes/hello.mjs", "export functio hello", "export function hello")
    app.edit("routes/hello.mjs", "hello v1", "hello fixed")
    assert app.reload("routes/hello.mjs").ok
    assert app.get("/hello") == "HELLO FIXED #3!"


def test_a_throw_during_evaluation_is_rolled_back(app: App) -> None:
    assert app.get("/hello") == "HELLO V1 #1!"
    app.edit(
        "routes/hello.mjs", "export function", "throw new RangeError('no hello today');\nexport function"
    )
    result = app.reload("routes/hello.mjs")
    assert not result.ok and result.error is not None
    assert result.error.message == "no hello today"
    assert (result.error.file, result.error.line) == (path_to_url(app.root / "routes/hello.mjs"), 3)
    assert app.get("/hello") == "HELLO V1 #2!"
    assert app.get("/updates") == "updates 0"  # a failed reload notifies nobody


def test_a_missing_import_is_rolled_back(app: App) -> None:
    assert app.get("/hello") == "HELLO V1 #1!"
    (app.root / "lib/mark.mjs").unlink()
    result = app.reload(deleted=("lib/mark.mjs",))
    assert not result.ok and result.error is not None
    assert "lib/mark.mjs" in result.error.message
    assert app.get("/hello") == "HELLO V1 #2!"


def test_a_route_that_failed_before_any_reload_loads_after_a_sweep(app: App) -> None:
    app.edit("routes/hello.mjs", "export function", "export functio")
    assert app.get("/hello").startswith("error: Unexpected token")  # the app's own import() failed
    app.edit("routes/hello.mjs", "export functio", "export function")
    # Node replays a cached failure on v18-22 (v24+ caches nothing for it); after the sweep none is left.
    swept = app.host.sweep()
    assert set(swept) <= {
        path_to_url(app.root / f"routes/{name}.mjs") for name in ("hello", "index", "ticker")
    }
    assert app.get("/hello") == "HELLO V1 #2!"
    assert app.host.sweep() == ()


def test_an_edit_inside_the_import_cycle_reloads_the_whole_cycle(app: App) -> None:
    assert app.get("/hello") == "HELLO V1 #1!"
    app.edit("lib/shout.mjs", "excitement = 1", "excitement = 3")
    result = app.reload("lib/shout.mjs")
    # shout.mjs and mark.mjs (the cycle), hello.mjs and index.mjs above them.
    assert (result.ok, result.evicted) == (True, 4)
    assert app.get("/hello") == "HELLO V1 #2!!!"


def test_dispose_clears_the_timer_and_data_carries_state(app: App) -> None:
    assert app.get("/ticks") == "ticker v1 generation=0 inherited=false timers=1"
    time.sleep(0.05)  # let the 5 ms timer tick at least once, so the first dispose hands ticks over
    for generation in (1, 2):
        app.edit("routes/ticker.mjs", f"ticker v{generation}", f"ticker v{generation + 1}")
        assert app.reload("routes/ticker.mjs").ok
        expected = f"ticker v{generation + 1} generation={generation} inherited=true timers=1"
        assert app.get("/ticks") == expected


def test_an_accepting_module_takes_the_update_without_evicting_its_importer(app: App) -> None:
    assert app.banner() == "banner v1"
    app.edit("banner.mjs", "'banner v1'", "'banner v2'")
    result = app.reload("banner.mjs")
    assert (result.ok, result.evicted, result.reimported) == (True, 1, 1)
    assert app.banner() == "banner v2"
    assert app.get("/hello") == "HELLO V1 #3!"  # main.mjs was not evaluated again


def test_a_throwing_dispose_is_reported_not_fatal(app: App) -> None:
    assert app.get("/ticks").startswith("ticker v1")
    app.edit("routes/ticker.mjs", "clearInterval(timer);", "clearInterval(timer); throw new Error('dirty');")
    assert app.reload("routes/ticker.mjs").ok  # this reload installs the throwing dispose
    app.edit("routes/ticker.mjs", "ticker v1", "ticker v2")
    result = app.reload("routes/ticker.mjs")
    assert result.ok
    assert result.warnings == (f"{path_to_url(app.root / 'routes/ticker.mjs')}: dispose failed: dirty",)
    # The throw cut the dispose short: the generation it would have handed over was never written.
    assert app.get("/ticks").startswith("ticker v2 generation=1 ")


@pytest.mark.parametrize("major", [m for m in NODE_MAJORS if m >= 20])
def test_evicted_instances_are_freed(major: int, tmp_path: Path) -> None:
    root = copy_fixture("hmr-gc", tmp_path)
    node = node_binary(major)
    with Host(
        root / "main.mjs",
        node=node,
        node_options=["--expose-gc"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    ) as host:
        assert host.process.stdin is not None and host.process.stdout is not None
        host.booted()  # so the import() "load" makes is not part of the app's start-up
        host.process.stdin.write(b"load\n")
        host.process.stdin.flush()
        assert host.process.stdout.readline() == b"ready\n"
        app = App(root, host, 0)
        for version in range(5):
            app.edit("payload.mjs", f"version: {version}", f"version: {version + 1}")
            assert app.reload("payload.mjs").ok
        host.process.stdin.write(b"count\n")
        host.process.stdin.flush()
        counts = json.loads(host.process.stdout.readline())
    assert counts["total"] == 6
    assert counts["alive"] == [5]  # only the current instance


def test_the_fixture_runs_without_the_host(any_node: Path, tmp_path: Path) -> None:
    root = copy_fixture("http-app", tmp_path)
    with subprocess.Popen([any_node, root / "main.mjs"], stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            port = int(process.stdout.readline().split()[-1])
            assert fetch(port, "/hello") == ("HELLO V1 #1!", "banner v1")
            assert fetch(port, "/ticks")[0] == "ticker v1 generation=0 inherited=false timers=1"
            assert fetch(port, "/updates")[0] == "updates 0"
        finally:
            process.terminate()


# Load hooks that give greeting.mjs the source of spoken.mjs, handing Node the context they were given; the
# second also names the module record after spoken.mjs (its responseURL).
SERVING_HOOKS = """\
export async function load(url, context, nextLoad) {
  if (!url.endsWith('/greeting.mjs')) return nextLoad(url, context);
  const { source } = await nextLoad(new URL('./spoken.mjs', url).href, context);
  return { format: 'module', source, shortCircuit: true };
}
"""
REDIRECTING_HOOKS = """\
export async function load(url, context, nextLoad) {
  if (url.endsWith('/greeting.mjs')) return nextLoad(new URL('./spoken.mjs', url).href, context);
  return nextLoad(url, context);
}
"""


def hooked_app(root: Path, hooks: str, how: str) -> list[str]:
    """An entry that imports greeting.mjs at start-up (a reload of it re-runs the entry); its node options."""
    (root / "hooks.mjs").write_text(hooks)
    (root / "greeting.mjs").write_text("console.log('greeting v1');\n")
    (root / "spoken.mjs").write_text("console.log('spoken v1');\n")
    registering = "import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n"
    (root / "main.mjs").write_text(
        (registering if how == "register" else "")
        + "await import('./greeting.mjs');\nsetInterval(() => {}, 1 << 30);\n"
    )
    return [] if how == "register" else [how, (root / "hooks.mjs").as_uri()]


def reload_printing(host: Host, changed: Path) -> bytes:
    """Reloads ``changed`` and returns the next line the app prints."""
    assert host.process.stdout is not None
    eviction = plan(host.snapshot(), [path_to_url(changed)], host.entry_url)
    assert host.apply(eviction).ok
    return host.process.stdout.readline()


@pytest.mark.parametrize("how", ["register", "--experimental-loader"])
def test_load_hooks_decide_the_source_of_every_load_of_a_reload(
    how: str, any_node: Path, tmp_path: Path
) -> None:
    options = hooked_app(tmp_path, SERVING_HOOKS, how)
    with Host(tmp_path / "main.mjs", node=any_node, node_options=options, stdout=subprocess.PIPE) as host:
        assert host.process.stdout is not None
        assert host.process.stdout.readline() == b"spoken v1\n"
        (tmp_path / "spoken.mjs").write_text("console.log('spoken v2');\n")
        assert reload_printing(host, tmp_path / "greeting.mjs") == b"spoken v2\n"


# Node 18's jobs carry no URL: its live graph names the redirected module spoken.mjs.
@pytest.mark.parametrize("major", [m for m in NODE_MAJORS if m >= 20])
def test_a_module_a_hook_loads_from_another_url_is_reloaded(major: int, tmp_path: Path) -> None:
    options = hooked_app(tmp_path, REDIRECTING_HOOKS, "register")
    with Host(
        tmp_path / "main.mjs", node=node_binary(major), node_options=options, stdout=subprocess.PIPE
    ) as host:
        assert host.process.stdout is not None
        assert host.process.stdout.readline() == b"spoken v1\n"
        (tmp_path / "spoken.mjs").write_text("console.log('spoken v2');\n")
        assert reload_printing(host, tmp_path / "greeting.mjs") == b"spoken v2\n"


def test_a_missing_node_is_a_node_error(tmp_path: Path) -> None:
    entry = tmp_path / "main.mjs"
    entry.write_text("")
    with pytest.raises(NodeError, match="no-node: node binary not found"):
        Host(entry, node=tmp_path / "no-node")


def test_a_node_too_old_is_refused_before_the_app_starts(tmp_path: Path) -> None:
    entry = tmp_path / "main.mjs"
    entry.write_text("")
    old = tmp_path / "node"
    old.write_text("#!/bin/sh\necho v16.20.0\n")
    old.chmod(0o755)
    with pytest.raises(NodeError, match=r"Node v16\.20\.0 is too old: graphkit needs Node 18"):
        Host(entry, node=old)


def test_an_app_that_fails_to_start_is_a_probe_error(tmp_path: Path) -> None:
    entry = tmp_path / "main.mjs"
    entry.write_text("process.exit(7);\n")
    host = Host(entry, node=node_binary(22))
    exited = r"main\.mjs: the app exited \(status 7\) while graphkit was reading its module graph"
    with pytest.raises(ProbeError, match=exited):
        host.snapshot()
    host.close()


def test_an_unknown_command_is_refused_by_the_host(tmp_path: Path) -> None:
    entry = tmp_path / "main.mjs"
    entry.write_text("setTimeout(() => {}, 10_000);\n")
    with Host(entry, node=node_binary(22)) as host:
        with pytest.raises(ProbeError, match="unknown command eval"):
            host.request("eval")
        with pytest.raises(ValueError, match="'code' is not a valid Field"):
            host.request(Command.PING, code="1 + 1")  # graphkit sends no field the protocol does not name
        assert host.ping()


@pytest.mark.parametrize("foreign", ["data:text/javascript,{marker}", "{outside}"])
def test_a_plan_may_only_reimport_modules_the_app_loaded(tmp_path: Path, foreign: str) -> None:
    entry = tmp_path / "main.mjs"
    entry.write_text("import './a.mjs';\nsetTimeout(() => {}, 10_000);\n")
    (tmp_path / "a.mjs").write_text("export {};\n")
    marker = tmp_path / "evaluated"
    outside = tmp_path / "outside.mjs"
    code = f"import {{ writeFileSync }} from 'node:fs'; writeFileSync({json.dumps(str(marker))}, 'x');"
    outside.write_text(code + "\n")
    url = foreign.format(marker=urllib.parse.quote(code), outside=path_to_url(outside))
    with Host(entry, node=node_binary(24)) as host:
        a = path_to_url(tmp_path / "a.mjs")
        doc: dict[str, object] = {
            "status": "ok", "reason": None, "changed": [url], "evict": [[url], [a]], "kept": 1, "chains": {},
            "boundaries": [{"url": host.entry_url, "reason": "importer", "imports": [url, a]}],
        }  # fmt: skip
        with pytest.raises(ProbeError, match="not a file the app has loaded"):
            host.request("apply", plan=doc, entry=host.entry_url, callbackMs=1000)
        assert host.running
        assert a in {m.url for m in host.snapshot().modules}  # the app's own module was left as it was
    assert not marker.exists()
