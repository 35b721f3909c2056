"""The watch loop behind ``graphkit watch``: file saves -> live snapshot -> eviction plan -> host.

One save is handled at a time: snapshot the running app, plan with ``graphkit.planning.planner.plan``,
apply in the app (a plan that reaches the entry re-runs the app in its process), print one status line
(``graphkit.output.status``). A plan that cannot be applied in the process (package.json, packages)
restarts the app. Development only: the host relies on Node internals (``--expose-internals``) that
change between Node versions.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from graphkit.errors import GraphkitError
from graphkit.extract.accepts import accepting_modules
from graphkit.hmr.watcher import Batch, Watcher
from graphkit.live.host import Host
from graphkit.model import Command, PlanStatus, Status
from graphkit.model.urls import path_to_url
from graphkit.output.status import error_line, exited_line, overflow_line, revived_line, saved, status_line
from graphkit.planning.planner import plan
from graphkit.resolve.packages import StopRule, nearest_package_json

__all__ = ["WatchOptions", "package_root", "watch"]

# What Node can load as a module; editor backups and swap files are not.
_MODULE_SUFFIXES = frozenset({".mjs", ".cjs", ".js", ".json", ".wasm", ".node"})
_POLL_SECONDS = 0.2
_FAILED = frozenset({Status.ERRORED, Status.LINKED, Status.INSTANTIATED})


@dataclass(frozen=True, slots=True)
class WatchOptions:
    entry: Path
    node: str = "node"
    node_options: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    restart_on_entry: bool = False  # a save that reaches the entry restarts the app instead of re-running it


def package_root(entry: Path) -> Path:
    """The folder of the nearest package.json above the entry, else the entry's folder."""
    start = entry.resolve().parent
    found = nearest_package_json(str(start), StopRule.ROOT)
    return Path(found).parent if found is not None else start


class _Loop:
    def __init__(self, options: WatchOptions, report: Callable[[str], None]) -> None:
        self.options = options
        self.report = report
        self.root = package_root(options.entry)
        self.host = Host(
            options.entry, node=options.node, node_options=options.node_options, args=options.args
        )
        self.exit_reported = False

    def handle(self, batch: Batch, sent: int | None = None) -> None:
        """One save; ``sent`` is a snapshot command sent when the first event arrived."""
        if batch.overflowed:
            # The kernel dropped events: no plan can be trusted to cover what changed.
            started = time.perf_counter()
            self.host.restart()
            self.report(overflow_line(_ms(started)))
            return
        changed = [p for p in batch.changed if p.suffix in _MODULE_SUFFIXES]
        deleted = [p for p in batch.deleted if p.suffix in _MODULE_SUFFIXES]
        if not changed and not deleted:
            return
        what = saved(changed, deleted, self.root)
        started = time.perf_counter()
        if not self.host.running:
            self.host.restart()
            self.exit_reported = False
            self.report(revived_line(what, _ms(started)))
            return
        graph = self.host.snapshot(sent)
        eviction = plan(
            graph,
            [path_to_url(p) for p in changed],
            self.host.entry_url,
            accepting=self.host.accepting() | accepting_modules(graph),
            deleted=[path_to_url(p) for p in deleted],
            restart_on_entry=self.options.restart_on_entry,
        )
        result = None
        swept: tuple[str, ...] = ()
        if eviction.status in (PlanStatus.OK, PlanStatus.RERUN):
            result = self.host.apply(eviction)
        elif eviction.status is PlanStatus.FULL_RELOAD:
            self.host.restart()
        elif any(m.status in _FAILED for m in graph.modules):
            # A failed import() is cached by Node (v18-22 keep its importers too) and is not reachable from
            # the entry, so no plan reaches it: drop it and the app's next import() starts afresh.
            swept = self.host.sweep()
        self.report(status_line(what, eviction, result, _ms(started), self.root, swept))

    def _prefetch(self, sent: list[int]) -> None:
        # The live graph does not depend on what was saved: ask for it while the save settles.
        if self.host.running:
            sent.append(self.host.send(Command.SNAPSHOT))

    def run(self, stop: threading.Event) -> None:
        with Watcher(self.root) as watcher:
            while not stop.is_set():
                if not self.host.running and not self.exit_reported:
                    status = self.host.process.wait()
                    self.report(exited_line(status))
                    self.exit_reported = True
                sent: list[int] = []
                try:
                    batch = watcher.next_batch(_POLL_SECONDS, partial(self._prefetch, sent))
                    if batch is not None:
                        self.handle(batch, sent[0] if sent else None)
                except GraphkitError as error:
                    self.report(error_line(error))


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def watch(options: WatchOptions, report: Callable[[str], None], stop: threading.Event | None = None) -> int:
    """Run the app and reload it on every save until ``stop`` is set; returns the app's exit status."""
    loop = _Loop(options, report)
    try:
        loop.run(stop or threading.Event())
    finally:
        status = loop.host.close()
    return status
