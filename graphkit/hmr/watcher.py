"""File events for project trees through Linux inotify (ctypes, no dependency), debounced into batches.

Every folder under the roots is watched except ``node_modules`` and dot-folders; folders created later are
added as they appear. A save that an editor performs as unlink + create lands in one batch as a change,
because a batch reports what exists once the events have been quiet for ``quiet`` seconds.
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


def _watched(folder_name: str) -> bool:
    return folder_name != "node_modules" and not folder_name.startswith(".")


@dataclass(frozen=True, slots=True)
class Batch:
    changed: tuple[Path, ...]  # files that exist after the batch (written, created or replaced)
    deleted: tuple[Path, ...]  # files that were there and are gone
    overflowed: bool = False  # events were lost: anything under the root may have changed


class Watcher:
    def __init__(self, *roots: Path, quiet: float = 0.01) -> None:
        self.roots: list[Path] = []
        self.quiet = quiet
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        self._add = libc.inotify_add_watch
        self._add.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32)
        self._fd: int = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self._fd < 0:
            raise InputError(f"{roots[0]}: inotify is unavailable ({os.strerror(ctypes.get_errno())})")
        self._folders: dict[int, Path] = {}
        self._overflowed = False
        for root in roots:
            self.add(root)

    def add(self, root: Path) -> None:
        """Watch the tree under ``root`` too."""
        root = root.resolve()
        self.roots.append(root)
        self._watch_tree(root, root)

    def _watch_tree(self, top: Path, root: Path | None = None) -> None:
        for folder, subfolders, _ in os.walk(top):
            subfolders[:] = [d for d in subfolders if _watched(d)]
            wd = self._add(self._fd, os.fsencode(folder), _MASK)
            if wd < 0:
                if root is not None and folder == str(root):
                    raise InputError(f"{folder}: cannot watch ({os.strerror(ctypes.get_errno())})")
                continue  # a folder that vanished while we walked
            self._folders[wd] = Path(folder)

    def _read(self) -> list[Path]:
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
            touched.append(path)
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
        touched = dict.fromkeys(self._read())
        if on_first_event is not None:
            on_first_event()
        # Debounce: an editor's save is several events; collect until they stop for `quiet` seconds.
        while select.select([self._fd], [], [], self.quiet)[0]:
            touched.update(dict.fromkeys(self._read()))
        overflowed, self._overflowed = self._overflowed, False
        if not touched and not overflowed:
            return None
        changed = tuple(p for p in touched if p.is_file())
        deleted = tuple(p for p in touched if not p.exists())
        return Batch(changed, deleted, overflowed)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> Watcher:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
