"""File events through Linux inotify, gathered into a batch that is ready the moment its saves are done.

No fixed debounce: a batch is handed over once the event queue is drained and every file it touched is
settled. A file is settled once the kernel reports it written and closed (``IN_CLOSE_WRITE``) or renamed
into place (``IN_MOVED_TO``, a rename-over save); it is pending while it was created or modified and not
closed yet. Two cases wait, bounded: a pending file (at most ``DEBOUNCE_MS`` from the batch's first event;
a file still open then, such as a log being appended, stops holding later batches back until it is
closed), and a file the watcher knows that is gone (an editor that saves by renaming the file away, or by
unlink + create, re-creates it at once: up to ``_GONE_WAIT`` seconds, so the batch reports a change, not a
deletion). An unlinked file that the caller says can be done without (``awaited`` is false, as for a route a
plugin loader imported) waits ``_UNLINK_WAIT`` only, so a deleted route is served at once. A rename-over
save's temporary file is not waited for: the watcher never saw it, or it was renamed onto a file the watcher
knows. Events queued while a batch waits join it, so a burst coalesces. A queue overflow is EventsLost.
"""

from __future__ import annotations

import contextlib
import select
import time
from collections.abc import Callable, Iterable, Set
from dataclasses import dataclass, field
from pathlib import Path

from graphkit.hmr.events import DEBOUNCE_MS, EventsLost
from graphkit.hmr.inotify import (
    IN_CLOSE_WRITE,
    IN_CREATE,
    IN_DELETE,
    IN_DELETE_SELF,
    IN_IGNORED,
    IN_ISDIR,
    IN_MODIFY,
    IN_MOVE_SELF,
    IN_MOVED_FROM,
    IN_MOVED_TO,
    IN_ONLYDIR,
    IN_Q_OVERFLOW,
    Inotify,
)

__all__ = ["LinuxEvents"]

_FOLDER_MASK = (
    IN_CLOSE_WRITE
    | IN_MOVED_TO
    | IN_MOVED_FROM
    | IN_CREATE
    | IN_DELETE
    | IN_DELETE_SELF
    | IN_MOVE_SELF
    | IN_MODIFY  # so a file being written is known to be pending its close
    | IN_ONLYDIR
)
_GONE_WAIT = 0.05  # how long a file that was there and vanished may take to come back
# An unlink followed at once by the create of the same tool (git checkout, a script) arrives with it.
_UNLINK_WAIT = 0.005
_SETTLED = IN_CLOSE_WRITE | IN_MOVED_TO  # the file's new content is complete
_PENDING = IN_CREATE | IN_MODIFY  # written (or made) and not closed yet
_GONE = IN_DELETE | IN_MOVED_FROM


@dataclass(slots=True)
class _Touch:
    last: int  # the file's latest event in the batch
    back_by: float = 0.0  # gone, and known to the watcher: until when it may come back
    replaced: bool = False  # it was renamed onto a file the watcher knows


@dataclass(slots=True)
class _Gathering:
    """One batch being gathered: the paths touched and, for files, where they stand."""

    started: float
    known: Callable[[Path], bool]  # whether the watcher knows the file (has seen it exist)
    awaited: Callable[[Path], bool]  # whether its unlink waits the full _GONE_WAIT for it to come back
    paths: set[Path] = field(default_factory=set)
    files: dict[Path, _Touch] = field(default_factory=dict)
    moved: dict[int, Path] = field(default_factory=dict)  # the cookie of an IN_MOVED_FROM -> its file

    def note(self, path: Path, mask: int, cookie: int, now: float) -> None:
        self.paths.add(path)
        if mask & IN_ISDIR:
            return
        touch = self.files[path] = _Touch(mask)
        if mask & _GONE and self.known(path):
            # Asked once per event, not on every wait: a rename away is how editors such as vim save, always
            # waited for.
            full = mask & IN_MOVED_FROM or self.awaited(path)
            touch.back_by = now + (_GONE_WAIT if full else _UNLINK_WAIT)
        if mask & IN_MOVED_FROM:
            self.moved[cookie] = path
        elif mask & IN_MOVED_TO and cookie in self.moved and self.known(path):
            # A rename-over save's temporary file (reported already when a batch ended between its close
            # and the rename): it replaced the file saved, and nothing comes back under its name.
            self.files[self.moved[cookie]].replaced = True

    def wait(self, now: float, held_open: Set[Path]) -> float:
        """Seconds to wait for more events: 0 once every file is settled (or the batch is too old)."""
        until = now
        for path, touch in self.files.items():
            if touch.last & _GONE:
                if not touch.replaced:
                    until = max(until, touch.back_by)
            elif touch.last & _PENDING and path not in held_open:
                until = self.started + DEBOUNCE_MS / 1000
        return min(until, self.started + DEBOUNCE_MS / 1000) - now

    def unclosed(self) -> set[Path]:
        return {p for p, touch in self.files.items() if touch.last & _PENDING}


