"""`graphkit watch` end to end on a real app and Node, plus the file watcher and the status lines."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

import pytest

from graphkit.hmr.launch import WatchOptions, launch
from graphkit.hmr.loop import package_root
from graphkit.hmr.watcher import Batch, Watcher
from graphkit.live.host import ApplyError, ApplyResult
from graphkit.model import Effect, EvictionPlan, PlanStatus
from graphkit.output.status import status_line
from tests.conftest import REPO, node_binary
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
        port: int | None = None,
    ) -> None:
        """Waits for the app's ``listening on PORT`` line, or, for an app that prints none, until ``port``
        answers."""
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
            start_new_session=True,  # its own process group, which ``stop`` signals as a terminal would
        )
        self.out, self.err = line_queues(self.process)
        self.port = self.wait_port() if port is None else wait_answering(port)

    def wait_port(self) -> int:
        match = re.fullmatch(r"listening on (\d+)", self.out.get(timeout=WAIT))
        assert match
        return int(match[1])

    def status(self) -> str:
        return self.err.get(timeout=WAIT)

    def get(self, path: str) -> str:
        return fetch(self.port, path)[0]

    def edit(self, relative: str, old: str, new: str, *, unlink_first: float | None = None) -> None:
        """``unlink_first``: how some editors save, remove then create, with that many seconds between."""
        path = self.root / relative
        text = path.read_text()
        assert old in text, f"{relative} has no {old!r}"
        if unlink_first is not None:
            path.unlink()
            time.sleep(unlink_first)
        path.write_text(text.replace(old, new))

    def stop(self) -> int:
        """Ctrl-C: SIGINT to graphkit's process group, the app included."""
        os.killpg(self.process.pid, signal.SIGINT)
        return self.process.wait(timeout=WAIT)


