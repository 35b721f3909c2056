"""The file watcher under faults: changes it was never told of, folders made in a burst, the watch limit."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from graphkit.errors import GraphkitError
from graphkit.hmr import portable
from graphkit.hmr.watcher import Batch, Watcher
from tests.faults.conftest import GRAPHKIT, write_app

WAIT = 15.0


def next_batch(watcher: Watcher) -> Batch:
    """The next batch; resyncs come every ``resync_every`` seconds of quiet, so this waits a few rounds."""
    for _ in range(round(WAIT / 0.1)):
        batch = watcher.next_batch(0.1)
        if batch is not None:
            return batch
    pytest.fail("no batch")


def test_on_watchfiles_a_change_no_event_reported_is_found_by_the_resync(tmp_path: Path) -> None:
    # inotify reports what it drops (a queue overflow), so an idle watch there stats nothing; a change it
    # never reports at all, as here, is seen at the next save of that file. watchfiles does not say what
    # it dropped: an idle resync covers it.
    inotify = False
    (tmp_path / "a.mjs").write_text("1")
    (tmp_path / "node_modules").mkdir()
    # A write through a link in an unwatched folder changes the file without an event on its folder.
    os.link(tmp_path / "a.mjs", tmp_path / "node_modules" / "a.mjs")
    with Watcher(tmp_path, resync_every=0.3, inotify=inotify) as watcher:
        (tmp_path / "node_modules" / "a.mjs").write_text("22")
        assert next_batch(watcher) == Batch((tmp_path / "a.mjs",), ())


def test_files_in_folders_made_in_a_burst_are_reported_and_then_watched(
    tmp_path: Path, inotify: bool
) -> None:
    with Watcher(tmp_path, resync_every=60, inotify=inotify) as watcher:
        deep = tmp_path / "a" / "b" / "c"
        deep.mkdir(parents=True)
        (deep / "x.mjs").write_text("1")  # likely written before graphkit watches c/
        assert next_batch(watcher).changed == (deep / "x.mjs",)
        (deep / "x.mjs").write_text("2")
        assert next_batch(watcher) == Batch((deep / "x.mjs",), ())


def test_the_watch_limit_is_one_line_with_the_fix(tmp_path: Path) -> None:
    entry = write_app(tmp_path / "app", "export const page = () => 'v1';\n")
    for name in "abcdef":
        (tmp_path / "app" / name).mkdir()
    # A user namespace of its own has its own limit on watches: set it low without touching the machine's.
    script = 'echo 3 > /proc/sys/user/max_inotify_watches && exec "$@"'
    run = subprocess.run(
        ["unshare", "--user", "--map-root-user", "sh", "-c", script, "sh", GRAPHKIT, "watch", entry],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "fs.inotify.max_user_watches" in run.stderr


class _Watchfiles0x:
    """The file watcher of watchfiles 0.x, whose constructor took no ``ignore_permission_denied``."""

    def __init__(
        self, watch_paths: list[str], debug: bool, force_polling: bool, poll_delay_ms: int, recursive: bool
    ) -> None:
        self.watch_paths = watch_paths


def test_a_watchfiles_with_another_watcher_signature_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(portable, "RustNotify", _Watchfiles0x)
    with pytest.raises(GraphkitError) as caught:
        portable.PortableEvents().watch([tmp_path])
    assert re.fullmatch(r"watchfiles \d+\.\d+\.\d+\S*: .+; install watchfiles>=1\.0,<2", str(caught.value))
