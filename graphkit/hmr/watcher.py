"""File events for project trees, gathered into batches of files changed and deleted.

Events come from Linux inotify (``graphkit.hmr.linux``: a save is handled the moment the kernel reports
it written and closed) or, where inotify is not available, from ``watchfiles`` (``graphkit.hmr.portable``:
FSEvents, kqueue, Windows, polling; a batch ends after a fixed quiet step).

Every folder under the roots is watched except ``node_modules``, dot-folders and what ``graphkit.hmr.ignore``
ignores (``--ignore``): each folder is watched on
its own (a recursive watch would also cover ``node_modules``, whose folders can exhaust the system's watch
limit), and folders created later are added as they appear, with the files already in them reported.
When the system refuses a watch (its limit on watched folders), the constructor and ``add`` raise
InputError with the fix; for a folder created later, the next ``next_batch`` raises it, once.
A save that an editor performs as unlink + create lands in one batch as a change: a batch reports what
exists once its files have settled.

The kernel can drop events (an inotify queue overflow): inotify says so, and the watcher resyncs then and
only then, so an idle watch costs nothing. ``watchfiles`` does not say, so on that backend the watcher also
resyncs after a stretch without events: ``resync_every`` seconds, or ``_RESYNC_COST`` times as long as the
last resync took when that is longer, so a resync never takes more than 1/``_RESYNC_COST`` of a core
however large the tree. A resync compares the files' stat with what it last saw and reports the differences
as a batch.

A symbolic link to a folder is never followed, whether it was there at the start or made later: a link to
``/usr`` must not watch ``/usr``. A watched folder (a root) that is renamed or deleted raises RootGone: the
watch cannot go on at a path that no longer holds the project.

With ``stat_later``, the constructor only watches the folders (a walk that lists them): the stat of each
file, which a batch and a resync compare with, is read by ``read_stats`` or the first ``next_batch``, so
``graphkit watch`` starts the app without waiting for a stat of every file under the roots.
"""

from __future__ import annotations

import errno
import os
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from graphkit.errors import InputError
from graphkit.hmr.events import Events, EventsLost
from graphkit.hmr.ignore import Ignore
from graphkit.hmr.inotify import available as inotify_available
from graphkit.hmr.linux import LinuxEvents

__all__ = ["Batch", "RootGone", "Watcher"]

_Stat = tuple[int, int, int]  # mtime_ns, size, inode
_GONE: _Stat = (-1, -1, -1)  # a file the watcher found that was gone when its stat was read
_RESYNC_COST = 200  # without kernel reports of lost events, a resync waits this many times its own length


class RootGone(InputError):
    """A watched folder was renamed or deleted."""


@dataclass(frozen=True, slots=True)
class Batch:
    changed: tuple[Path, ...]  # files that exist after the batch (written, created or replaced)
    deleted: tuple[Path, ...]  # files that were there and are gone


