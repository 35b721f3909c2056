"""The watch loop behind ``graphkit watch``: file saves -> live graph changes -> eviction plan -> host.

One save is handled at a time: bring the live mirror up to date with what the app loaded and dropped
since the last save, plan over it with ``graphkit.planning.incremental.plan_live``, apply in the app,
print one status line, then read what the reload changed while waiting for the next save. Apart from one
pass over ``require.cache`` in the app, no step walks everything the app holds. A plan that cannot be
applied in place restarts the app.
Development only: the host relies on Node internals (``--expose-internals``) that change between
Node versions.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from graphkit.errors import GraphkitError
from graphkit.hmr.watcher import Batch, Watcher
from graphkit.live.host import ApplyResult, Host
from graphkit.live.mirror import LiveMirror
from graphkit.model import Command, EvictionPlan, PlanStatus
from graphkit.model.urls import path_to_url, url_to_path
from graphkit.planning.incremental import plan_live

__all__ = ["WatchOptions", "package_root", "shown", "status_line", "watch"]

# What Node can load as a module; editor backups and swap files are not.
_MODULE_SUFFIXES = frozenset({".mjs", ".cjs", ".js", ".json", ".wasm", ".node"})
_POLL_SECONDS = 0.2


@dataclass(frozen=True, slots=True)
class WatchOptions:
    entry: Path
    node: str = "node"
    node_options: tuple[str, ...] = ()
    args: tuple[str, ...] = ()


def package_root(entry: Path) -> Path:
    """The folder of the nearest package.json above the entry, else the entry's folder."""
    start = entry.resolve().parent
    return next((d for d in (start, *start.parents) if (d / "package.json").is_file()), start)


def shown(url: str, root: Path) -> str:
    """A module URL as a path relative to the project root when it is inside it."""
    return _relative(url_to_path(url), root) if url.startswith("file:") else url


def _relative(path: Path, root: Path) -> str:
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def status_line(
    what: str,
    eviction: EvictionPlan,
    result: ApplyResult | None,
    ms: float,
    root: Path,
    swept: Sequence[str] = (),
) -> str:
    """The one line printed for a save; ``result`` is None when nothing was applied in the app."""
    if eviction.status is PlanStatus.NOOP and swept:
        return (
            f"graphkit: {what}: dropped {len(swept)} modules that had failed to load"
            f" ({', '.join(shown(url, root) for url in swept)}); the next import() loads them again"
        )
    if eviction.status is PlanStatus.NOOP:
        return f"graphkit: {what}: no loaded module depends on it, nothing to reload"
    if eviction.status is PlanStatus.FULL_RELOAD:
        return f"graphkit: {what}: restarted the app in {ms:.0f} ms ({eviction.reason})"
    assert result is not None
    if not result.ok and result.error is not None:
        where = shown(result.error.file, root) if result.error.file else "unknown file"
        if result.error.line is not None:
            where += f":{result.error.line}:{result.error.column}"
        return f"graphkit: {what}: {result.error.message} at {where}; kept old code"
    line = (
        f"graphkit: {what}: {result.evicted} modules evicted, {result.reimported} re-imported"
        f" in {result.ms:.1f} ms"
    )
    if result.warnings:
        line += f"; {len(result.warnings)} callback errors, first: {result.warnings[0]}"
    return line


class _Loop:
    def __init__(self, options: WatchOptions, report: Callable[[str], None]) -> None:
        self.options = options
        self.report = report
        self.root = package_root(options.entry)
        self.host = Host(
            options.entry, node=options.node, node_options=options.node_options, args=options.args
        )
        self.mirror = LiveMirror()
        self.exit_reported = False

    def _refresh(self, sent: int | None = None) -> None:
        """Apply what the live graph gained and lost since the mirror's version (all of it the first time)."""
        self.mirror.apply(self.host.changes(self.mirror.version, sent))

    def _restart(self) -> None:
        self.host.restart()
        self.mirror.reset()

    def _name(self, paths: Sequence[Path]) -> str:
        return ", ".join(sorted(_relative(p, self.root) for p in paths))

    def handle(self, batch: Batch, sent: int | None = None) -> None:
        """One save; ``sent`` is a changes command sent when the first event arrived."""
        if batch.overflowed:
            # The kernel dropped events: no plan can be trusted to cover what changed.
            started = time.perf_counter()
            self._restart()
            self.report(f"graphkit: too many file events at once: restarted the app in {_ms(started):.0f} ms")
            return
        changed = [p for p in batch.changed if p.suffix in _MODULE_SUFFIXES]
        deleted = [p for p in batch.deleted if p.suffix in _MODULE_SUFFIXES]
        if not changed and not deleted:
            if sent is not None:
                self._refresh(sent)  # read the answer asked for, or the next one would have to be whole
            return
        what = self._name([*changed, *deleted]) + (" (deleted)" if deleted and not changed else "")
        started = time.perf_counter()
        if not self.host.running:
            self._restart()
            self.exit_reported = False
            self.report(f"graphkit: {what}: restarted the app in {_ms(started):.0f} ms (it had exited)")
            return
        self._refresh(sent)
        eviction = plan_live(
            self.mirror.graph,
            [path_to_url(p) for p in changed],
            self.host.entry_url,
            accepting=self.mirror.accepting,
            deleted=[path_to_url(p) for p in deleted],
        )
        result = None
        swept: tuple[str, ...] = ()
        if eviction.status is PlanStatus.OK:
            result = self.host.apply(eviction)
        elif eviction.status is PlanStatus.FULL_RELOAD:
            self._restart()
        elif self.mirror.failed:
            # A failed import() is cached by Node (v18-22 keep its importers too) and is not reachable from
            # the entry, so no plan reaches it: drop it and the app's next import() starts afresh.
            swept = self.host.sweep()
        self.report(status_line(what, eviction, result, _ms(started), self.root, swept))
        if self.host.running:
            self._refresh()  # what the reload changed, read now rather than on the next save

    def _prefetch(self, sent: list[int]) -> None:
        # What the app loaded since the last save does not depend on what was saved: ask while it settles.
        if self.host.running:
            sent.append(self.host.send(Command.CHANGES, since=self.mirror.version))

    def run(self, stop: threading.Event) -> None:
        with Watcher(self.root) as watcher:
            while not stop.is_set():
                if not self.host.running and not self.exit_reported:
                    status = self.host.process.wait()
                    self.report(f"graphkit: the app exited with status {status}; a save restarts it")
                    self.exit_reported = True
                sent: list[int] = []
                try:
                    batch = watcher.next_batch(_POLL_SECONDS, partial(self._prefetch, sent))
                    if batch is not None:
                        self.handle(batch, sent[0] if sent else None)
                    elif sent:
                        self._refresh(sent[0])
                    elif self.mirror.version == 0 and self.host.running:
                        self._refresh()  # the whole live graph once, while nothing is saved
                except GraphkitError as error:
                    self.report(f"graphkit: {error}")


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
