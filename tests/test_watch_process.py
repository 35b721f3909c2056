"""The app's process under `graphkit watch`: signals as `node` gives them, the control channel, descriptors
the shell opened, refused node options and status lines written whole."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import termios
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.conftest import NODE_MAJORS, node_binary
from tests.test_host import copy_fixture, fetch
from tests.test_watch import GRAPHKIT, WAIT, line_queues

SHUTDOWN_MS = 1500  # the app's shutdown handler: longer than the 1 s the host used to allow


class Session:
    """`graphkit watch` in a session of its own, as a terminal runs it: SIGINT to its process group is the
    terminal's Ctrl-C, which reaches graphkit and the app alike."""

    def __init__(self, node: Path, root: Path, marks: Path, options: Sequence[str] = (), **env: str) -> None:
        self.root = root
        self.marks = marks
        self.process = subprocess.Popen(
            [GRAPHKIT, "watch", root / "main.mjs", "--node", node, *options],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
            env={**os.environ, "MARKS": str(marks), "SHUTDOWN_MS": str(SHUTDOWN_MS), **env},
        )
        self.out, self.err = line_queues(self.process)
        self.port = self.wait_port()

    def wait_port(self) -> int:
        match = re.fullmatch(r"listening on (\d+)", self.out.get(timeout=WAIT))
        assert match, "the app did not start"
        return int(match[1])

    def app_pid(self) -> int:
        return int(fetch(self.port, "/")[0].removeprefix("up "))

    def done(self, pid: int) -> list[str]:
        """The signals the app ``pid`` got, once its shutdown handler finished (it had to)."""
        return list(json.loads((self.marks / f"{pid}.done").read_text()))

    def stderr_lines(self) -> list[str]:
        lines = []
        while not self.err.empty():
            lines.append(self.err.get())
        return lines

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture
def marks(tmp_path: Path) -> Path:
    folder = tmp_path / "marks"  # outside the watched app folder: the app's writes trigger nothing
    folder.mkdir()
    return folder


# Each row: the Node major, how graphkit is stopped, the one signal the app must get, graphkit's exit status.
@pytest.mark.parametrize(
    ("major", "how", "expected", "status"),
    [
        # Ctrl-C: the terminal signals the process group; the app has its SIGINT and nothing more
        *((major, signal.SIGINT, "SIGINT", 130) for major in NODE_MAJORS),
        (20, signal.SIGTERM, "SIGTERM", 143),  # `kill <graphkit>`: graphkit sends the app one SIGTERM
        (24, signal.SIGTERM, "SIGTERM", 143),
        (24, signal.SIGHUP, "SIGTERM", 129),  # graphkit hung up: the app gets one SIGTERM too
    ],
)
def test_stopping_graphkit_gives_the_app_one_signal_and_waits_for_its_handler(
    tmp_path: Path, marks: Path, major: int, how: signal.Signals, expected: str, status: int
) -> None:
    session = Session(node_binary(major), copy_fixture("shutdown-app", tmp_path), marks)
    try:
        app = session.app_pid()
        if how is signal.SIGINT:
            os.killpg(session.process.pid, signal.SIGINT)
        else:
            session.process.send_signal(how)
        assert session.process.wait(timeout=WAIT) == status
        assert session.done(app) == [expected]
        assert gone(app)
        assert not any("Traceback" in line for line in session.stderr_lines())
    finally:
        session.kill()


@pytest.mark.parametrize("major", [20, 24])
def test_a_restart_gives_the_old_app_one_sigterm_and_waits_for_its_handler(
    tmp_path: Path, marks: Path, major: int
) -> None:
    session = Session(node_binary(major), copy_fixture("shutdown-app", tmp_path), marks)
    try:
        restarted(session)
    finally:
        session.kill()


def restarted(session: Session) -> None:
    old = session.app_pid()
    package = session.root / "package.json"
    package.write_text(package.read_text().replace('"private": true', '"private": false'))
    session.port = session.wait_port()  # the new app starts only once the old one has exited
    assert session.done(old) == ["SIGTERM"]
    assert gone(old)
    new = session.app_pid()
    assert new != old
    session.process.send_signal(signal.SIGTERM)
    assert session.process.wait(timeout=WAIT) == 143
    assert session.done(new) == ["SIGTERM"]
    assert gone(new)


