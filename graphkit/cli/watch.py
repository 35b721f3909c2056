"""`graphkit watch ENTRY`: run an app and hot-reload its ES modules on every save (development only).

Signals reach the app as they would under ``node``. A SIGINT is taken for the terminal's Ctrl-C, which the
terminal sends to the whole foreground process group, the app included (it runs in graphkit's group):
graphkit sends it nothing more and waits for it to exit. SIGTERM and SIGHUP reach graphkit alone: the app
gets one SIGTERM. Either way the app has ``--kill-timeout`` seconds before SIGKILL. (To stop graphkit from
a script, send SIGTERM, or SIGINT to its process group as a terminal does.)
"""

from __future__ import annotations

import argparse
import os
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphkit.cli._options import add_node, input_path, seconds
from graphkit.cli._output import say

if TYPE_CHECKING:
    from graphkit.hmr.launch import Launched

# Node options that would have node run the app its own way, under graphkit's host.
_REFUSED_NODE_OPTIONS = {
    "--watch": "graphkit watch is the watcher already",
    "--watch-path": "graphkit watch is the watcher already; its --watch PATH adds a folder",
    "--test": "graphkit watch runs an app, not Node's test runner",
}

__all__ = ["register"]


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "watch",
        help="run an app and hot-reload its modules on every save (development only)",
        usage="%(prog)s [options] ENTRY [options] [-- APP_ARGS...]",
        description="Run ENTRY under the graphkit host and, on each save in a package of its loaded "
        "modules, evict the modules "
        "that depend on the change from Node's ESM cache and import them again; a broken save keeps the old "
        "code running. Relies on Node internals (--expose-internals): for development only.",
    )
    parser.add_argument("entry", type=input_path, metavar="ENTRY")
    add_node(parser)
    parser.add_argument(
        "--node-option",
        action="append",
        default=[],
        metavar="OPT",
        help="an option for node, e.g. --node-option=--enable-source-maps (repeatable)",
    )
    parser.add_argument(
        "--restart-on-entry",
        action="store_true",
        help="restart the app when a save reaches its entry, instead of running it again in its process",
    )
    parser.add_argument(
        "--watch",
        action="append",
        default=[],
        type=Path,
        metavar="PATH",
        help="a folder to watch besides the packages of the app's loaded modules (repeatable)",
    )
    parser.add_argument(
        "--reply-timeout",
        type=seconds,
        default=10.0,
        metavar="S",
        help="seconds before a slow reload is reported; it is still waited for (default: 10)",
    )
    parser.add_argument(
        "--dispose-timeout",
        type=seconds,
        default=5.0,
        metavar="S",
        help="seconds a hot.dispose (or accept, update) callback may take before it is skipped (default: 5)",
    )
    parser.add_argument(
        "--kill-timeout",
        type=seconds,
        default=10.0,
        metavar="S",
        help="seconds the app has to exit after its SIGINT or SIGTERM (on stop or restart) before SIGKILL"
        " (default: 10)",
    )
    # What is never a reason to reload (graphkit.hmr.ignore).
    parser.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="GLOB",
        help="files or folders whose saves never reload the app, e.g. --ignore='data/*.json' (repeatable); "
        "a glob without / matches any file or folder name; coverage/ is ignored by default",
    )
    parser.set_defaults(run=run, rest=[])


def run(args: argparse.Namespace) -> int:
    from graphkit.errors import InputError
    from graphkit.live.spawn import host_command, start_host

    if not args.entry.is_file():
        raise InputError(f"{args.entry}: the entry is not a file")
    for folder in args.watch:
        if not folder.is_dir():
            raise InputError(f"{folder}: --watch needs a folder")
    for option in args.node_option:
        name = option.split("=", 1)[0]
        if name in _REFUSED_NODE_OPTIONS:
            why = _REFUSED_NODE_OPTIONS[name]
            raise InputError(f"--node-option={option}: refused: {why}")
    pass_fds = inherited_fds()
    # Node starts and loads the host while graphkit imports the rest of itself; the entry runs once the
    # app's folders are watched (graphkit.hmr.launch).
    command = host_command(args.entry, args.node, args.node_option, args.rest)
    started = start_host(command, pass_fds=pass_fds, kill_timeout=args.kill_timeout, hold=True)
    try:
        from graphkit.hmr.launch import WatchOptions, launch

        options = WatchOptions(
            entry=args.entry,
            node=args.node,
            node_options=tuple(args.node_option),
            args=tuple(args.rest),
            restart_on_entry=args.restart_on_entry,
            reply_timeout=args.reply_timeout,
            dispose_timeout=args.dispose_timeout,
            kill_timeout=args.kill_timeout,
            watch=tuple(args.watch),
            pass_fds=pass_fds,
            ignore=tuple(args.ignore),
        )
    except BaseException:
        started.discard()
        raise
    # A signal would end this process at once (SIGINT as KeyboardInterrupt): stop the app first, as the
    # module's docstring says.
    stop = threading.Event()
    received: list[int] = []
    running: list[Launched] = []

    def stopping(signum: int, _: object) -> None:
        received.append(signum)
        if running:
            running[0].host.signalled(signum)
        stop.set()

    signums = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {signum: signal.signal(signum, stopping) for signum in signums}
    try:
        # The app runs before the watch loop's planner (networkx, tree-sitter) is imported, which takes
        # longer than Node does to start it, and that import waits until the app is quiet.
        launched = launch(options, started)
        running.append(launched)
        launched.host.report = say
        try:
            launched.settle(stop)
            from graphkit.hmr.loop import watch
        except BaseException:
            launched.close()
            raise
        watch(options, say, stop, launched)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 128 + received[0]


def inherited_fds() -> tuple[int, ...]:
    """The file descriptors above 2 that graphkit was started with (``3>log``), for the app to inherit as it
    would from the shell under ``node``; graphkit's own are never inheritable (PEP 446)."""
    found = []
    for name in os.listdir("/dev/fd") if os.path.isdir("/dev/fd") else ():
        fd = int(name)
        try:
            if fd > 2 and os.get_inheritable(fd):
                found.append(fd)
        except OSError:
            pass  # the listing's own descriptor, closed once listed
    return tuple(found)
