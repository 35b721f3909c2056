"""Which saved files the app wrote itself: an app that rewrites a JSON it imported must not be reloaded for
its own write, forever (``graphkit.hmr.triggers``).

The app's host keeps each write the app makes through ``node:fs`` as the wall-clock interval it ran in
(``node_probe/writes.mjs``); a saved file is the app's when its mtime falls in the interval of the app's
last write of it. A developer's save comes later than that write, so it is never taken for the app's.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from graphkit.errors import ProbeError
from graphkit.live.host import Host

__all__ = ["app_wrote"]

# The kernel stamps an mtime from a clock that may lag the app's Date.now() by a tick, and Date.now() has
# millisecond steps.
_SLACK_NS = 20_000_000


def app_wrote(host: Host, paths: Sequence[Path]) -> set[Path]:
    """Those of ``paths`` whose current content the app wrote itself (none when it is not running)."""
    if not paths or not host.running:
        return set()
    real = {path: Path(os.path.realpath(path)) for path in paths}
    try:
        intervals = host.written(list(real.values()))
    except ProbeError:
        return set()  # it exited meanwhile: the watch loop reports that
    found = set()
    for path in paths:
        interval = intervals.get(real[path])
        if interval is None:
            continue
        try:
            mtime = os.stat(path).st_mtime_ns
        except OSError:
            continue
        start_ms, end_ms = interval
        if start_ms * 1_000_000 - _SLACK_NS <= mtime <= end_ms * 1_000_000 + _SLACK_NS:
            found.add(path)
    return found