class LinuxEvents:
    def __init__(self, known: Callable[[Path], bool], awaited: Callable[[Path], bool]) -> None:
        """``known``: whether the watcher knows a file (has seen it exist): only those are waited for;
        ``awaited``: whether an unlinked file is waited for as long as one renamed away."""
        self._known = known
        self._awaited = awaited
        self._inotify = Inotify()
        self._poll = select.poll()
        self._poll.register(self._inotify.fileno(), select.POLLIN)
        self._wds: dict[Path, int] = {}
        self._paths: dict[int, Path] = {}
        # Files a batch ended on while they were still open for writing: they hold no later batch back.
        self._held_open: set[Path] = set()

    @property
    def folders(self) -> Set[Path]:
        return self._wds.keys()

    @property
    def reports_loss(self) -> bool:
        return True  # IN_Q_OVERFLOW

    def watch(self, folders: Iterable[Path]) -> None:
        for folder in folders:
            if folder in self._wds:
                continue
            try:
                wd = self._inotify.add_watch(folder, _FOLDER_MASK)
            except (FileNotFoundError, NotADirectoryError):
                continue  # gone since it was found
            stale = self._paths.get(wd)  # the same folder under another path: it moved
            if stale is not None:
                del self._wds[stale]
            self._wds[folder] = wd
            self._paths[wd] = folder

    def forget(self, folder: Path) -> None:
        for path in [p for p in self._wds if p.is_relative_to(folder)]:
            wd = self._wds.pop(path)
            del self._paths[wd]
            with contextlib.suppress(OSError):  # the kernel dropped it already (its folder was deleted)
                self._inotify.remove_watch(wd)

    def _ready(self, timeout: float | None) -> bool:
        return bool(self._poll.poll(None if timeout is None else max(0, timeout * 1000)))

    def pending(self, timeout: float) -> bool:
        return self._ready(timeout)

    def wait(self, timeout: float | None, on_first_event: Callable[[], None] | None) -> set[Path] | None:
        if not self._ready(timeout):
            return None
        batch = _Gathering(time.monotonic(), self._known, self._awaited)
        self._drain(batch)
        if on_first_event is not None:
            on_first_event()
        while (wait := batch.wait(time.monotonic(), self._held_open)) > 0:
            if self._ready(wait):
                self._drain(batch)
        self._held_open |= batch.unclosed()
        return batch.paths or None

    def _drain(self, batch: _Gathering) -> None:
        """Read every event queued now into ``batch``."""
        lost = False
        while events := self._inotify.read():
            now = time.monotonic()
            for event in events:
                if event.mask & IN_Q_OVERFLOW:
                    lost = True
                folder = self._paths.get(event.wd)
                if folder is None:
                    continue  # an overflow, or the tail of a watch already removed
                if event.mask & IN_MOVE_SELF:
                    # A moved folder keeps its watches, on the inodes under it: drop them; its new place,
                    # when watched, is added afresh.
                    self.forget(folder)
                elif event.mask & (IN_DELETE_SELF | IN_IGNORED):
                    del self._paths[event.wd]  # the kernel removed the watch
                    if self._wds.get(folder) == event.wd:
                        del self._wds[folder]
                if not event.name:
                    continue  # about the folder itself: its parent's event names it
                path = folder / event.name
                if event.mask & (_SETTLED | _GONE):
                    self._held_open.discard(path)
                batch.note(path, event.mask, event.cookie, now)
        if lost:
            raise EventsLost

    def close(self) -> None:
        self._inotify.close()