def test_an_app_that_never_exits_is_killed_after_the_kill_timeout_with_one_line(
    tmp_path: Path, marks: Path
) -> None:
    root = copy_fixture("shutdown-app", tmp_path)
    session = Session(node_binary(24), root, marks, ["--kill-timeout", "0.5"], SHUTDOWN_MS="never")
    try:
        app = session.app_pid()
        session.process.send_signal(signal.SIGTERM)
        assert session.process.wait(timeout=WAIT) == 143
        assert gone(app)
        assert json.loads((marks / f"{app}.got").read_text()) == ["SIGTERM"]
        assert [line for line in session.stderr_lines() if "SIGKILL" in line] == [
            "graphkit: the app had not exited 0.5 s after SIGTERM; killed it (SIGKILL; --kill-timeout sets"
            " the wait)"
        ]
    finally:
        session.kill()


def test_an_app_whose_graphkit_is_killed_gets_one_sigterm_and_finishes_its_handler(
    tmp_path: Path, marks: Path
) -> None:
    session = Session(node_binary(24), copy_fixture("shutdown-app", tmp_path), marks)
    try:
        app = session.app_pid()
        session.process.kill()  # graphkit alone: its app is orphaned
        session.process.wait()
        deadline = time.monotonic() + WAIT
        while not gone(app):
            assert time.monotonic() < deadline, "the orphaned app kept running"
            time.sleep(0.05)
        assert session.done(app) == ["SIGTERM"]
    finally:
        session.kill()


def test_refused_channel_lines_are_one_line_each_and_the_app_keeps_serving_and_reloading(
    tmp_path: Path,
) -> None:
    root = copy_fixture("channel-writer", tmp_path)
    session = Session(node_binary(24), root, tmp_path)
    try:
        assert fetch(session.port, "/")[0] == "one"
        (root / "word.mjs").write_text("export const word = 'two';\n")
        lines: list[str] = []
        while not (lines and "word.mjs" in lines[-1]):
            lines.append(session.err.get(timeout=WAIT))
        assert re.fullmatch(r"graphkit: word.mjs: \d+ modules? evicted.*", lines[-1])
        assert len(lines) == 5  # each line the app wrote is refused once: 4, then the reload
        assert fetch(session.port, "/")[0] == "two"
        assert session.process.poll() is None
        os.killpg(session.process.pid, signal.SIGINT)
        assert session.process.wait(timeout=WAIT) == 130
        assert not any("Traceback" in line for line in session.stderr_lines())
    finally:
        session.kill()


def test_descriptors_the_shell_opened_reach_the_app(tmp_path: Path, marks: Path) -> None:
    root = copy_fixture("shutdown-app", tmp_path)
    log = tmp_path / "fd3.log"
    process = subprocess.Popen(
        [
            "bash",
            "-c",
            'exec "$0" watch "$1" --node "$2" 3>"$3"',
            GRAPHKIT,
            root / "main.mjs",
            node_binary(20),
            log,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "MARKS": str(marks), "SHUTDOWN_MS": "0", "FD3": "1"},
    )
    try:
        out, _ = line_queues(process)
        port = int(out.get(timeout=WAIT).removeprefix("listening on "))
        app = fetch(port, "/")[0].removeprefix("up ")
        assert log.read_text() == f"fd 3 from {app}\n"  # as `node main.mjs 3>log` writes it
        os.killpg(process.pid, signal.SIGINT)
        assert process.wait(timeout=WAIT) == 130
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.mark.parametrize(
    "options",
    [
        ["--node-option=--watch"],  # crashed Node 24 under the host
        ["--node-option", "--watch"],
        ["--node-option=--watch-path=lib"],
        ["--node-option=--test"],
    ],
)
def test_node_options_that_make_node_a_watcher_or_test_runner_are_refused(
    tmp_path: Path, options: list[str]
) -> None:
    (tmp_path / "main.mjs").write_text("setInterval(() => {}, 1000);\n")
    done = subprocess.run(
        [GRAPHKIT, "watch", tmp_path / "main.mjs", "--node", node_binary(24), *options],
        capture_output=True,
        text=True,
        timeout=WAIT,
    )
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1
    assert done.stdout == ""


