"""The watcher's reach: ignored paths, symbolic links made later, a root that goes away, and an idle watch
that reads nothing. On both backends (the ``inotify`` fixture), on a real file system."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from graphkit.hmr.ignore import Ignore
from graphkit.hmr.watcher import Batch, RootGone, Watcher
from tests.conftest import node_binary
from tests.test_host import copy_fixture
from tests.test_watch import WAIT, Watching, next_batch


@pytest.mark.parametrize(
    ("globs", "path", "ignored"),
    [
        ((), "coverage/lcov-report/sorter.js", True),  # a default: test coverage reports
        ((), "dist/main.mjs", False),  # an app may run from dist/
        ((), "src/.cache/x.mjs", True),  # a dot-folder
        (("*.log",), "logs/app.log", True),  # a glob without / matches a name at any depth
        (("tmp",), "a/tmp/b/c.json", True),  # ... a folder's name too
        (("data/*.json",), "data/x.json", True),  # a glob with / matches the relative path
        (("data/*.json",), "src/data/x.json", False),  # ... from the watched folder only
        (("fixtures/out",), "fixtures/out/deep/a.mjs", True),  # ... or a folder the file lies in
    ],
)
def test_ignore_globs(globs: tuple[str, ...], path: str, ignored: bool) -> None:
    assert Ignore(globs).path(Path(path).parts) is ignored


def test_ignored_folders_are_not_watched_and_their_saves_not_reported(tmp_path: Path, inotify: bool) -> None:
    (tmp_path / "gen").mkdir()
    (tmp_path / "coverage").mkdir()
    with Watcher(tmp_path, inotify=inotify, ignore=Ignore(("gen", "*.tmp.mjs"))) as watcher:
        assert watcher._events.folders == {tmp_path}
        (tmp_path / "gen" / "a.mjs").write_text("1")
        (tmp_path / "coverage" / "b.js").write_text("1")
        (tmp_path / "c.tmp.mjs").write_text("1")
        (tmp_path / "d.mjs").write_text("1")
        assert next_batch(watcher) == Batch((tmp_path / "d.mjs",), ())
        (tmp_path / "gen" / "sub").mkdir()  # a new folder under an ignored one is not watched either
        (tmp_path / "gen" / "sub" / "e.mjs").write_text("1")
        assert watcher.next_batch(0.3) is None


def test_a_symbolic_link_to_a_folder_made_later_is_not_followed(tmp_path: Path, inotify: bool) -> None:
    root, outside = tmp_path / "app", tmp_path / "outside"
    root.mkdir()
    (outside / "deep").mkdir(parents=True)
    (outside / "deep" / "x.mjs").write_text("1")
    with Watcher(root, inotify=inotify) as watcher:
        (root / "link").symlink_to(outside)
        (root / "a.mjs").write_text("1")
        assert next_batch(watcher) == Batch((root / "a.mjs",), ())
        assert watcher._events.folders == {root}  # as at the start: a link is not a folder to watch
        (outside / "deep" / "x.mjs").write_text("2")
        assert watcher.next_batch(0.3) is None


@pytest.mark.parametrize("how", ["renamed", "deleted"])
def test_a_root_renamed_or_deleted_ends_the_watch(tmp_path: Path, inotify: bool, how: str) -> None:
    root = tmp_path / "app"
    root.mkdir()
    (root / "a.mjs").write_text("1")
    with Watcher(root, inotify=inotify) as watcher:
        if how == "renamed":
            root.rename(tmp_path / "moved")
        else:
            (root / "a.mjs").unlink()
            root.rmdir()
        with pytest.raises(RootGone, match=str(root)):
            for _ in range(20):
                watcher.next_batch(0.1)


class _Counting(Watcher):
    resyncs = 0

    def _resync(self) -> Batch | None:
        self.resyncs += 1
        return super()._resync()


def test_an_idle_watch_resyncs_only_where_events_can_be_lost_unseen(tmp_path: Path, inotify: bool) -> None:
    for i in range(2000):
        (tmp_path / f"f{i}.mjs").write_text("1")
    watcher = _Counting(tmp_path, inotify=inotify, resync_every=0.05)
    with watcher:
        for _ in range(10):
            assert watcher.next_batch(0.05) is None
        if inotify:
            assert watcher.resyncs == 0  # the kernel says when it dropped events: nothing to stat
        else:
            # watchfiles does not say: a resync, then the next waits 200 times as long as it took.
            assert watcher.resyncs == 1
            assert watcher.resync_every > 0.05
        (tmp_path / "f0.mjs").write_text("2")
        assert next_batch(watcher) == Batch((tmp_path / "f0.mjs",), ())


def test_a_renamed_project_folder_ends_graphkit_with_one_line_and_stops_the_app(tmp_path: Path) -> None:
    w = Watching(node_binary(24), copy_fixture("http-app", tmp_path))
    try:
        (app,) = Path(f"/proc/{w.process.pid}/task/{w.process.pid}/children").read_text().split()
        assert w.get("/hello") == "HELLO V1 #1!"
        w.root.rename(tmp_path / "moved")
        assert w.process.wait(timeout=WAIT) == 2
        assert w.status() == f"graphkit: {w.root}: the watched folder was renamed or deleted"
        with pytest.raises(ProcessLookupError):
            os.kill(int(app), 0)  # stopped, not left serving from a folder graphkit no longer watches
    finally:
        if w.process.poll() is None:
            w.process.kill()
            w.process.wait()