def wait_answering(port: int) -> int:
    deadline = time.monotonic() + WAIT
    while True:
        try:
            fetch(port, "/")
            return port
        except OSError:
            assert time.monotonic() < deadline, f"nothing answers on port {port}"
            time.sleep(0.05)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


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
    # A second request: an import() made per request (on Node 18, one called once re-runs the app).
    assert w.get("/hello") == "HELLO V1 #2!"

    w.edit("routes/hello.mjs", "hello v1", "hello v2")
    assert re.fullmatch(
        r"graphkit: routes/hello.mjs: 2 modules evicted, 1 re-imported in [\d.]+ ms", w.status()
    )
    assert w.get("/hello") == "HELLO V2 #3!"

    w.edit("routes/hello.mjs", "export function", "export functio")
    assert w.status() == (
        "graphkit: routes/hello.mjs: Unexpected token 'export' at routes/hello.mjs:3:1; kept old code"
    )
    assert w.get("/hello") == "HELLO V2 #4!"

    w.edit("routes/hello.mjs", "export functio", "export function", unlink_first=0)
    assert "routes/hello.mjs: 2 modules evicted" in w.status()
    # A file imported statically: a pause between its unlink and its create is still one save.
    w.edit("lib/shout.mjs", "excitement = 1", "excitement = 2", unlink_first=0.025)
    assert "lib/shout.mjs: 4 modules evicted" in w.status()
    assert w.get("/hello") == "HELLO V2 #5!!"

    mark = (w.root / "lib" / "mark.mjs").read_text()
    (w.root / "lib" / "mark.mjs").unlink()
    # Node remembers where './mark.mjs' resolved, so the re-import fails reading it, not resolving it.
    assert re.fullmatch(
        r"graphkit: lib/mark.mjs \(deleted\): ENOENT: .* at lib/mark.mjs; kept old code", w.status()
    )
    assert w.get("/hello") == "HELLO V2 #6!!"
    (w.root / "lib" / "mark.mjs").write_text(mark.replace("'!'", "'?'"))
    assert "lib/mark.mjs: 4 modules evicted" in w.status()
    assert w.get("/hello") == "HELLO V2 #7??"

    # A JSON the app never imported, and a package.json Node never read, ask nothing of the app: the next
    # line is the package.json edit's.
    (w.root / "notes.json").write_text("{}\n")
    (w.root / "fixtures").mkdir()
    (w.root / "fixtures" / "package.json").write_text('{"type": "commonjs"}\n')

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
    pid = watching.process.pid
    (app,) = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    watching.process.send_signal(signal.SIGTERM)
    assert watching.process.wait(timeout=WAIT) == 128 + signal.SIGTERM
    # The app went too (graphkit waited for it). Its pid, not its port: a port freed under a busy test run
    # can be taken at once by another test's app.
    with pytest.raises(ProcessLookupError):
        os.kill(int(app), 0)


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
            "graphkit: a.mjs: re-ran the app in 3 ms (1 module evicted, 1 server closed, 1 listener removed)",
        ),
        # processes, threads, stdin readers and upgraded connections are counted by kind
        (
            PlanStatus.RERUN,
            ApplyResult(
                True,
                1,
                1,
                3.0,
                None,
                (),
                {
                    Effect.SERVER: 1,
                    Effect.WORKER: 2,
                    Effect.CHILD: 1,
                    Effect.THREAD: 1,
                    Effect.INPUT: 1,
                    Effect.UPGRADED: 1,
                },
                1,
            ),
            "graphkit: a.mjs: re-ran the app in 3 ms (1 module evicted, 1 server handed over, 2 cluster"
            " workers replaced, 1 child process ended, 1 worker thread terminated, 1 stdin reader closed,"
            " 1 upgraded connection closed)",
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


def test_an_entry_in_an_installed_package_belongs_to_the_app_that_installed_it(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text("{}")
    cli = tmp_path / "node_modules" / "fastify-cli"
    cli.mkdir(parents=True)
    (cli / "package.json").write_text("{}")
    assert package_root(cli / "cli.js") == tmp_path


def next_batch(watcher: Watcher) -> Batch:
    batch = watcher.next_batch(WAIT)
    assert batch is not None
    return batch


def test_the_watcher_reports_saves_replacements_deletions_and_new_folders(
    tmp_path: Path, inotify: bool
) -> None:
    (tmp_path / "a.mjs").write_text("1")
    (tmp_path / "node_modules").mkdir()
    with Watcher(tmp_path, inotify=inotify) as watcher:
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

        # a folder deleted and made again is watched again
        (tmp_path / "lib" / "b.mjs").unlink()
        (tmp_path / "lib").rmdir()
        assert next_batch(watcher) == Batch((), (tmp_path / "lib" / "b.mjs",))
        (tmp_path / "lib").mkdir()
        assert watcher.next_batch(0.2) is None
        (tmp_path / "lib" / "c.mjs").write_text("5")
        assert next_batch(watcher) == Batch((tmp_path / "lib" / "c.mjs",), ())


def test_a_watcher_told_to_stat_later_misses_no_save_made_before_its_stats_are_read(
    tmp_path: Path, inotify: bool
) -> None:
    # graphkit watch watches the folders, starts the app, then reads the files' stats (graphkit.hmr.launch):
    # a save in between is a save, a deletion a deletion, and the resync after them finds nothing more.
    for name in ("a.mjs", "b.mjs", "c.mjs"):
        (tmp_path / name).write_text("1")
    with Watcher(tmp_path, inotify=inotify, resync_every=0.3, stat_later=True) as watcher:
        (tmp_path / "a.mjs").write_text("2")
        (tmp_path / "b.mjs").unlink()
        watcher.read_stats()
        assert next_batch(watcher) == Batch((tmp_path / "a.mjs",), (tmp_path / "b.mjs",))
        (tmp_path / "c.mjs").write_text("2")
        assert next_batch(watcher) == Batch((tmp_path / "c.mjs",), ())
        assert watcher.next_batch(0.4) is None  # the resync: every stat matches what was read


def rename_over(path: Path, text: str) -> None:
    """How many editors save: write a temporary file beside the target, then rename it onto the target."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text)
    temporary.replace(path)


def test_a_save_and_a_rename_over_save_are_each_one_change(tmp_path: Path, inotify: bool) -> None:
    (tmp_path / "a.mjs").write_text("1")
    (tmp_path / "b.mjs").write_text("1")
    with Watcher(tmp_path, inotify=inotify) as watcher:
        batches: queue.Queue[Batch | None] = queue.Queue()

        def take() -> None:
            batches.put(watcher.next_batch(WAIT))

        saves = (lambda: (tmp_path / "a.mjs").write_text("2"), lambda: rename_over(tmp_path / "b.mjs", "2"))
        for save in saves:
            save()
            thread = threading.Thread(target=take, daemon=True)
            thread.start()
            thread.join(WAIT)
            assert not thread.is_alive(), "the watcher waited although the save was complete"
        assert batches.get_nowait() == Batch((tmp_path / "a.mjs",), ())
        # A rename-over save: the target changed, the temporary file is neither a change nor a deletion.
        assert batches.get_nowait() == Batch((tmp_path / "b.mjs",), ())


@pytest.mark.parametrize("save", ["write", "rename-over"])
def test_with_inotify_a_closed_save_is_a_batch_at_once(tmp_path: Path, save: str) -> None:
    (tmp_path / "a.mjs").write_text("1")
    with Watcher(tmp_path, inotify=True) as watcher:
        if save == "write":
            (tmp_path / "a.mjs").write_text("2")
        else:
            rename_over(tmp_path / "a.mjs", "2")
        # The kernel queued the close (or the rename) with the save: no quiet step is waited for.
        assert watcher.next_batch(0) == Batch((tmp_path / "a.mjs",), ())


def test_with_inotify_a_save_still_being_written_is_handed_over_once_closed(tmp_path: Path) -> None:
    (tmp_path / "a.mjs").write_text("1")
    with Watcher(tmp_path, inotify=True) as watcher, (tmp_path / "a.mjs").open("w") as file:
        file.write("// first half\n")
        file.flush()
        closing = threading.Event()

        def finish() -> None:
            time.sleep(0.1)  # an editor still writing: the pause is the scenario, not a wait for an event
            file.write("export const a = 2;\n")
            file.flush()
            closing.set()
            file.close()

        writer = threading.Thread(target=finish, daemon=True)
        batch = watcher.next_batch(WAIT, writer.start)
        handed_over_after_the_write = closing.is_set()
        writer.join(WAIT)
        assert handed_over_after_the_write
        assert batch == Batch((tmp_path / "a.mjs",), ())


def test_with_inotify_a_file_made_again_after_its_unlink_was_seen_is_one_change(tmp_path: Path) -> None:
    (tmp_path / "a.mjs").write_text("1")
    with Watcher(tmp_path, inotify=True) as watcher:
        (tmp_path / "a.mjs").unlink()

        def create() -> None:
            time.sleep(0.02)  # an editor between its unlink and its create: the pause is the scenario
            (tmp_path / "a.mjs").write_text("2")

        editor = threading.Thread(target=create, daemon=True)
        batch = watcher.next_batch(WAIT, editor.start)  # starts once the watcher has read the unlink
        editor.join(WAIT)
        assert batch == Batch((tmp_path / "a.mjs",), ())


@pytest.mark.parametrize("save", ["rename away", "unlink"])
def test_with_inotify_a_file_the_app_can_do_without_is_waited_for_only_when_renamed_away(
    tmp_path: Path, save: str
) -> None:
    """A route a plugin loader imported: its unlink is a deletion at once; a rename away (vim's save) is
    still given the time to come back."""
    (tmp_path / "a.mjs").write_text("1")
    with Watcher(tmp_path, inotify=True) as watcher:
        watcher.awaited = lambda path: False
        if save == "unlink":
            (tmp_path / "a.mjs").unlink()
        else:
            (tmp_path / "a.mjs").rename(tmp_path / "a.mjs~")

        def create() -> None:
            time.sleep(0.025)  # the file comes back well after the unlink's wait, well before a rename's
            (tmp_path / "a.mjs").write_text("2")

        editor = threading.Thread(target=create, daemon=True)
        batch = watcher.next_batch(WAIT, editor.start)
        editor.join(WAIT)
        if save == "unlink":
            assert batch == Batch((), (tmp_path / "a.mjs",))
            assert next_batch(watcher) == Batch((tmp_path / "a.mjs",), ())
        else:
            assert batch == Batch((tmp_path / "a.mjs", tmp_path / "a.mjs~"), ())


def test_with_inotify_a_temporary_file_reported_before_its_rename_is_not_waited_for(tmp_path: Path) -> None:
    (tmp_path / "a.mjs").write_text("1")
    temporary = tmp_path / ".a.mjs.tmp"
    with Watcher(tmp_path, inotify=True) as watcher:
        # A batch can end between the temporary file's close and its rename onto the file saved.
        temporary.write_text("2")
        assert next_batch(watcher) == Batch((temporary,), ())
        temporary.replace(tmp_path / "a.mjs")

        def save_another() -> None:  # once the rename is read: joins the batch only if the batch waits on
            (tmp_path / "b.mjs").write_text("1")

        assert watcher.next_batch(WAIT, save_another) == Batch((tmp_path / "a.mjs",), (temporary,))
        assert next_batch(watcher) == Batch((tmp_path / "b.mjs",), ())


def test_a_burst_of_saves_is_one_batch(tmp_path: Path, inotify: bool) -> None:
    names = [f"m{i}.mjs" for i in range(20)]
    for name in names[::2]:
        (tmp_path / name).write_text("1")
    with Watcher(tmp_path, inotify=inotify) as watcher:
        for name in names:  # half of them new, half rewritten (a git checkout)
            (tmp_path / name).write_text("2")
        assert next_batch(watcher) == Batch(tuple(tmp_path / name for name in sorted(names)), ())
        assert watcher.next_batch(0.1) is None


def test_with_inotify_a_queue_overflow_is_resynced_at_once(tmp_path: Path) -> None:
    limit = int(Path("/proc/sys/fs/inotify/max_queued_events").read_text())
    # In memory where the system has it: making a file on a disk can take a millisecond.
    memory = Path("/dev/shm")
    with tempfile.TemporaryDirectory(dir=memory if memory.is_dir() else tmp_path) as name:
        root = Path(name)
        (root / "a.mjs").write_text("1")
        (root / "many").mkdir()
        (root / "node_modules").mkdir()
        # Written through a link in an unwatched folder, a.mjs changes without any event: only a resync
        # finds it, and with no idle time and a resync every hour, only the overflow asks for one.
        os.link(root / "a.mjs", root / "node_modules" / "a.mjs")
        with Watcher(root, inotify=True, resync_every=3600) as watcher:
            # Nothing reads the queue until next_batch: fill it past the kernel's limit. A file made is two
            # events, its creation and its close.
            made: list[Path] = []
            deadline = time.monotonic() + 2.0
            while 2 * len(made) <= limit:
                if time.monotonic() > deadline:
                    pytest.skip(f"max_queued_events is {limit}: {len(made)} files made in 2 s fall short")
                made.append(root / "many" / f"f{len(made)}.txt")
                os.close(os.open(made[-1], os.O_CREAT | os.O_WRONLY))
            (root / "node_modules" / "a.mjs").write_text("22")
            batch = watcher.next_batch(0)
            assert batch is not None
            assert set(batch.changed) == {root / "a.mjs", *made}
            assert batch.deleted == ()
            (root / "a.mjs").write_text("333")  # events flow again after the resync
            assert next_batch(watcher) == Batch((root / "a.mjs",), ())


# Run inside a user namespace whose inotify limits are set low (the machine's stay untouched); prints what
# the watcher said at each step.
LIMITED = """\
import sys
from pathlib import Path
from graphkit.errors import InputError
from graphkit.hmr.watcher import Watcher

root, inotify = Path(sys.argv[1]), sys.argv[2] == "inotify"
def attempt(step):
    try:
        print(step(), flush=True)
    except InputError as error:
        print(f"InputError: {error}", flush=True)

try:
    watcher = Watcher(root / "fits", inotify=inotify)
except InputError as error:
    sys.exit(f"InputError: {error}")
(root / "fits" / "c").mkdir()
(root / "fits" / "d").mkdir()
for _ in range(3):
    attempt(lambda: watcher.next_batch(0.2))
watcher.close()
attempt(lambda: Watcher(root / "too-many", inotify=inotify))
"""


def run_limited(tmp_path: Path, setting: str, limit: int, inotify: bool) -> list[str]:
    for folder in ("fits/a", "fits/b", "too-many/a", "too-many/b", "too-many/c", "too-many/d"):
        (tmp_path / folder).mkdir(parents=True)
    script = f'echo {limit} > /proc/sys/user/{setting} && exec "$@"'
    run = subprocess.run(
        ["unshare", "--user", "--map-root-user", "sh", "-c", script, "sh", sys.executable, "-c", LIMITED,
         tmp_path, "inotify" if inotify else "watchfiles"],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    return (run.stdout + run.stderr).splitlines()


def test_the_watch_limit_is_one_line_with_the_fix_when_watching_and_once_for_a_later_folder(
    tmp_path: Path, inotify: bool
) -> None:
    refused = (
        "InputError: {}: cannot watch: the system's limit on watched folders is reached;"
        " raise it with `sudo sysctl fs.inotify.max_user_watches=524288`"
    )
    # 3 folders fit the limit of 4; 2 more made later do not; a tree of 5 folders does not from the start.
    assert run_limited(tmp_path, "max_inotify_watches", 4, inotify) == [
        "None",  # the later folders hold no file: no change, and the refusal is told by the next call
        refused.format(tmp_path / "fits"),
        "None",  # told once
        refused.format(tmp_path / "too-many"),
    ]


def test_the_inotify_instance_limit_is_one_line_with_the_fix(tmp_path: Path, inotify: bool) -> None:
    lines = run_limited(tmp_path, "max_inotify_instances", 0, inotify)
    assert lines[0] == (
        f"InputError: {tmp_path / 'fits'}: cannot watch: too many inotify instances are open;"
        " raise the limit with `sudo sysctl fs.inotify.max_user_instances=1024`"
    )


def test_a_folder_that_cannot_be_watched_stops_graphkit_before_the_app_runs_any_code(tmp_path: Path) -> None:
    # Node starts (held) while graphkit gets ready to watch; the entry runs only once the folders are watched.
    (tmp_path / "package.json").write_text("{}\n")
    (tmp_path / "main.mjs").write_text(
        "import { writeFileSync } from 'node:fs';\nwriteFileSync(new URL('./ran', import.meta.url), 'x');\n"
    )
    script = 'echo 0 > /proc/sys/user/max_inotify_instances && exec "$@"'
    run = subprocess.run(
        ["unshare", "--user", "--map-root-user", "sh", "-c", script, "sh",
         GRAPHKIT, "watch", tmp_path / "main.mjs", "--node", node_binary(24)],
        capture_output=True, text=True, timeout=WAIT,
    )
    assert run.returncode == 2
    assert run.stderr.splitlines() == [
        f"graphkit: {tmp_path}: cannot watch: too many inotify instances are open;"
        " raise the limit with `sudo sysctl fs.inotify.max_user_instances=1024`"
    ]
    assert not (tmp_path / "ran").exists()


def test_an_entry_that_is_not_a_file_is_one_line(tmp_path: Path) -> None:
    run = subprocess.run(
        [GRAPHKIT, "watch", tmp_path / "nope.mjs"], capture_output=True, text=True, timeout=WAIT
    )
    assert (run.returncode, run.stderr) == (
        2,
        f"graphkit: {tmp_path / 'nope.mjs'}: the entry is not a file\n",
    )


# Busy for BUSY_MS after it starts (a callback of 20 ms every millisecond), then idle until stopped.
BUSY_APP = """\
const until = performance.now() + Number(process.env.BUSY_MS);
const timer = setInterval(() => {
  const end = performance.now() + 20;
  while (performance.now() < end);
  if (performance.now() > until) clearInterval(timer);
}, 1);
setInterval(() => {}, 60_000);
"""


@pytest.mark.parametrize("end", ["quiet", "save", "exit"])
def test_graphkit_waits_for_a_busy_app_to_be_quiet_unless_a_save_comes_or_the_app_exits(
    tmp_path: Path, end: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # graphkit watch imports its planner and reads the live graph once the app is quiet, not while it starts.
    exits = "setTimeout(() => process.exit(3), 300);\n" if end == "exit" else ""
    (tmp_path / "package.json").write_text("{}\n")
    (tmp_path / "main.mjs").write_text(BUSY_APP + exits)
    monkeypatch.setenv("BUSY_MS", "1000" if end == "quiet" else "20000")
    launched = launch(WatchOptions(entry=tmp_path / "main.mjs", node=str(node_binary(24))))
    try:
        if end == "save":
            threading.Timer(0.3, (tmp_path / "main.mjs").write_text, ("// saved\n",)).start()
        started = time.monotonic()
        launched.settle(threading.Event(), seconds=10)
        waited = time.monotonic() - started
        if end == "quiet":
            assert 0.8 < waited < 5, waited
            assert launched.host.running
        else:
            assert 0.2 < waited < 2, waited
            assert launched.host.running == (end == "save")
    finally:
        launched.close()