class Watcher:
    def __init__(
        self,
        *roots: Path,
        resync_every: float = 2.0,
        inotify: bool | None = None,
        stat_later: bool = False,
        ignore: Ignore | None = None,
    ) -> None:
        """``inotify``: True for Linux inotify, False for ``watchfiles``, None for inotify where available;
        ``stat_later``: the files under ``roots`` are stat'ed by ``read_stats`` (or the first
        ``next_batch``), not now; ``ignore``: what is left unwatched besides the defaults."""
        self.roots: list[Path] = []
        self.resync_every = resync_every
        self._resync_least = resync_every
        self.ignore = ignore or Ignore()
        self._roots_id: dict[Path, tuple[int, int]] = {}  # root -> its device and inode
        self._files: dict[Path, _Stat] = {}
        self._unread: list[Path] = []  # files found under the roots whose stat is not read yet
        # Whether an unlinked file is waited for in case it comes back (inotify): the watch loop says which
        # the app cannot do without.
        self.awaited: Callable[[Path], bool] = lambda _: True
        self._events = _backend(
            inotify, roots[0].resolve() if roots else Path.cwd(), self._known, lambda path: self.awaited(path)
        )
        self._idle = 0.0  # seconds without events since the last resync
        self._refused: set[Path] = set()  # folders the system would not let us watch: never retried
        self._failure: InputError | None = None  # why, told by the next call to next_batch
        try:
            for root in roots:
                self._add(root, stat_later)
                info = root.stat()
                self._roots_id[root.resolve()] = (info.st_dev, info.st_ino)
        except BaseException:
            self._events.close()
            raise

    def add(self, root: Path) -> None:
        """Watch the tree under ``root`` too."""
        self._add(root, later=False)

    def _add(self, root: Path, later: bool) -> None:
        root = root.resolve()
        if not root.is_dir():
            raise InputError(f"{root}: cannot watch: not a folder")
        self.roots.append(root)
        self._grow(self._tree(root, later))

    def read_stats(self) -> None:
        """Read the stat of the files the constructor found, when it was told ``stat_later``."""
        unread, self._unread = self._unread, []
        for path in unread:
            if self._remember(path) is None:
                self._files[path] = _GONE  # deleted since the walk found it: its deletion is reported

    def _tree(self, top: Path, later: bool = False) -> list[Path]:
        root = self._root_of(top)
        folders = []
        for folder, subfolders, files in os.walk(top):  # symbolic links to folders are not followed
            path = Path(folder)
            parts = path.relative_to(root).parts
            subfolders[:] = [d for d in subfolders if not self.ignore.folder((*parts, d))]
            folders.append(path)
            names = [name for name in files if not self.ignore.entry((*parts, name))]  # its folders: kept
            if later:
                self._unread += (path / name for name in names)
            else:
                for name in names:
                    self._remember(path / name)
        return folders

    def _root_of(self, path: Path) -> Path:
        return next(root for root in reversed(self.roots) if path.is_relative_to(root))

    def _relative(self, path: Path) -> tuple[str, ...]:
        return path.relative_to(self._root_of(path)).parts

    def _known(self, path: Path) -> bool:
        return path in self._files

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
            self._refused |= folders - self._events.folders
            self._failure = error

    def _grow(self, folders: Iterable[Path]) -> None:
        """Watch ``folders`` besides those watched."""
        try:
            self._events.watch(folders)
        except OSError as error:
            raise InputError(_refused(self.roots[-1], error)) from error

    def next_batch(
        self, timeout: float | None = None, on_first_event: Callable[[], None] | None = None
    ) -> Batch | None:
        """Wait up to ``timeout`` seconds (forever when None) for events; None when nothing happened.

        ``on_first_event`` runs as soon as a batch is known to come, before it is read from the disk.
        """
        if self._unread:
            self.read_stats()
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure
        try:
            touched = self._events.wait(timeout, on_first_event)
        except EventsLost:
            self._check_roots()
            return self._resync()
        self._check_roots()
        if touched is None:
            self._idle += timeout or 0.0
            if self._events.reports_loss or self._idle < self.resync_every:
                return None
            return self._resync()
        self._idle = 0.0
        return self._batch(touched)

    def _check_roots(self) -> None:
        """RootGone when a root is no longer the folder it was (one stat a root: nothing next to a wait)."""
        for root, ident in self._roots_id.items():
            try:
                info = root.stat()
            except OSError:
                info = None
            if info is None or (info.st_dev, info.st_ino) != ident:
                raise RootGone(f"{root}: the watched folder was renamed or deleted")

    def pending(self, timeout: float) -> bool:
        """Whether file events wait for ``next_batch``, waiting up to ``timeout`` seconds for one (on
        inotify; ``watchfiles`` cannot tell without reading them: it waits and says False)."""
        return self._events.pending(timeout)

    def _batch(self, touched: Iterable[Path]) -> Batch | None:
        changed: dict[Path, None] = {}  # a file in a new folder can be named twice: by its folder and itself
        deleted: list[Path] = []
        new_folders: list[Path] = []
        for path in sorted(touched):
            if not self.covers(path):
                continue
            if path.is_dir():
                if path.is_symlink():
                    continue  # as at the start: a link to a folder is neither watched nor a file
                if path not in self._events.folders and not self.ignore.folder(self._relative(path)):
                    before = set(self._files)
                    new_folders += self._tree(path)
                    # written before the folder was watched
                    changed |= dict.fromkeys(sorted(set(self._files) - before))
            elif path in self._events.folders:
                self._events.forget(path)  # a folder went away; its watch went with it
            else:
                known = path in self._files
                if self._remember(path) is not None:
                    changed[path] = None
                elif known:
                    deleted.append(path)
                # else: it came and went within the batch (a rename-over save's temporary file)
        if new_folders:
            self._grow_later(new_folders)
        return Batch(tuple(changed), tuple(deleted)) if changed or deleted else None

    def covers(self, path: Path) -> bool:
        """Under a root and not ignored."""
        for root in self.roots:
            if path.is_relative_to(root):
                return not self.ignore.under(root, path)
        return False

    def _resync(self) -> Batch | None:
        """The files whose stat differs from what was last seen: events the kernel dropped."""
        self._idle = 0.0
        started = time.perf_counter()
        seen, self._files = self._files, {}
        folders: list[Path] = []
        for root in self.roots:
            folders += self._tree(root)
        changed = tuple(sorted(p for p, stat in self._files.items() if seen.get(p) != stat))
        deleted = tuple(sorted(set(seen) - set(self._files)))
        self._grow_later(folders)
        self.resync_every = max(self._resync_least, (time.perf_counter() - started) * _RESYNC_COST)
        return Batch(changed, deleted) if changed or deleted else None

    def close(self) -> None:
        self._events.close()

    def __enter__(self) -> Watcher:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _backend(
    use_inotify: bool | None, folder: Path, known: Callable[[Path], bool], awaited: Callable[[Path], bool]
) -> Events:
    """Linux inotify when asked for, or when None and the system has it; ``watchfiles`` otherwise."""
    if use_inotify is False or (use_inotify is None and not inotify_available()):
        return _portable()
    try:
        return LinuxEvents(known, awaited)
    except OSError as error:
        if use_inotify is None and error.errno not in _LIMITS:
            return _portable()  # refused outright (a sandbox): watchfiles can fall back to polling
        raise InputError(_refused(folder, error)) from error


def _portable() -> Events:
    # Imported only here: watchfiles takes about 15 ms to import, which `graphkit watch` would spend before
    # starting the app, and inotify never needs it.
    from graphkit.hmr.portable import PortableEvents

    return PortableEvents()


_LIMITS = (errno.EMFILE, errno.ENFILE, errno.ENOMEM)  # inotify is there, a limit stands in the way


def _refused(folder: Path, error: OSError) -> str:
    """One line for a watch the system refused; a system limit names its fix."""
    text = error.strerror or str(error)
    if error.errno == errno.ENOSPC:
        fix = (
            "raise it with `sudo sysctl fs.inotify.max_user_watches=524288`"
            if sys.platform.startswith("linux")
            else "raise the system's limit on watched files"
        )
        return f"{folder}: cannot watch: the system's limit on watched folders is reached; {fix}"
    if error.errno == errno.EMFILE and sys.platform.startswith("linux"):
        return (
            f"{folder}: cannot watch: too many inotify instances are open;"
            " raise the limit with `sudo sysctl fs.inotify.max_user_instances=1024`"
        )
    return f"{folder}: cannot watch ({text})"
