"""Faults under `graphkit watch`: whatever the app or the machine does, the app is never lost."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from graphkit.errors import ProbeError
from graphkit.live.host import Host
from graphkit.model import PlanStatus
from graphkit.model.urls import path_to_url
from graphkit.planning.planner import plan
from tests.conftest import node_binary
from tests.faults.conftest import GRAPHKIT, Watched, write_app

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


def test_a_reload_slower_than_the_reply_timeout_is_reported_and_waited_for(
    fault_node: Path, tmp_path: Path, start_watch: StartWatch
) -> None:
    w = start_watch(write_app(tmp_path / "app", PAGE_V1), fault_node, "--reply-timeout", "0.2")
    assert w.get() == "v1"
    w.save("page.mjs", SLOW_PAGE)
    assert "page.mjs" in w.status()  # reported while the reload is still running
    assert w.process.poll() is None
    (w.root / "release").touch()
    assert "page.mjs" in w.status()  # the reload's own result
    assert w.get() == "v2"
    # The save after a late reply used to crash graphkit and take the app down with it.
    w.save("page.mjs", "export const page = () => 'v3';\n")
    w.status()
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
        "const { page } = await import('./page.mjs');\n"
        "console.log('ready');\n"
        "setInterval(() => page(), 1000);\n"
    )
    with Host(entry, node=node_binary(20), timeout=0.5, stdout=subprocess.PIPE) as host:
        assert host.process.stdout is not None
        assert host.process.stdout.readline() == b"ready\n"
        graph = host.snapshot()
        (tmp_path / "app" / "page.mjs").write_text(STUCK_PAGE)
        eviction = plan(graph, [path_to_url(tmp_path / "app" / "page.mjs")], host.entry_url)
        assert eviction.status is PlanStatus.OK
        with pytest.raises(ProbeError, match="apply"):
            host.apply(eviction)
        assert host.ping()  # answered: the stuck reload no longer holds the queue
        with pytest.raises(ProbeError, match="apply"):
            host.apply(eviction)  # refused, never run over the reload still in progress
        assert host.running
