"""`graphkit watch` end to end on a real app and Node, plus the file watcher and the status lines."""

from __future__ import annotations

import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

import pytest

from graphkit.hmr.loop import package_root
from graphkit.hmr.watcher import Batch, Watcher
from graphkit.live.host import ApplyError, ApplyResult
from graphkit.model import Effect, EvictionPlan, PlanStatus
from graphkit.output.status import status_line
from tests.conftest import node_binary
from tests.test_host import copy_fixture, fetch

WAIT = 15.0  # seconds; only reached when something is broken
GRAPHKIT = Path(sys.executable).parent / "graphkit"  # the console script of the installed package


def _pump(stream: IO[str], lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line.rstrip("\n"))


def line_queues(process: subprocess.Popen[str]) -> tuple[queue.Queue[str], queue.Queue[str]]:
    """The process's stdout and stderr lines as queues, read by daemon threads so no pipe ever fills."""
    queues: tuple[queue.Queue[str], queue.Queue[str]] = (queue.Queue(), queue.Queue())
    for stream, lines in zip((process.stdout, process.stderr), queues, strict=True):
        assert stream is not None
        threading.Thread(target=_pump, args=(stream, lines), daemon=True).start()
    return queues


class Watching:
    """`graphkit watch` as a user runs it, with its stdout (the app's) and stderr (status) as line queues."""

    def __init__(
        self,
        node: Path,
        root: Path,
        options: Sequence[str] = (),
        *,
        entry: str = "main.mjs",
        node_options: Sequence[str] = (),
    ) -> None:
        self.root = root
        self.process = subprocess.Popen(
            [
                GRAPHKIT,
                "watch",
                root / entry,
                "--node",
                node,
                *options,
                *(f"--node-option={o}" for o in node_options),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.out, self.err = line_queues(self.process)
        self.port = self.wait_port()

    def wait_port(self) -> int:
        match = re.fullmatch(r"listening on (\d+)", self.out.get(timeout=WAIT))
        assert match
        return int(match[1])

    def status(self) -> str:
        return self.err.get(timeout=WAIT)

    def get(self, path: str) -> str:
        return fetch(self.port, path)[0]

    def edit(self, relative: str, old: str, new: str, *, unlink_first: bool = False) -> None:
        path = self.root / relative
        text = path.read_text()
        assert old in text, f"{relative} has no {old!r}"
        if unlink_first:  # how some editors save: remove, then create
            path.unlink()
        path.write_text(text.replace(old, new))

    def stop(self) -> int:
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=WAIT)


@pytest.fixture
def watching(any_node: Path, tmp_path: Path) -> Iterator[Watching]:
    session = Watching(any_node, copy_fixture("http-app", tmp_path))
    yield session
    if session.process.poll() is None:
        session.process.kill()
        session.process.wait()


def test_watch_reloads_saves_keeps_old_code_on_errors_and_restarts_for_package_json(
    watching: Watching,
) -> None:
    w = watching
    assert w.get("/hello") == "HELLO V1 #1!"

    w.edit("routes/hello.mjs", "hello v1", "hello v2")
    assert re.fullmatch(
        r"graphkit: routes/hello.mjs: 2 modules evicted, 1 re-imported in [\d.]+ ms", w.status()
    )
    assert w.get("/hello") == "HELLO V2 #2!"

    w.edit("routes/hello.mjs", "export function", "export functio")
    assert w.status() == (
        "graphkit: routes/hello.mjs: Unexpected token 'export' at routes/hello.mjs:3:1; kept old code"
    )
    assert w.get("/hello") == "HELLO V2 #3!"

    w.edit("routes/hello.mjs", "export functio", "export function", unlink_first=True)
    assert "routes/hello.mjs: 2 modules evicted" in w.status()
    w.edit("lib/shout.mjs", "excitement = 1", "excitement = 2")
    assert "lib/shout.mjs: 4 modules evicted" in w.status()
    assert w.get("/hello") == "HELLO V2 #4!!"

    mark = (w.root / "lib" / "mark.mjs").read_text()
    (w.root / "lib" / "mark.mjs").unlink()
    # Node remembers where './mark.mjs' resolved, so the re-import fails reading it, not resolving it.
    assert re.fullmatch(
        r"graphkit: lib/mark.mjs \(deleted\): ENOENT: .* at lib/mark.mjs; kept old code", w.status()
    )
    assert w.get("/hello") == "HELLO V2 #5!!"
    (w.root / "lib" / "mark.mjs").write_text(mark.replace("'!'", "'?'"))
    assert "lib/mark.mjs: 4 modules evicted" in w.status()
    assert w.get("/hello") == "HELLO V2 #6??"

    (w.root / "notes.json").write_text("{}\n")
    assert w.status() == "graphkit: notes.json: no loaded module depends on it, nothing to reload"

    w.edit("package.json", '"private": true', '"private": false')
    assert re.fullmatch(
        r"graphkit: package.json: restarted the app in \d+ ms \(.*package.json changed.*\)", w.status()
    )
    w.port = w.wait_port()
    assert w.get("/updates") == "updates 0"  # a fresh process: its counters start again
    assert w.stop() == 130


def test_a_save_the_kernel_dropped_is_found_by_the_resync(tmp_path: Path) -> None:
    w = Watching(node_binary(22), copy_fixture("http-app", tmp_path))
    limit = int(Path("/proc/sys/fs/inotify/max_queued_events").read_text())
    try:
        assert w.get("/hello") == "HELLO V1 #1!"
        (w.root / "many").mkdir()
        (w.root / "many" / "first.txt").touch()
        assert w.err.empty()
        w.process.send_signal(signal.SIGSTOP)  # a busy machine: graphkit reads no events for a while
        for i in range(limit + 1):  # the kernel's queue overflows: what comes next is dropped
            (w.root / "many" / f"f{i}.txt").touch()
        w.edit("routes/hello.mjs", "hello v1", "hello v2")
        w.process.send_signal(signal.SIGCONT)
        assert re.fullmatch(r"graphkit: routes/hello.mjs: 2 modules evicted, .*", w.status())
        assert w.get("/hello") == "HELLO V2 #2!"
    finally:
        w.process.kill()
        w.process.wait()


def test_sigterm_stops_the_app_with_graphkit(watching: Watching) -> None:
    assert watching.get("/hello") == "HELLO V1 #1!"
    watching.process.send_signal(signal.SIGTERM)
    assert watching.process.wait(timeout=WAIT) == 128 + signal.SIGTERM
    with pytest.raises(OSError):
        fetch(watching.port, "/hello")  # the app went too: nothing listens on its port


def test_a_self_accepting_save_reads_in_the_singular(tmp_path: Path) -> None:
    w = Watching(node_binary(22), copy_fixture("http-app", tmp_path))
    try:
        assert fetch(w.port, "/hello")[1] == "banner v1"
        w.edit("banner.mjs", "'banner v1'", "'banner v2'")
        # banner.mjs accepts its own updates: it alone goes, and its importer keeps running.
        assert re.fullmatch(r"graphkit: banner.mjs: 1 module evicted, 1 re-imported in [\d.]+ ms", w.status())
        assert fetch(w.port, "/hello")[1] == "banner v2"
        assert w.stop() == 130
    finally:
        if w.process.poll() is None:
            w.process.kill()
            w.process.wait()


@pytest.mark.parametrize(
    ("status", "result", "expected"),
    [
        # a plan with nothing loaded behind the change
        (PlanStatus.NOOP, None, "graphkit: a.mjs: no loaded module depends on it, nothing to reload"),
        # nothing depends on it, but failed imports were dropped so the app retries them
        (
            PlanStatus.NOOP,
            None,
            "graphkit: a.mjs: dropped 1 module that had failed to load (a.mjs); the next import() loads it"
            " again",
        ),
        # a restart names the planner's reason
        (PlanStatus.FULL_RELOAD, None, "graphkit: a.mjs: restarted the app in 12 ms (why)"),
        # an applied plan
        (
            PlanStatus.OK,
            ApplyResult(True, 3, 1, 1.25),
            "graphkit: a.mjs: 3 modules evicted, 1 re-imported in 1.2 ms",
        ),
        # a rolled-back plan with the file inside the project
        (
            PlanStatus.OK,
            ApplyResult(False, 3, 0, 1.0, ApplyError("boom", "file:///app/lib/b.mjs", 4, 2)),
            "graphkit: a.mjs: boom at lib/b.mjs:4:2; kept old code",
        ),
        # a rolled-back plan where Node named no line
        (
            PlanStatus.OK,
            ApplyResult(False, 1, 0, 1.0, ApplyError("gone", "file:///elsewhere/x.mjs", None, None)),
            "graphkit: a.mjs: gone at /elsewhere/x.mjs; kept old code",
        ),
        # a re-run names what it released
        (
            PlanStatus.RERUN,
            ApplyResult(True, 6, 1, 21.2, None, (), {Effect.SERVER: 1, Effect.TIMER: 2}, 1),
            "graphkit: a.mjs: re-ran the app in 21 ms (6 modules evicted, 1 server handed over, 2 timers"
            " released)",
        ),
        # a server the re-run app did not listen on again is closed; process listeners are removed
        (
            PlanStatus.RERUN,
            ApplyResult(True, 1, 1, 3.0, None, (), {Effect.SERVER: 1, Effect.LISTENER: 1}, 0),
            "graphkit: a.mjs: re-ran the app in 3 ms (1 module evicted, 1 server closed, 1 process listener"
            " removed)",
        ),
        # an in-place reload that released a timer says so
        (
            PlanStatus.OK,
            ApplyResult(True, 2, 1, 1.0, None, (), {Effect.TIMER: 1}),
            "graphkit: a.mjs: 2 modules evicted, 1 re-imported in 1.0 ms (1 timer released)",
        ),
        # callback errors ride on the same line
        (
            PlanStatus.OK,
            ApplyResult(True, 1, 1, 2.0, None, ("x: dispose failed: y",)),
            "graphkit: a.mjs: 1 module evicted, 1 re-imported in 2.0 ms; 1 callback error, first: x: "
            "dispose failed: y",
        ),
    ],
)
def test_status_lines(status: PlanStatus, result: ApplyResult | None, expected: str) -> None:
    eviction = EvictionPlan(status, ("file:///app/a.mjs",), (), (), 0, (), "why")
    swept = ("file:///app/a.mjs",) if "dropped" in expected else ()
    assert status_line("a.mjs", eviction, result, 12.3, Path("/app"), swept) == expected


def test_the_package_root_is_the_nearest_package_json(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text("{}")
    (tmp_path / "src" / "deep").mkdir(parents=True)
    assert package_root(tmp_path / "src" / "deep" / "main.mjs") == tmp_path


def next_batch(watcher: Watcher) -> Batch:
    batch = watcher.next_batch(WAIT)
    assert batch is not None
    return batch


def test_the_watcher_reports_saves_replacements_deletions_and_new_folders(tmp_path: Path) -> None:
    (tmp_path / "a.mjs").write_text("1")
    (tmp_path / "node_modules").mkdir()
    with Watcher(tmp_path) as watcher:
        (tmp_path / "a.mjs").write_text("2")
        assert next_batch(watcher) == Batch((tmp_path / "a.mjs",), ())

        # unlink + create inside the debounce window is one change, not a deletion
        (tmp_path / "a.mjs").unlink()
        (tmp_path / "a.mjs").write_text("3")
        assert next_batch(watcher) == Batch((tmp_path / "a.mjs",), ())

        (tmp_path / "node_modules" / "ignored.mjs").write_text("x")
        (tmp_path / "a.mjs").unlink()
        assert next_batch(watcher) == Batch((), (tmp_path / "a.mjs",))

        (tmp_path / "lib").mkdir()
        assert watcher.next_batch(0.2) is None  # a folder alone is not a change
        (tmp_path / "lib" / "b.mjs").write_text("4")
        assert next_batch(watcher) == Batch((tmp_path / "lib" / "b.mjs",), ())


def test_a_save_and_a_rename_over_save_are_each_one_change(tmp_path: Path) -> None:
    (tmp_path / "a.mjs").write_text("1")
    (tmp_path / "b.mjs").write_text("1")
    with Watcher(tmp_path) as watcher:
        batches: queue.Queue[Batch | None] = queue.Queue()

        def take() -> None:
            batches.put(watcher.next_batch(WAIT))

        def rename_over() -> None:
            (tmp_path / ".b.mjs.tmp").write_text("2")
            (tmp_path / ".b.mjs.tmp").replace(tmp_path / "b.mjs")

        for save in (lambda: (tmp_path / "a.mjs").write_text("2"), rename_over):
            save()
            thread = threading.Thread(target=take, daemon=True)
            thread.start()
            thread.join(WAIT)
            assert not thread.is_alive(), "the watcher waited although the save was complete"
        assert batches.get_nowait() == Batch((tmp_path / "a.mjs",), ())
        # A rename-over save: the target changed, the temporary file is neither a change nor a deletion.
        assert batches.get_nowait() == Batch((tmp_path / "b.mjs",), ())


def test_an_entry_that_is_not_a_file_is_one_line(tmp_path: Path) -> None:
    run = subprocess.run(
        [GRAPHKIT, "watch", tmp_path / "nope.mjs"], capture_output=True, text=True, timeout=WAIT
    )
    assert (run.returncode, run.stderr) == (
        2,
        f"graphkit: {tmp_path / 'nope.mjs'}: the entry is not a file\n",
    )
