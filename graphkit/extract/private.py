"""The cache folder and its files, trusted only when nobody but the user could have written them.

Cached data is loaded back (marshal, SQLite) and cached files are written in place: in a folder another
user can write, they could plant data graphkit would load, or a symlink it would write through. So the
folder must be the user's and writable by nobody else (a new one is made with mode 0700), a file is read
only when it is the user's own regular file, and a file is written through a new name that no symlink
can stand in for (``O_EXCL | O_NOFOLLOW``), then renamed into place. Each refusal is an ``OSError``
naming the path, which the caches turn into their one warning.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path

__all__ = ["check_file", "create_file", "private_folder", "read_file", "write_file"]

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def _refuse(path: Path | str, reason: str) -> OSError:
    return PermissionError(errno.EPERM, reason, str(path))


def _owned(st: os.stat_result, path: Path | str) -> None:
    if hasattr(os, "geteuid") and st.st_uid != os.geteuid():
        raise _refuse(path, f"owned by another user (uid {st.st_uid})")


def private_folder(folder: Path) -> Path:
    """``folder``, made (mode 0700) if missing; refused unless it is the user's and nobody else can write
    it. It may be a symlink to such a folder: what counts is the folder written into."""
    with contextlib.suppress(FileExistsError):  # checked below, whatever it is
        folder.mkdir(mode=0o700, parents=True)
    st = folder.stat()
    if not stat.S_ISDIR(st.st_mode):
        raise NotADirectoryError(errno.ENOTDIR, "not a folder", str(folder))
    _owned(st, folder)
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise _refuse(folder, f"writable by other users (mode {stat.S_IMODE(st.st_mode):o})")
    return folder


def check_file(path: Path) -> None:
    """Refuses an existing ``path`` that is not the user's own regular file (a symlink included)."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        return
    if not stat.S_ISREG(st.st_mode):
        raise _refuse(path, "not a regular file")
    _owned(st, path)


def read_file(path: Path) -> bytes:
    """The content of the user's own regular file ``path``, never through a symlink."""
    fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _CLOEXEC)
    with open(fd, "rb") as handle:
        st = os.fstat(handle.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise _refuse(path, "not a regular file")
        _owned(st, path)
        return handle.read()


def create_file(path: Path) -> None:
    """Creates ``path`` empty, readable and writable by the user alone, unless it exists."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, 0o600))


def write_file(path: Path, data: bytes) -> None:
    """Replaces ``path`` with ``data`` at once: readers see the old file or the new one, never half."""
    partial = path.with_name(f"{path.name}.{os.getpid()}.{os.urandom(4).hex()}")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, 0o600)
    try:
        with open(fd, "wb") as handle:
            handle.write(data)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
