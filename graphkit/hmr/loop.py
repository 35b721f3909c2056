"""The watch loop behind ``graphkit watch``: file saves -> live graph changes -> eviction plan -> host.

One save is handled at a time: bring the live mirror up to date with what the app loaded and dropped
since the last save, plan over it with ``graphkit.planning.incremental.plan_live``, apply in the app (a
plan that reaches the entry re-runs the app in its process), print one status line
(``graphkit.output.status``), then read what the reload changed once nothing else is saved. Apart
from one pass over ``require.cache`` in the app, no step walks everything the app holds. A plan that
cannot be applied in the process (package.json, packages) restarts the app, and so does an edit of an
env file Node read at start (``--env-file``). Which saves ask anything of the app is
``graphkit.hmr.triggers``'s: what Node read, not what the app wrote. A watched folder that is renamed or
deleted ends the watch: the app is stopped and ``watch`` raises RootGone (one line). Development only: the
host relies on Node internals (``--expose-internals``) that change between Node versions.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path

from graphkit.errors import GraphkitError, ProbeError
from graphkit.extract.grammars import TYPESCRIPT_SUFFIXES
from graphkit.hmr.envfiles import env_files
from graphkit.hmr.launch import Launched, WatchOptions, launch, package_root
from graphkit.hmr.own_writes import app_wrote
from graphkit.hmr.patience import Patience, Stopped, Superseded
from graphkit.hmr.roots import Following, local_folders
from graphkit.hmr.triggers import QueriedUrls, candidates, sort
from graphkit.hmr.watcher import Batch, RootGone
from graphkit.live.host import ApplyResult
from graphkit.live.mirror import LiveMirror
from graphkit.model import Command, EvictionPlan, PlanStatus
from graphkit.model.protocol import Field
from graphkit.model.urls import path_to_url
from graphkit.output.status import (
    env_restarted_line,
    error_line,
    exited_line,
    held_line,
    held_restart_line,
    kept_line,
    revived_line,
    saved,
    stale_line,
    status_line,
    superseded_line,
    unbuilt_line,
    unwatched_env_line,
    written_line,
)
from graphkit.planning.incremental import SourceAccepts, booted_from, needed, plan_live
from graphkit.planning.planner import kept_holder

__all__ = ["WatchOptions", "package_root", "watch"]

_POLL_SECONDS = 0.2


class _Loop:
    def __init__(
        self,
        options: WatchOptions,
        report: Callable[[str], None],
        stop: threading.Event,
        launched: Launched | None = None,
    ) -> None:
        self.options = options
        self.report = report
        self.stop = stop
        # The folders watched first, then the app started (graphkit.hmr.launch).
        launched = launched or launch(options)
        self.env_files = env_files(options.node_options)
        self.queried = QueriedUrls()
        self.root = launched.root
        self.watcher = launched.watcher
        self.host = launched.host
        self.patience = Patience(report, stop, self._poll, options.reply_timeout)
        self.host.waiting = self.patience
        self.host.report = report
        self.following = Following(self.host, launched.roots, self.watcher.add, report)
        for env_file in self.env_files:
            if not self.watcher.covers(env_file):
                report(unwatched_env_line(env_file))
        self.mirror = LiveMirror()
        # A deleted file the app can do without is acted on at once; one whose deletion would fail the
        # reload is given the time an editor's unlink + create save takes.
        self.watcher.awaited = lambda path: needed(self.mirror.graph, path_to_url(path))
        self.sources = SourceAccepts()
        self.exit_reported = False
        self.unread = True  # the app holds what the mirror has not read: all of it, to begin with
        # (importer, module): an import() whose namespace the importer kept (Host.kept); and this save's
        # pairs that the app's Node could not check (18)
        self.kept: set[tuple[str, str]] = set()
        self.unchecked: frozenset[tuple[str, str]] = frozenset()
        # Modules whose old instance outlived a re-run (Host.held): code that stays holds it, so saves that
        # reach them restart the app; and whether a committed re-run is still to be checked.
        self.held: set[str] = set()
        self.checking_held = False

    def _refresh(self, sent: int | None = None) -> None:
        """Apply what the live graph gained and lost since the mirror's version (all of it the first time);
        the app's own modules it names may lie in packages not watched yet (npm workspaces)."""
        delta = self.host.changes(self.mirror.version, sent)
        self.unread = False
        if delta.full:
            # A whole answer lives as long as the app: frozen, Python's full collections skip it (they
            # would walk every module and edge on each save). Unfrozen first, so the mirror it replaces
            # can go.
            gc.unfreeze()
            self.mirror.apply(delta)
            gc.freeze()
        else:
            self.mirror.apply(delta)
        self.following.seen(local_folders(row.module for row in delta.rows if row.module is not None))

    def _restart(self, started: float) -> float:
        """Restarts the app; returns the milliseconds from ``started`` (the save) until it has booted again
        (its server listening), or until now if it exited meanwhile."""
        self.host.restart()
        self.checking_held = False
        self.mirror.reset()
        self.unread = True
        self.sources.clear()
        try:
            idle = self.host.booted()
        except ProbeError:
            if self.host.running:
                raise
            idle = 0.0  # it exited while booting: the loop reports that next
        return _ms(started) - idle * 1000

    def _booted_from(self, unloaded: Sequence[str]) -> Sequence[str]:
        """Those of ``unloaded`` the app's boot may import; the live graph's edges are walked only when a
        save names a file the app has not loaded."""
        return booted_from(self.mirror.graph, unloaded, path_to_url(self.root) + "/") if unloaded else ()

    def _poll(self) -> Batch | None:
        """Saves of module files that arrived meanwhile, without waiting."""
        batch = self.watcher.next_batch(0)
        if batch is None:
            return None
        found = candidates(batch, self.env_files)
        if found.env:
            return batch
        # What would not trigger a reload now does not supersede one; nor does a JSON (the app may be writing
        # it while it re-runs, and the channel is busy with the reload: it is sorted once that is done).
        triggers = sort(found, self.mirror.graph, self.queried, self.mirror.version, _json)
        return batch if triggers.changed or triggers.deleted else None

    def handle(self, batch: Batch, sent: int | None = None) -> None:
        """One save; ``sent`` is a changes command sent as soon as the save was known."""
        found = candidates(batch, self.env_files)
        if found.env:
            started = time.perf_counter()
            ms = self._restart(started)
            self.exit_reported = False
            self.report(env_restarted_line(saved(found.env, (), self.root), ms))
            return
        if self.host.running and (found or sent is not None):
            # What the app holds now, to tell what it read; or the answer asked for, read, or the next one
            # would have to be whole.
            self._refresh(sent)
        if not found:
            return
        own = partial(app_wrote, self.host)
        triggers = sort(found, self.mirror.graph, self.queried, self.mirror.version, own)
        changed, deleted = triggers.changed, triggers.deleted
        if not changed and not deleted:
            if triggers.written:
                self.report(written_line(saved(triggers.written, (), self.root)))
            return  # else files the app's resolution never read: a JSON it writes, a fixture's package.json
        what = saved(changed, deleted, self.root)
        self.patience.what = what
        started = time.perf_counter()
        if not self.host.running:
            ms = self._restart(started)
            self.exit_reported = False
            self.report(revived_line(what, ms))
            return
        version = self.mirror.version
        changed_urls = self.queried.urls(changed, self.mirror.graph, version)
        deleted_urls = self.queried.urls(deleted, self.mirror.graph, version)
        self.sources.forget([*changed_urls, *deleted_urls])
        unloaded = [url for url in (*changed_urls, *deleted_urls) if url not in self.mirror.graph]
        # An import() whose namespace its importer kept counts as a static import: an importer whose file
        # changed may no longer keep it.
        self.kept = {pair for pair in self.kept if pair[0] not in changed_urls}
        self.unchecked = frozenset()
        plan = partial(
            plan_live,
            self.mirror.graph,
            changed_urls,
            self.host.entry_url,
            accepting=self.mirror.accepting,
            deleted=deleted_urls,
            restart_on_entry=self.options.restart_on_entry,
            sources=self.sources,
            booted_from=self._booted_from(unloaded),
        )
        eviction = plan(kept=self.kept)
        result = None
        swept: tuple[str, ...] = ()
        if eviction.status in (PlanStatus.OK, PlanStatus.RERUN):
            if held := sorted(self.held.intersection(url for unit in eviction.evict for url in unit)):
                self.report(held_restart_line(what, self._restart(started), held, self.root))
                return
            eviction, result = self._apply(eviction, plan)
            # Only a re-run is checked (node_probe/kept.mjs): a reload in place asks nothing more.
            self.checking_held |= result is not None and result.ok and eviction.status is PlanStatus.RERUN
            if result is not None and result.ok and result.stale:
                # The re-run app did not import these again: it serves their old code. Only a new process
                # loads them afresh.
                self.report(stale_line(what, self._restart(started), result.stale, self.root))
                return
        if eviction.status is PlanStatus.FULL_RELOAD:
            self.report(status_line(what, eviction, None, self._restart(started), self.root))
            return
        if eviction.status is PlanStatus.NOOP and self.mirror.failed:
            # A failed import() is cached by Node (v18-22 keep its importers too) and is not reachable from
            # the entry, so no plan reaches it: drop it and the app's next import() starts afresh.
            swept = self.host.sweep()
        if eviction.status is PlanStatus.NOOP and not swept and self._built_elsewhere([*changed, *deleted]):
            self.report(unbuilt_line(what))
        else:
            holder = kept_holder(eviction, self.host.entry_url, self.kept | self.unchecked)
            why = kept_line(holder, self.root, holder not in self.unchecked) if holder is not None else None
            self.report(status_line(what, eviction, result, _ms(started), self.root, swept, why))
        # What the reload changed is read once the watcher has been quiet for a poll, not now: the app's
        # first requests after a reload are served before it spends time answering (half a second after a
        # util save at 20,000 modules). A save that comes first asks for it at once (``_prefetch``).
        self.unread = True

    def _built_elsewhere(self, paths: Sequence[Path]) -> bool:
        """Whether ``paths`` are all TypeScript sources and the app runs none: it runs their build (``tsc``'s
        output), which is what reloads it."""
        return all(p.suffix in TYPESCRIPT_SUFFIXES for p in paths) and not any(
            url.endswith(TYPESCRIPT_SUFFIXES) for url in self.mirror.graph
        )

    def _apply(
        self, eviction: EvictionPlan, plan: Callable[..., EvictionPlan]
    ) -> tuple[EvictionPlan, ApplyResult | None]:
        """Apply ``eviction``. When the app kept the old instance of a module that a reload in place
        replaced, it still serves the old code: plan again (``plan(kept=...)``) with the importer that keeps
        it evicted too, and apply that; None when that plan restarts the app."""
        result = self.host.apply(eviction)
        # Only a reload that left old instances to check asks: a save's reply is not held up for nothing.
        while result.ok and result.checking:
            found = self.host.kept()
            if found.pairs <= self.kept | self.unchecked:
                break
            # A checked one stays marked until its importer is saved; an unchecked one counts for this save
            # only (the re-run evicts the importer, whose calls are counted afresh).
            if found.checked:
                self.kept |= found.pairs
            else:
                self.unchecked |= found.pairs
            eviction = plan(kept=self.kept | self.unchecked)
            if eviction.status not in (PlanStatus.OK, PlanStatus.RERUN):
                return eviction, None
            # The callbacks that failed in the reload in place failed for this save too.
            earlier = result.warnings
            result = self.host.apply(eviction)
            result = replace(result, warnings=(*earlier, *result.warnings))
        return eviction, result

    def _check_held(self) -> None:
        """Restart the app when it still held an old module once its re-run was over: the old code could
        still answer beside the new."""
        found = self.host.held()
        self.checking_held = found.pending > 0
        if found.urls:
            self.held.update(found.urls)
            started = time.perf_counter()
            self.report(held_line(found.urls, self._restart(started), self.root))

    def _prefetch(self, sent: list[int]) -> None:
        # What the app loaded since the last save does not depend on what was saved: ask while it settles.
        if self.host.running:
            sent.append(self.host.send(Command.CHANGES, **{Field.SINCE: self.mirror.version}))

    def run(self) -> None:
        with self.watcher as watcher:
            while not self.stop.is_set():
                if not self.host.running and not self.exit_reported:
                    status = self.host.process.wait()
                    self.report(exited_line(status))
                    self.exit_reported = True
                sent: list[int] = []
                try:
                    batch = watcher.next_batch(_POLL_SECONDS, partial(self._prefetch, sent))
                    if batch is not None:
                        self.handle(batch, sent[0] if sent else None)
                    elif sent:
                        self._refresh(sent[0])
                    else:
                        # While nothing is saved: the whole live graph, then what each reload changed.
                        if self.unread and self.host.running:
                            self._refresh()
                        if self.checking_held and self.host.running:
                            self._check_held()
                        self.following.tick()
                except Superseded as late:
                    # The app never finished what it was doing: its modules may be half replaced.
                    started = time.perf_counter()
                    late_found = candidates(late.batch, self.env_files)
                    what = saved((*late_found.changed, *late_found.env), late_found.deleted, self.root)
                    self.report(superseded_line(what, self._restart(started), self.patience.what))
                except Stopped:
                    return
                except RootGone:
                    raise  # ``watch`` stops the app; the line is the CLI's
                except GraphkitError as error:
                    self.report(error_line(error))


def _json(paths: Sequence[Path]) -> list[Path]:
    """Those of ``paths`` that are JSON: while a reload holds the channel, none of them supersedes it."""
    return [p for p in paths if p.suffix == ".json"]


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def watch(
    options: WatchOptions,
    report: Callable[[str], None],
    stop: threading.Event | None = None,
    launched: Launched | None = None,
) -> int:
    """Run the app (or take over ``launched``) and reload it on every save until ``stop`` is set; returns
    the app's exit status."""
    loop = _Loop(options, report, stop or threading.Event(), launched)
    try:
        loop.run()
    finally:
        status = loop.host.close()
    return status
