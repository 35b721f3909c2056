"""What the watcher asks of a file-event backend: watch folders, then wait for a batch of touched paths.

Two backends implement it: ``graphkit.hmr.linux`` (inotify: a batch is ready the moment its saves are
closed) and ``graphkit.hmr.portable`` (``watchfiles``: a batch ends after a fixed quiet step).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Set
from pathlib import Path
from typing import Protocol

__all__ = ["DEBOUNCE_MS", "Events", "EventsLost"]

DEBOUNCE_MS = 500  # a batch never waits longer than this for its events to settle


class EventsLost(Exception):
    """The backend dropped events (a kernel queue overflow, a broken backend): what changed is unknown."""


class Events(Protocol):
    @property
    def folders(self) -> Set[Path]:
        """The folders watched now."""
        ...

    @property
    def reports_loss(self) -> bool:
        """Whether the backend raises EventsLost whenever events were dropped (then no resync is needed
        otherwise)."""
        ...

    def watch(self, folders: Iterable[Path]) -> None:
        """Watch ``folders`` too; one that is gone by now is skipped. OSError when the system refuses."""
        ...

    def forget(self, folder: Path) -> None:
        """``folder`` went away: it and the folders under it are no longer watched."""
        ...

    def wait(self, timeout: float | None, on_first_event: Callable[[], None] | None) -> set[Path] | None:
        """Wait up to ``timeout`` seconds (forever when None) for events, then gather them into a batch.

        The paths touched (files and folders); None when nothing happened. ``on_first_event`` runs as
        soon as a batch is known to come. Raises EventsLost when events were dropped.
        """
        ...

    def pending(self, timeout: float) -> bool:
        """Whether events wait to be read, waiting up to ``timeout`` seconds for one; reads none. A
        backend that cannot tell without reading waits ``timeout`` and says False."""
        ...

    def close(self) -> None: ...
