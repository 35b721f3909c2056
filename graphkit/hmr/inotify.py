"""Linux inotify through ctypes: an instance, its watches and its events, as ``inotify(7)`` describes them.

No policy lives here: which folders to watch and what an event means for a save is ``graphkit.hmr.linux``'s.
Failures are ``OSError`` with the kernel's errno (ENOSPC: the watch limit; EMFILE: the instance limit).
"""

from __future__ import annotations

import ctypes
import errno
import os
import struct
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "IN_CLOSE_WRITE",
    "IN_CREATE",
    "IN_DELETE",
    "IN_DELETE_SELF",
    "IN_IGNORED",
    "IN_ISDIR",
    "IN_MODIFY",
    "IN_MOVED_FROM",
    "IN_MOVED_TO",
    "IN_MOVE_SELF",
    "IN_ONLYDIR",
    "IN_Q_OVERFLOW",
    "Event",
    "Inotify",
    "available",
]

# From <sys/inotify.h>.
IN_MODIFY = 0x00000002
IN_CLOSE_WRITE = 0x00000008
IN_MOVED_FROM = 0x00000040
IN_MOVED_TO = 0x00000080
IN_CREATE = 0x00000100
IN_DELETE = 0x00000200
IN_DELETE_SELF = 0x00000400
IN_MOVE_SELF = 0x00000800
IN_Q_OVERFLOW = 0x00004000  # the queue was full: events were dropped (wd is -1)
IN_IGNORED = 0x00008000  # the watch is gone (removed, or its folder deleted)
IN_ONLYDIR = 0x01000000
IN_ISDIR = 0x40000000
_IN_NONBLOCK = os.O_NONBLOCK
_IN_CLOEXEC = os.O_CLOEXEC

_HEADER = struct.Struct("=iIII")  # struct inotify_event: wd, mask, cookie, len; then len bytes of name
_READ_SIZE = 64 * 1024  # many events a read; far above one event's largest size (16 + NAME_MAX + 1)


@dataclass(frozen=True, slots=True)
class Event:
    wd: int  # the watch it came from; -1 for IN_Q_OVERFLOW
    mask: int
    cookie: int  # pairs an IN_MOVED_FROM with its IN_MOVED_TO
    name: str  # the entry inside the watched folder; "" for an event on the folder itself


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)  # the symbols already loaded: no search for libc's file
    if not hasattr(libc, "inotify_init1"):
        return None
    libc.inotify_init1.argtypes = (ctypes.c_int,)
    libc.inotify_add_watch.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32)
    libc.inotify_rm_watch.argtypes = (ctypes.c_int, ctypes.c_int)
    return libc


_LIBC = _libc()


def available() -> bool:
    return _LIBC is not None


def _failed(path: Path | None = None) -> OSError:
    code = ctypes.get_errno()
    return OSError(code, os.strerror(code), None if path is None else str(path))


class Inotify:
    """One inotify instance, non-blocking: ``read`` returns what is queued, ``fileno`` is for poll()."""

    def __init__(self) -> None:
        if _LIBC is None:
            raise OSError(errno.ENOSYS, "inotify is not available on this system")
        self._libc = _LIBC
        fd = self._libc.inotify_init1(_IN_NONBLOCK | _IN_CLOEXEC)
        if fd < 0:
            raise _failed()
        self._fd: int = fd

    def fileno(self) -> int:
        return self._fd

    def add_watch(self, path: Path, mask: int) -> int:
        """The watch descriptor; the same one again for a folder already watched."""
        wd: int = self._libc.inotify_add_watch(self._fd, os.fsencode(path), mask)
        if wd < 0:
            raise _failed(path)
        return wd

    def remove_watch(self, wd: int) -> None:
        if self._libc.inotify_rm_watch(self._fd, wd) < 0:
            raise _failed()

    def read(self) -> list[Event]:
        """The events queued now, in order; [] when none are."""
        try:
            data = os.read(self._fd, _READ_SIZE)
        except BlockingIOError:
            return []
        events = []
        offset = 0
        while offset < len(data):
            wd, mask, cookie, size = _HEADER.unpack_from(data, offset)
            start = offset + _HEADER.size
            offset = start + size
            name = os.fsdecode(data[start:offset].rstrip(b"\0"))
            events.append(Event(wd, mask, cookie, name))
        return events

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> Inotify:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
