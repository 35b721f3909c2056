"""File events for project trees through ``watchfiles`` (inotify, FSEvents, kqueue, Windows; polling where
none of them works), debounced into batches.

Every folder under the roots is watched except ``node_modules`` and dot-folders: each folder is watched on
its own (a recursive watch would also cover ``node_modules``, whose folders can exhaust the system's watch
limit), and folders created later are added as they appear, with the files already in them reported.
When the system refuses a watch (its limit on watched folders), the constructor and ``add`` raise
InputError with the fix; for a folder created later, the next ``next_batch`` raises it, once.
A save that an editor performs as unlink + create lands in one batch as a change, because a batch reports
what exists once the events have been quiet for one step.

The kernel can drop events (an inotify queue overflow) and ``watchfiles`` does not say when it does, so
the watcher resyncs: after ``resync_every`` seconds without events, and when the backend fails, it
compares the files' stat with what it last saw and reports the differences as a batch.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from watchfiles._rust_notify import RustNotify, WatchfilesRustInternalError

from graphkit.errors import InputError

__all__ = ["Batch", "Watcher"]

_STEP_MS = 5  # a batch ends after one step with no new event: the debounce
_DEBOUNCE_MS = 500  # a batch never waits longer than this for events to stop
_ATTEMPTS = 3  # folders can vanish between the walk and the watch: try again without them

_Stat = tuple[int, int, int]  # mtime_ns, size, inode


def _watched(folder_name: str) -> bool:
    return folder_name != "node_modules" and not folder_name.startswith(".")


@dataclass(frozen=True, slots=True)
class Batch:
    changed: tuple[Path, ...]  # files that exist after the batch (written, created or replaced)
    deleted: tuple[Path, ...]  # files that were there and are gone


class Watcher:
    def __init__(self, *roots: Path, resync_every: float = 2.0) -> None:
        self.roots: list[Path] = []
        self.resync_every = resync_every
        self._folders: set[Path] = set()
        self._files: dict[Path, _Stat] = {}
        self._notify: RustNotify | None = None
        self._idle = 0.0  # seconds without events since the last resync
        self._refused: set[Path] = set()  # folders the system would not let us watch: never retried
        self._failure: InputError | None = None  # why, told by the next call to next_batch
        for root in roots:
            self.add(root)

    def add(self, root: Path) -> None:
        """Watch the tree under ``root`` too."""
        root = root.resolve()
        if not root.is_dir():
            raise InputError(f"{root}: cannot watch: not a folder")
        self.roots.append(root)
        self._grow(self._tree(root))

    def _tree(self, top: Path) -> list[Path]:
        folders = []
        for folder, subfolders, files in os.walk(top):
            subfolders[:] = [d for d in subfolders if _watched(d)]
            path = Path(folder)
            folders.append(path)
            for name in files:
                self._remember(path / name)
        return folders

    def _remember(self, path: Path) -> _Stat | None:
        try:
            info = path.stat()
        except OSError:
            self._files.pop(path, None)
            return None
        stat = (info.st_mtime_ns, info.st_size, info.st_ino)
        self._files[path] = stat
        return stat

    def _grow_later(self, folders: Iterable[Path]) -> None:
        """``_grow`` while events are handled: a refusal is told once, by the next ``next_batch``."""
        folders = set(folders) - self._refused
        try:
            self._grow(folders)
        except InputError as error:
            self._refused |= folders - self._folders
            self._failure = error

    def _grow(self, folders: Iterable[Path], *, anew: bool = False) -> None:
        """Watch ``folders`` besides those watched; the new watcher starts before the old one stops."""
        wanted = set(self._folders) | set(folders)
        if wanted == self._folders and not anew and self._notify is not None:
            return
        for attempt in range(_ATTEMPTS):
            wanted = {f for f in wanted if f.is_dir()}
            try:
                notify = RustNotify(sorted(map(str, wanted)), False, False, 300, False, False)
                break
            except (OSError, WatchfilesRustInternalError) as error:
                if isinstance(error, FileNotFoundError) and attempt < _ATTEMPTS - 1:
                    continue
                raise InputError(_refused(self.roots[-1], error)) from error
        old, self._notify, self._folders = self._notify, notify, wanted
        if old is not None:
            old.close()

    def next_batch(
        self, timeout: float | None = None, on_first_event: Callable[[], None] | None = None
    ) -> Batch | None:
        """Wait up to ``timeout`` seconds (forever when None) for events; None when nothing happened.

        ``on_first_event`` runs as soon as a batch is known, before it is read from the disk.
        """
        assert self._notify is not None
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure
        timeout_ms = 0 if timeout is None else max(1, round(timeout * 1000))
        try:
            found = self._notify.watch(_DEBOUNCE_MS, _STEP_MS, timeout_ms, None)
        except WatchfilesRustInternalError:
            self._grow((), anew=True)  # the backend broke: watch afresh; what it missed, a resync finds
            return self._resync()
        if found == "signal":
            raise KeyboardInterrupt
        if found in ("timeout", "stop"):
            self._idle += timeout_ms / 1000
            if self._idle < self.resync_every:
                return None
            return self._resync()
        assert isinstance(found, set)
        self._idle = 0.0
        if on_first_event is not None:
            on_first_event()
        return self._batch(Path(path) for _, path in found)

    def _batch(self, touched: Iterable[Path]) -> Batch | None:
        changed: list[Path] = []
        deleted: list[Path] = []
        new_folders: list[Path] = []
        for path in dict.fromkeys(touched):
            if not self._inside(path):
                continue
            if path.is_dir():
                if path not in self._folders and _watched(path.name):
                    before = set(self._files)
                    new_folders += self._tree(path)
                    changed += sorted(set(self._files) - before)  # written before the folder was watched
            elif path in self._folders:
                self._folders.discard(path)  # a folder went away; its watch went with it
            else:
                known = path in self._files
                if self._remember(path) is not None:
                    changed.append(path)
                elif known:
                    deleted.append(path)
                # else: it came and went within the batch (a rename-over save's temporary file)
        if new_folders:
            self._grow_later(new_folders)
        return Batch(tuple(changed), tuple(deleted)) if changed or deleted else None

    def _inside(self, path: Path) -> bool:
        """Under a root and in no ignored folder."""
        for root in self.roots:
            if path.is_relative_to(root):
                return all(_watched(part) for part in path.relative_to(root).parts[:-1])
        return False

    def _resync(self) -> Batch | None:
        """The files whose stat differs from what was last seen: events the kernel dropped."""
        self._idle = 0.0
        seen, self._files = self._files, {}
        folders: list[Path] = []
        for root in self.roots:
            folders += self._tree(root)
        changed = tuple(sorted(p for p, stat in self._files.items() if seen.get(p) != stat))
        deleted = tuple(sorted(set(seen) - set(self._files)))
        self._grow_later(folders)
        return Batch(changed, deleted) if changed or deleted else None

    def close(self) -> None:
        if self._notify is not None:
            self._notify.close()
            self._notify = None

    def __enter__(self) -> Watcher:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _refused(folder: Path, error: Exception) -> str:
    """One line for a watch the system refused; a system limit names its fix."""
    text = str(error).split(" (")[0]
    if "MaxFilesWatch" in str(error) or getattr(error, "errno", None) == errno.ENOSPC:
        fix = (
            "raise it with `sudo sysctl fs.inotify.max_user_watches=524288`"
            if sys.platform.startswith("linux")
            else "raise the system's limit on watched files"
        )
        return f"{folder}: cannot watch: the system's limit on watched folders is reached; {fix}"
    if "Too many open files" in text and sys.platform.startswith("linux"):
        return (
            f"{folder}: cannot watch: too many inotify instances are open;"
            " raise the limit with `sudo sysctl fs.inotify.max_user_instances=1024`"
        )
    return f"{folder}: cannot watch ({text})"
