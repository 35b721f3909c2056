"""Reading a module's source: only regular files, opened so that a FIFO or a device never blocks."""

from __future__ import annotations

import errno
import os
import stat

from graphkit.extract.cache import StatKey, stat_key

__all__ = ["SourceError", "read_source", "source_key"]

_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC


class SourceError(Exception):
    """Why a path cannot be read as a module: the system's reason, or "not a regular file"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _open(path: str) -> tuple[int, os.stat_result]:
    try:
        fd = os.open(path, _FLAGS)
    except OSError as error:
        if error.errno == errno.ENXIO:  # a socket cannot be opened at all
            raise SourceError("not a regular file") from error
        raise SourceError(error.strerror or str(error)) from error
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise SourceError("not a regular file")
    return fd, st


def source_key(path: str) -> StatKey:
    """The cache key of a file that can be read now: a cached result is never served for one that cannot."""
    fd, st = _open(path)
    os.close(fd)
    return stat_key(st)


def read_source(path: str) -> tuple[StatKey, bytes]:
    fd, st = _open(path)
    try:
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return stat_key(st), handle.read()
    except OSError as error:  # EISDIR and EIO surface on read, not open
        raise SourceError(error.strerror or str(error)) from error
    finally:
        os.close(fd)
