"""Fault tests: the Node majors the fault catalogue was tried on, and a tiny app under `graphkit watch`."""

from __future__ import annotations

import contextlib
import os
import re
import select
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from tests.conftest import node_binary
from tests.test_host import fetch
from tests.test_watch import line_queues

WAIT = 15.0  # seconds; only reached when something is broken
GRAPHKIT = Path(sys.executable).parent / "graphkit"
FAULT_MAJORS = (18, 20, 26)

# An HTTP app whose page is reached through import(), so a save of page.mjs reloads it in place.
MAIN = """\
import http from 'node:http';
const server = http.createServer(async (request, response) => {
  try {
    const { page } = await import('./page.mjs');
    response.end(`${await page()}\\n`);
  } catch (error) {
    response.statusCode = 500;
    response.end(`error: ${error.message}\\n`);
  }
});
server.listen(0, '127.0.0.1', () => console.log(`listening on ${server.address().port} pid ${process.pid}`));
"""


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """graphkit here and in the processes it starts caches in the test's folder, never the user's."""
    monkeypatch.setenv("GRAPHKIT_CACHE_DIR", str(tmp_path / "graphkit-cache"))


@pytest.fixture
def app(tmp_path: Path) -> Path:
    """The smallest app: an entry that imports one module (test_cli_faults has one of its own)."""
    folder = tmp_path / "app"
    folder.mkdir()
    (folder / "main.mjs").write_text('import "./dep.mjs";\n')
    (folder / "dep.mjs").write_text("export default 1;\n")
    return folder


@pytest.fixture(params=FAULT_MAJORS, ids=lambda m: f"node{m}")
def fault_node(request: pytest.FixtureRequest) -> Path:
    return node_binary(request.param)


def write_app(root: Path, page: str) -> Path:
    """A tiny app in ``root``; its main.mjs."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "package.json").write_text('{"name": "app", "private": true, "main": "main.mjs"}\n')
    (root / "main.mjs").write_text(MAIN)
    (root / "page.mjs").write_text(page)
    return root / "main.mjs"


class Watched:
    """`graphkit watch ENTRY ARGS` with its stdout (the app's) and stderr (status lines) as line queues."""

    def __init__(self, entry: Path, node: Path, args: Sequence[str] = ()) -> None:
        self.root = entry.parent
        self.process = subprocess.Popen(
            [GRAPHKIT, "watch", entry, "--node", node, *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.out, self.err = line_queues(self.process)
        self.port = 0
        self.app_pid = 0

    def wait_port(self) -> int:
        match = re.fullmatch(r"listening on (\d+) pid (\d+)", self.out.get(timeout=WAIT))
        assert match
        self.app_pid = int(match[2])
        return int(match[1])

    def status(self) -> str:
        return self.err.get(timeout=WAIT)

    def get(self, path: str = "/") -> str:
        return fetch(self.port, path)[0]

    def save(self, name: str, text: str) -> None:
        (self.root / name).write_text(text)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=WAIT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.app_pid:
            ends_soon(self.app_pid)  # should a test have left the app without graphkit


def wait_exit(pid: int, timeout: float = WAIT) -> bool:
    """Whether process ``pid`` (not necessarily our child) has ended within ``timeout`` seconds."""
    try:
        handle = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        return bool(select.select([handle], [], [], timeout)[0])
    finally:
        os.close(handle)


def ends_soon(pid: int) -> None:
    """Kill ``pid`` unless it ends by itself; for cleanup only."""
    if not wait_exit(pid, 0):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture
def start_watch() -> Iterator[Callable[..., Watched]]:
    """``start_watch(entry, node, *args)``: a session whose app is listening; stopped after the test."""
    sessions: list[Watched] = []

    def start(entry: Path, node: Path, *args: str) -> Watched:
        session = Watched(entry, node, args)
        sessions.append(session)
        session.port = session.wait_port()
        return session

    yield start
    for session in sessions:
        session.close()