WRITES = """
import re, sys
from pathlib import Path
from graphkit.cli._output import say

def writes():
    return int(re.search(r"syscw: (\\d+)", Path("/proc/thread-self/io").read_text())[1])

before = writes()
{call}
after = writes()
print(after - before)
"""


# Each row: how a status line is written, and the write() calls it takes on a real pipe.
@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ("say('graphkit: a.mjs: 2 modules evicted, 1 re-imported in 0.4 ms')", 1),
        # the control: print writes the text and the newline apart, so the count does see two
        ("print('graphkit: a.mjs: 2 modules evicted', file=sys.stderr, flush=True)", 2),
    ],
)
def test_a_status_line_is_one_write_on_a_pipe(call: str, expected: int) -> None:
    done = subprocess.run(
        [sys.executable, "-c", WRITES.replace("{call}", call)],
        capture_output=True,
        text=True,
        check=True,
        timeout=WAIT,
    )
    assert done.stderr.startswith("graphkit: a.mjs: 2 modules evicted")
    assert int(done.stdout) == expected


ORPHAN = """
import sys, threading, time
from pathlib import Path
from graphkit.live.host import Host

# Started from a thread, the app gets no parent-death signal from the kernel: the host must send its own.
hosts = []
thread = threading.Thread(target=lambda: hosts.append(Host(Path(sys.argv[1]), node=sys.argv[2])))
thread.start()
thread.join()
print(hosts[0].process.pid, flush=True)
time.sleep(60)
"""


def test_without_the_kernel_guard_an_orphaned_app_gets_one_sigterm_from_the_host(
    tmp_path: Path, marks: Path
) -> None:
    root = copy_fixture("shutdown-app", tmp_path)
    owner = subprocess.Popen(
        [sys.executable, "-c", ORPHAN, root / "main.mjs", node_binary(20)],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "MARKS": str(marks), "SHUTDOWN_MS": str(SHUTDOWN_MS)},
    )
    try:
        assert owner.stdout is not None
        app = int(owner.stdout.readline())
        assert re.fullmatch(r"listening on \d+\n", owner.stdout.readline())
        owner.kill()  # the owner alone dies: the channel closes without `stopping`
        owner.wait()
        deadline = time.monotonic() + WAIT
        while not (marks / f"{app}.done").exists():
            assert time.monotonic() < deadline, "the orphaned app did not finish its handler"
            time.sleep(0.05)
        assert json.loads((marks / f"{app}.done").read_text()) == ["SIGTERM"]
        while not gone(app):
            assert time.monotonic() < deadline, "the orphaned app kept running"
            time.sleep(0.05)
    finally:
        with contextlib.suppress(ProcessLookupError):  # the group is empty once its last process is gone
            os.killpg(owner.pid, signal.SIGKILL)
        owner.wait()


def test_ctrl_c_typed_in_a_terminal_gives_the_app_one_sigint(tmp_path: Path, marks: Path) -> None:
    root = copy_fixture("shutdown-app", tmp_path)
    terminal, tty = pty.openpty()
    process = subprocess.Popen(
        [GRAPHKIT, "watch", root / "main.mjs", "--node", node_binary(22)],
        stdin=tty,
        stdout=tty,
        stderr=tty,
        start_new_session=True,
        # the terminal becomes graphkit's controlling one, graphkit's group its foreground group
        preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
        env={**os.environ, "MARKS": str(marks), "SHUTDOWN_MS": str(SHUTDOWN_MS)},
    )
    os.close(tty)
    try:
        shown = b""
        while b"listening on" not in shown:
            assert select.select([terminal], [], [], WAIT)[0], "the app did not start"
            shown += os.read(terminal, 4096)
        (app,) = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
        os.write(terminal, b"\x03")  # Ctrl-C: the line discipline signals the foreground process group
        assert process.wait(timeout=WAIT) == 130
        assert json.loads((marks / f"{app}.done").read_text()) == ["SIGINT"]
        assert gone(int(app))
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        os.close(terminal)
