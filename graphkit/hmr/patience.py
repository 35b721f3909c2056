"""Waiting on a slow app under ``graphkit watch``: say so, keep waiting, give up only when there is cause.

A reload whose reply is late (a top-level ``await`` of many seconds) is reported and waited for: it may
well succeed. The wait ends early only when graphkit is told to stop, or when a new save arrives while
the app is stuck: then the app is restarted, since a reload that never finishes leaves it half-updated.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from graphkit.hmr.watcher import Batch
from graphkit.output.status import waiting_line

__all__ = ["Patience", "Stopped", "Superseded"]


class Stopped(Exception):
    """graphkit was told to stop while it waited for the app."""


class Superseded(Exception):
    """A save arrived while the app had not answered for longer than the report interval."""

    def __init__(self, batch: Batch) -> None:
        super().__init__("a save arrived while the app was stuck")
        self.batch = batch


class Patience:
    """The ``waiting`` callback of ``graphkit.live.host.Host`` for the watch loop.

    ``poll`` returns the saves that arrived since the last call without waiting (None when there are
    none); it is asked only once a reply is late, so a quick save during a normal reload is handled
    after it, as before.
    """

    def __init__(
        self,
        report: Callable[[str], None],
        stop: threading.Event,
        poll: Callable[[], Batch | None],
        after: float,
    ) -> None:
        self.report = report
        self.stop = stop
        self.poll = poll
        self.after = after
        self.what = "the app"  # the save being handled, for the report
        self._next_report = after
        self._last = 0.0

    def __call__(self, cmd: str, seconds: float) -> None:
        if self.stop.is_set():
            raise Stopped
        if seconds < self._last:  # a new request: its own reports start again
            self._next_report = self.after
        self._last = seconds
        if seconds < self.after:
            return
        if seconds >= self._next_report:
            self.report(waiting_line(self.what, cmd, seconds))
            self._next_report *= 2
        batch = self.poll()
        if batch is not None:
            raise Superseded(batch)
