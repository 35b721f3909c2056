"""When the app last started or re-ran: what it writes meanwhile is its own (``graphkit.hmr.triggers``).

The window opens when graphkit starts or re-runs the app. At the start it closes when graphkit is ready for
saves: the app was quiet once (``graphkit.hmr.launch.Launched.settle``) and the watch loop's planner is
loaded, typically a few hundred milliseconds after the app listens. For a re-run or a restart it closes
when the reply came, which the app gives once it has booted again. For the files a re-run was for, it
stays open ``AFTER_SECONDS`` longer: a write the app's start-up scheduled (a callback, a promise) lands
then. Times are wall-clock nanoseconds, as a file's mtime is.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path

__all__ = ["AFTER_SECONDS", "Window"]

AFTER_SECONDS = 0.3


class Window:
    """When the app last booted or re-ran, in wall-clock nanoseconds (a file's mtime is wall-clock)."""

    def __init__(self) -> None:
        self.start = time.time_ns()
        self.end: int | None = None  # None while it runs
        self.triggers: frozenset[Path] = frozenset()  # the files the re-run was for

    def open(self, triggers: Iterable[Path] = ()) -> None:
        self.start, self.end = time.time_ns(), None
        self.triggers = frozenset(triggers)

    def close(self) -> None:
        self.end = time.time_ns()

    def holds(self, path: Path, mtime_ns: int) -> bool:
        """Whether a write of ``path`` at ``mtime_ns`` was the app's, by the rule above."""
        end = time.time_ns() if self.end is None else self.end
        if path in self.triggers:
            end += int(AFTER_SECONDS * 1e9)
        # The kernel stamps an mtime with a clock that may lag by a tick: a few ms of slack before.
        return self.start - 10_000_000 <= mtime_ns <= end
