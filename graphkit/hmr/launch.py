"""The start of ``graphkit watch``: the app started held, its folders watched, then the app let run.

What a developer waits for at every start is the app's first response. So nothing the first save does not
need comes before the app is started: ``graphkit.cli.watch`` starts Node under the host, held
(``graphkit.live.spawn``), before it imports this module; Node starts and loads the host while graphkit
imports the rest of itself. This module and what it imports leave out the planner, networkx and
tree-sitter (``graphkit.cli.watch`` imports the watch loop, which brings them, once the app runs), and the
watcher only lists and watches the folders before the app runs its entry; the stat of every file under
them, which a batch compares with, is read right after. Watching before the entry runs keeps two promises:
a folder that cannot be watched stops graphkit before any of the app's code ran, and a save made once the
app is up is never missed.

Then ``Launched.settle`` waits, at most ``SETTLE_SECONDS``, until the app is quiet (its event loop mostly
idle: ``node_probe/quiet.mjs``), so that importing the planner and reading the whole live graph do not take
the CPU from the app's start-up and first requests. A save (seen at once on inotify; ``watchfiles`` tells
of one only by reading it), the app's exit or a signal ends the wait: it holds back nothing the developer
asked for.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from graphkit.errors import ProbeError
from graphkit.hmr.ignore import Ignore
from graphkit.hmr.watcher import Watcher
from graphkit.model.protocol import Command, Field
from graphkit.resolve.packages import StopRule, nearest_package_json

if TYPE_CHECKING:
    from graphkit.live.host import Host
    from graphkit.live.spawn import Started

__all__ = ["SETTLE_SECONDS", "Launched", "WatchOptions", "launch", "package_root"]

SETTLE_SECONDS = 5.0  # the longest graphkit waits for the app to be quiet before its own start-up work
_SLICE = 0.02  # how often the wait looks for a save, an answer and the app's exit


@dataclass(frozen=True, slots=True)
class WatchOptions:
    entry: Path
    node: str = "node"
    node_options: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    restart_on_entry: bool = False  # a save that reaches the entry restarts the app instead of re-running it
    reply_timeout: float = 10.0  # a reply later than this is reported (and still waited for)
    dispose_timeout: float = 5.0  # a hot callback still unsettled after this is reported and skipped
    watch: tuple[Path, ...] = ()  # folders watched besides the packages of the app's loaded modules
    kill_timeout: float = 10.0  # seconds the app has to exit after its signal before SIGKILL
    pass_fds: tuple[int, ...] = ()  # descriptors above 2 the app inherits, as from the shell (`3>log`)
    ignore: tuple[str, ...] = ()  # --ignore globs (graphkit.hmr.ignore)


def package_root(entry: Path) -> Path:
    """The folder of the nearest package.json above the entry, else the entry's folder; for an entry in a
    package (``node_modules/fastify-cli/cli.js``), the app's that installed it."""
    start = entry.absolute().parent
    if "node_modules" in start.parts:
        start = Path(*start.parts[: start.parts.index("node_modules")])
    start = start.resolve()
    found = nearest_package_json(str(start), StopRule.ROOT)
    return Path(found).parent if found is not None else start


@dataclass(frozen=True, slots=True)
class Launched:
    """A started app and the watcher of its folders, for the watch loop to take over."""

    root: Path  # the entry's package
    roots: tuple[Path, ...]  # every folder watched: the entry's package, then each --watch
    watcher: Watcher
    host: Host

    def settle(self, stop: threading.Event, seconds: float = SETTLE_SECONDS) -> None:
        """Wait until the app is quiet, a save waits to be read, the app exits, ``stop`` is set or
        ``seconds`` passed."""
        deadline = time.monotonic() + seconds
        try:
            ident = self.host.ask(Command.QUIET, **{Field.WAIT_MS: round(seconds * 1000)})
        except ProbeError:
            return  # the app is gone: the watch loop reports its exit
        try:
            while self.host.answered(ident) is None:
                if stop.is_set() or not self.host.running or time.monotonic() >= deadline:
                    return
                if self.watcher.pending(_SLICE):
                    return  # the app stops waiting too, once the loop asks for what the save needs
        except ProbeError:
            return
        finally:
            self.host.forget(ident)

    def close(self) -> None:
        self.host.close()
        self.watcher.close()


def launch(options: WatchOptions, started: Started | None = None) -> Launched:
    """Watch the entry's package and the ``--watch`` folders, then let the app run: ``started`` (held, with
    these options), or else an app started now."""
    try:
        root = package_root(options.entry)
        roots = (root, *(p.resolve() for p in options.watch))
        watcher = Watcher(*roots, stat_later=True, ignore=Ignore(options.ignore))
    except BaseException:
        if started is not None:
            started.discard()
        raise
    if started is not None:
        started.run()  # before the host's client is imported: the app starts its work meanwhile
    try:
        from graphkit.live.host import Host

        host = Host(
            options.entry,
            node=options.node,
            node_options=options.node_options,
            args=options.args,
            timeout=options.reply_timeout,
            dispose_timeout=options.dispose_timeout,
            kill_timeout=options.kill_timeout,
            pass_fds=options.pass_fds,
            started=started,
        )
    except BaseException:
        if started is not None:
            started.discard()
        watcher.close()
        raise
    launched = Launched(root, roots, watcher, host)
    try:
        watcher.read_stats()  # while Node starts
    except BaseException:
        launched.close()
        raise
    return launched
