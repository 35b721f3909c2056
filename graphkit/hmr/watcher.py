"""File events for a project tree through Linux inotify (ctypes, no dependency), gathered into batches.

Every folder under the root is watched except ``node_modules`` and dot-folders; folders created later are
added as they appear. There is no fixed debounce: a batch is handed over as soon as every file it touched
is settled, which a save is the moment the kernel reports it written and closed (``IN_CLOSE_WRITE``) or
renamed into place (``IN_MOVED_TO``). Events already queued by then join the batch, so a burst coalesces.
Two cases wait, each at most a bounded time: a file still open for writing, and a file that existed and
is gone (an editor that saves by unlink + create, or that renames the old file away first, re-creates it
at once: the batch then reports a change, not a deletion).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import select
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from graphkit.errors import InputError

__all__ = ["Batch", "Watcher"]

_IN_MODIFY = 0x002
_IN_CLOSE_WRITE = 0x008
_IN_MOVED_FROM = 0x040
_IN_MOVED_TO = 0x080
_IN_CREATE = 0x100
_IN_DELETE = 0x200
_IN_Q_OVERFLOW = 0x4000  # the kernel dropped events: which files changed is unknown
_IN_ISDIR = 0x40000000
_MASK = _IN_MODIFY | _IN_CLOSE_WRITE | _IN_MOVED_FROM | _IN_MOVED_TO | _IN_CREATE | _IN_DELETE

_HEADER = struct.Struct("iIII")  # struct inotify_event: wd, mask, cookie, len
_WRITTEN = _IN_CLOSE_WRITE | _IN_MOVED_TO  # the file's new content is complete
_GONE = _IN_DELETE | _IN_MOVED_FROM
_APPEARS = _IN_CREATE | _IN_MOVED_TO  # as a first event: the file was not there before the batch


def _watched(folder_name: str) -> bool:
    return folder_name != "node_modules" and not folder_name.startswith(".")


@dataclass(frozen=True, slots=True)
class Batch:
    changed: tuple[Path, ...]  # files that exist after the batch (written, created or replaced)
    deleted: tuple[Path, ...]  # files that were there and are gone
    overflowed: bool = False  # events were lost: anything under the root may have changed


class Watcher:
    def __init__(self, root: Path, *, gone_wait: float = 0.05, open_wait: float = 0.5) -> None:
        self.root = root.resolve()
        self.gone_wait = gone_wait  # how long a file that existed and vanished may take to come back
        self.open_wait = open_wait  # how long a file written but not yet closed may take to close
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        self._add = libc.inotify_add_watch
        self._add.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32)
        self._fd: int = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self._fd < 0:
            raise InputError(f"{self.root}: inotify is unavailable ({os.strerror(ctypes.get_errno())})")
        self._folders: dict[int, Path] = {}
        self._overflowed = False
        self._watch_tree(self.root)

    def _watch_tree(self, top: Path) -> None:
        for folder, subfolders, _ in os.walk(top):
            subfolders[:] = [d for d in subfolders if _watched(d)]
            wd = self._add(self._fd, os.fsencode(folder), _MASK)
            if wd < 0:
                if folder == str(self.root):
                    raise InputError(f"{folder}: cannot watch ({os.strerror(ctypes.get_errno())})")
                continue  # a folder that vanished while we walked
            self._folders[wd] = Path(folder)

    def _read(self) -> list[tuple[Path, int]]:
        try:
            data = os.read(self._fd, 65536)
        except BlockingIOError:
            return []
        touched = []
        offset = 0
        while offset < len(data):
            wd, mask, _, size = _HEADER.unpack_from(data, offset)
            name = data[offset + _HEADER.size : offset + _HEADER.size + size].rstrip(b"\0")
            offset += _HEADER.size + size
            if mask & _IN_Q_OVERFLOW:
                self._overflowed = True
                continue
            folder = self._folders.get(wd)
            if folder is None or not name:
                continue
            path = folder / os.fsdecode(name)
            if mask & _IN_ISDIR:
                if mask & (_IN_CREATE | _IN_MOVED_TO) and _watched(path.name):
                    self._watch_tree(path)
                continue
            touched.append((path, mask))
        return touched

    def next_batch(
        self, timeout: float | None = None, on_first_event: Callable[[], None] | None = None
    ) -> Batch | None:
        """Wait up to ``timeout`` seconds (forever when None) for events; None when nothing happened.

        ``on_first_event`` runs as soon as events arrive, before the debounce: work that does not depend
        on the files' content can overlap the wait.
        """
        ready, _, _ = select.select([self._fd], [], [], timeout)
        if not ready:
            return None
        first: dict[Path, int] = {}  # path -> its first event in this batch
        latest: dict[Path, int] = {}  # path -> its latest event
        self._note(first, latest)
        if on_first_event is not None:
            on_first_event()
        while True:
            if select.select([self._fd], [], [], 0)[0]:
                self._note(first, latest)  # already queued: part of this burst
                continue
            wait = self._wait(first, latest)
            if wait == 0 or not select.select([self._fd], [], [], wait)[0]:
                break
            self._note(first, latest)
        overflowed, self._overflowed = self._overflowed, False
        if not latest and not overflowed:
            return None
        changed = tuple(p for p in latest if p.is_file())
        # A file created and gone within the batch (an editor's temporary file) was never there to delete.
        deleted = tuple(p for p in latest if not first[p] & _APPEARS and not p.exists())
        return Batch(changed, deleted, overflowed)

    def _note(self, first: dict[Path, int], latest: dict[Path, int]) -> None:
        for path, mask in self._read():
            first.setdefault(path, mask)
            latest[path] = mask

    def _wait(self, first: dict[Path, int], latest: dict[Path, int]) -> float:
        """How long to wait for more events: 0 once every touched file is settled."""
        wait = 0.0
        for path, mask in latest.items():
            if mask & _WRITTEN:
                continue
            if mask & _GONE:
                # A file created in this batch and gone again was a temporary one: nothing to wait for.
                if not first[path] & _APPEARS:
                    wait = max(wait, self.gone_wait)
            elif mask & (_IN_MODIFY | _IN_CREATE):
                wait = max(wait, self.open_wait)
        return wait

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> Watcher:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
