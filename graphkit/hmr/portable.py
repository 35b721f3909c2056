"""File events through ``watchfiles`` (FSEvents on macOS, kqueue, Windows; inotify; polling where none of
them works): the backend where ``graphkit.hmr.linux`` cannot run.

``watchfiles`` does not report a file's close, so a batch ends after one fixed step without events.
It does not say when the kernel dropped events either: the watcher's idle resync finds those.

Its public ``watch()`` generator watches a fixed set of paths with one timeout; the watcher adds folders
and waits for varying times, so this drives the ``RustNotify`` class that generator is built on, by
keyword, as watchfiles 1.x declares it (``_rust_notify.pyi``): pyproject.toml allows 1.x only, and another
signature is one line naming the installed version.
"""

from __future__ import annotations

import errno
import time
from collections.abc import Callable, Iterable, Set
from importlib.metadata import version
from pathlib import Path

from watchfiles._rust_notify import RustNotify, WatchfilesRustInternalError

from graphkit.errors import GraphkitError
from graphkit.hmr.events import DEBOUNCE_MS, EventsLost

__all__ = ["PortableEvents"]

_STEP_MS = 5  # a batch ends after one step with no new event: the debounce
_ATTEMPTS = 3  # folders can vanish between the walk and the watch: try again without them


class PortableEvents:
    def __init__(self) -> None:
        self._folders: set[Path] = set()
        self._notify: RustNotify | None = None

    @property
    def folders(self) -> Set[Path]:
        return self._folders

    @property
    def reports_loss(self) -> bool:
        return False  # watchfiles does not tell when the kernel dropped events

    def watch(self, folders: Iterable[Path]) -> None:
        wanted = self._folders | set(folders)
        if wanted != self._folders or self._notify is None:
            self._renew(wanted)

    def forget(self, folder: Path) -> None:
        # Its watch went with it; a folder made again at that path is watched anew.
        self._folders = {f for f in self._folders if not f.is_relative_to(folder)}

    def _renew(self, wanted: set[Path]) -> None:
        """One watch for ``wanted``: the new one starts before the old one stops."""
        for attempt in range(_ATTEMPTS):
            wanted = {f for f in wanted if f.is_dir()}
            try:
                notify = _notify(sorted(map(str, wanted)))
                break
            except (OSError, WatchfilesRustInternalError) as error:
                if isinstance(error, FileNotFoundError) and attempt < _ATTEMPTS - 1:
                    continue
                raise _as_os_error(error) from error
        old, self._notify, self._folders = self._notify, notify, wanted
        if old is not None:
            old.close()

    def wait(self, timeout: float | None, on_first_event: Callable[[], None] | None) -> set[Path] | None:
        assert self._notify is not None
        timeout_ms = 0 if timeout is None else max(1, round(timeout * 1000))  # 0: no timeout
        try:
            found = self._notify.watch(
                debounce_ms=DEBOUNCE_MS, step_ms=_STEP_MS, timeout_ms=timeout_ms, stop_event=None
            )
        except WatchfilesRustInternalError as error:
            self._renew(self._folders)  # the backend broke: watch afresh; what it missed, a resync finds
            raise EventsLost from error
        if found == "signal":
            raise KeyboardInterrupt
        if found in ("timeout", "stop"):
            return None
        assert isinstance(found, set)
        if on_first_event is not None:
            on_first_event()
        return {Path(path) for _, path in found}

    def pending(self, timeout: float) -> bool:
        time.sleep(timeout)  # watchfiles tells of events only by reading them
        return False

    def close(self) -> None:
        if self._notify is not None:
            self._notify.close()
            self._notify = None


def _notify(paths: list[str]) -> RustNotify:
    """A RustNotify watching ``paths``, each folder on its own (the watcher adds its subfolders itself)."""
    try:
        return RustNotify(
            watch_paths=paths,
            debug=False,
            force_polling=False,
            poll_delay_ms=300,
            recursive=False,
            ignore_permission_denied=False,
        )
    except TypeError as error:
        raise GraphkitError(
            f"watchfiles {version('watchfiles')}: its file watcher takes other arguments than 1.x's"
            f" ({error}); install watchfiles>=1.0,<2"
        ) from None


def _as_os_error(error: Exception) -> OSError:
    """watchfiles' refusal with the errno the watcher names the fix by."""
    text = str(error).split(" (")[0]
    if "MaxFilesWatch" in str(error):
        return OSError(errno.ENOSPC, text)
    if "Too many open files" in text:
        return OSError(errno.EMFILE, text)
    return error if isinstance(error, OSError) else OSError(text)
