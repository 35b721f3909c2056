"""Faults under `graphkit watch`: whatever the app or the machine does, the app is never lost."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from graphkit.errors import ProbeError
from graphkit.live.host import HOST_SCRIPT, Host
from graphkit.model import PlanStatus
from graphkit.model.urls import path_to_url
from graphkit.planning.planner import plan
from tests.conftest import node_binary
from tests.faults.conftest import GRAPHKIT, WAIT, Watched, ends_soon, wait_exit, write_app

StartWatch = Callable[..., Watched]

PAGE_V1 = "export const page = () => 'v1';\n"
# A top-level await that lasts until the test creates the file `release` (no module suffix: not a save).
SLOW_PAGE = """\
import { existsSync } from 'node:fs';
await new Promise((resolve) => {
  const poll = setInterval(() => {
    if (existsSync(new URL('./release', import.meta.url))) {
      clearInterval(poll);
      resolve();
    }
  }, 10);
});
export const page = () => 'v2';
"""
STUCK_PAGE = "await new Promise(() => setInterval(() => {}, 1000));\nexport const page = () => 'never';\n"


def outcome(w: Watched) -> str:
    """The next status line that tells how a save ended, past reports that a reply is late."""
    while "still waiting" in (line := w.status()):
        pass
    return line


def test_a_reload_slower_than_the_reply_timeout_is_reported_and_waited_for(
    fault_node: Path, tmp_path: Path, start_watch: StartWatch
) -> None:
    w = start_watch(write_app(tmp_path / "app", PAGE_V1), fault_node, "--reply-timeout", "0.2")
    assert w.get() == "v1"
    w.save("page.mjs", SLOW_PAGE)
    assert "page.mjs" in w.status()  # reported while the reload is still running
    assert w.process.poll() is None
    (w.root / "release").touch()
    assert "page.mjs" in outcome(w)
    assert w.get() == "v2"
    # The save after a late reply used to crash graphkit and take the app down with it.
    w.save("page.mjs", "export const page = () => 'v3';\n")
    outcome(w)
    assert w.get() == "v3"
    assert w.process.poll() is None


def test_a_save_while_a_reload_never_finishes_restarts_the_app(
    fault_node: Path, tmp_path: Path, start_watch: StartWatch
) -> None:
    w = start_watch(write_app(tmp_path / "app", PAGE_V1), fault_node, "--reply-timeout", "0.2")
    assert w.get() == "v1"
    w.save("page.mjs", STUCK_PAGE)
    w.status()  # the reload is late
    w.save("page.mjs", "export const page = () => 'fixed';\n")
    w.port = w.wait_port()  # a new process
    assert w.get() == "fixed"
    assert w.process.poll() is None


def test_a_dispose_callback_that_never_settles_is_skipped_and_named(
    fault_node: Path, tmp_path: Path, start_watch: StartWatch
) -> None:
    hanging = (
        "const hot = globalThis[Symbol.for('graphkit.hot')]?.(import.meta);\n"
        "hot?.dispose(() => new Promise(() => {}));\n" + PAGE_V1
    )
    w = start_watch(write_app(tmp_path / "app", hanging), fault_node, "--dispose-timeout", "0.2")
    assert w.get() == "v1"
    w.save("page.mjs", "export const page = () => 'v2';\n")
    assert path_to_url(w.root / "page.mjs") in w.status()  # the module whose callback was skipped
    assert w.get() == "v2"


@pytest.mark.parametrize("value", ["0", "-1", "nan", "soon"])
def test_a_dispose_timeout_that_is_not_a_positive_number_exits_2(tmp_path: Path, value: str) -> None:
    entry = write_app(tmp_path / "app", PAGE_V1)
    run = subprocess.run(
        [GRAPHKIT, "watch", entry, "--dispose-timeout", value], capture_output=True, text=True, timeout=30
    )
    assert run.returncode == 2
    assert "--dispose-timeout" in run.stderr.splitlines()[-1]  # one line names the option


def test_the_request_queue_moves_on_past_a_reload_that_never_settles(tmp_path: Path) -> None:
    entry = write_app(tmp_path / "app", "export const page = () => 'v1';\n")
    (tmp_path / "app" / "main.mjs").write_text(
        # Imported once the app has booted (250 ms without an import() ends a boot that opened no server),
        # so the import() is a boundary and the plan reloads in place.
        "setTimeout(async () => {\n"
        "  const { page } = await import('./page.mjs');\n"
        "  console.log('ready');\n"
        "  setInterval(() => page(), 1000);\n"
        "}, 600);\n"
    )
    with Host(entry, node=node_binary(20), timeout=0.5, stdout=subprocess.PIPE) as host:
        assert host.process.stdout is not None
        assert host.process.stdout.readline() == b"ready\n"
        graph = host.snapshot()
        (tmp_path / "app" / "page.mjs").write_text(STUCK_PAGE)
        eviction = plan(graph, [path_to_url(tmp_path / "app" / "page.mjs")], host.entry_url)
        assert eviction.status is PlanStatus.OK
        with pytest.raises(ProbeError, match="reload"):
            host.apply(eviction)
        assert host.ping()  # answered: the stuck reload no longer holds the queue
        with pytest.raises(ProbeError, match="reload"):
            host.apply(eviction)  # refused, never run over the reload still in progress
        assert host.running


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGHUP], ids=["SIGKILL", "SIGHUP"])
def test_the_app_exits_when_graphkit_dies(
    fault_node: Path, tmp_path: Path, start_watch: StartWatch, signum: int
) -> None:
    w = start_watch(write_app(tmp_path / "app", PAGE_V1), fault_node)
    assert w.get() == "v1"
    w.process.send_signal(signum)
    status = w.process.wait(timeout=WAIT)
    assert wait_exit(w.app_pid)
    if signum == signal.SIGHUP:  # handled like SIGTERM: graphkit stopped the app and says why it ended
        assert status == 128 + signal.SIGHUP


def test_the_host_stops_the_app_when_its_channel_closes(fault_node: Path, tmp_path: Path) -> None:
    entry = write_app(tmp_path / "app", PAGE_V1)
    ours, theirs = socket.socketpair()
    app = subprocess.Popen(
        [fault_node, "--expose-internals", "--import", path_to_url(HOST_SCRIPT), entry],
        stdout=subprocess.PIPE,
        pass_fds=(theirs.fileno(),),
        env={**os.environ, "GRAPHKIT_HOST_FD": str(theirs.fileno())},
    )
    theirs.close()
    try:
        assert app.stdout is not None and app.stdout.readline().startswith(b"listening on")
        ours.close()  # what the kernel does for graphkit when it dies, whatever killed it
        app.wait(timeout=WAIT)
    finally:
        ours.close()
        if app.poll() is None:
            app.kill()
            app.wait()


def test_a_busy_app_gets_a_signal_when_the_process_that_started_it_dies(tmp_path: Path) -> None:
    entry = tmp_path / "busy.mjs"
    entry.write_text("for (;;) {}\n")  # its event loop never runs: it cannot see the channel close
    starter = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from pathlib import Path\n"
            "from graphkit.live.host import Host\n"
            "host = Host(Path(sys.argv[1]), node=sys.argv[2])\n"
            "print(host.process.pid, flush=True)\n"
            "time.sleep(600)\n",
            entry,
            node_binary(20),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert starter.stdout is not None
    app_pid = int(starter.stdout.readline())
    try:
        starter.kill()
        starter.wait()
        assert wait_exit(app_pid)
    finally:
        ends_soon(app_pid)


def write_workspace(root: Path) -> tuple[Path, Path]:
    """An npm workspaces monorepo as `npm install` leaves it: the app apps/web uses the member package
    packages/core through the link node_modules/core. Returns the app's entry and core's module."""
    root.mkdir(parents=True)
    (root / "package.json").write_text('{"private": true, "workspaces": ["apps/*", "packages/*"]}\n')
    core = root / "packages" / "core"
    (core / "src").mkdir(parents=True)
    (core / "package.json").write_text('{"name": "core", "type": "module", "main": "src/index.mjs"}\n')
    (core / "src" / "index.mjs").write_text("export const core = () => 'core v1';\n")
    page = "import { core } from 'core';\nexport const page = () => core();\n"
    entry = write_app(root / "apps" / "web", page)
    (root / "node_modules").mkdir()
    (root / "node_modules" / "core").symlink_to(Path("..") / "packages" / "core")
    return entry, core / "src" / "index.mjs"


def test_a_workspace_package_the_app_loads_is_watched(
    fault_node: Path, tmp_path: Path, start_watch: StartWatch
) -> None:
    entry, core = write_workspace(tmp_path / "mono")
    w = start_watch(entry, fault_node)
    assert w.get() == "core v1"  # the app has now loaded core, from its real path outside apps/web
    assert str(core.parent.parent) in w.status()  # packages/core is watched from now on
    core.write_text("export const core = () => 'core v2';\n")
    assert str(core) in w.status()
    assert w.get() == "core v2"


def test_an_extra_watch_folder_reports_its_saves(
    fault_node: Path, tmp_path: Path, start_watch: StartWatch
) -> None:
    extra = tmp_path / "extra"
    extra.mkdir()
    w = start_watch(write_app(tmp_path / "app", PAGE_V1), fault_node, "--watch", str(extra))
    (extra / "later.mjs").write_text("export default 1;\n")
    assert str(extra / "later.mjs") in w.status()  # seen, though no loaded module depends on it


def test_a_watch_folder_that_does_not_exist_exits_2(tmp_path: Path) -> None:
    entry = write_app(tmp_path / "app", PAGE_V1)
    run = subprocess.run(
        [GRAPHKIT, "watch", entry, "--watch", tmp_path / "nope"], capture_output=True, text=True, timeout=30
    )
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and str(tmp_path / "nope") in run.stderr


def test_plan_inside_a_workspace_app_takes_the_apps_entry_not_the_librarys(tmp_path: Path) -> None:
    entry, core = write_workspace(tmp_path / "mono")
    run = subprocess.run(
        [GRAPHKIT, "plan", core, "--json"], cwd=entry.parent, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    made = json.loads(run.stdout)
    assert made["status"] == "in-place"
    # core is imported by the app's page, which main.mjs reaches through import(): both go, main stays.
    evicted = {url for unit in made["evict"] for url in unit}
    assert evicted == {path_to_url(core), path_to_url(entry.parent / "page.mjs")}
