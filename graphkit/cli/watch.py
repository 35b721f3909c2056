"""`graphkit watch ENTRY`: run an app and hot-reload its ES modules on every save (development only)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from graphkit.cli._options import add_node, input_path, seconds

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
    from graphkit.hmr.launch import WatchOptions, launch

    if not args.entry.is_file():
        raise InputError(f"{args.entry}: the entry is not a file")
    for folder in args.watch:
        if not folder.is_dir():
            raise InputError(f"{folder}: --watch needs a folder")
    options = WatchOptions(
        entry=args.entry,
        node=args.node,
        node_options=tuple(args.node_option),
        args=tuple(args.rest),
        restart_on_entry=args.restart_on_entry,
        reply_timeout=args.reply_timeout,
        dispose_timeout=args.dispose_timeout,
        watch=tuple(args.watch),
        ignore=tuple(args.ignore),
    )
    # SIGTERM or SIGHUP (the terminal closed) would end this process at once: stop the app first.
    stop = threading.Event()
    received: list[int] = []

    def stopping(signum: int, _: object) -> None:
        received.append(signum)
        stop.set()

    previous = {signum: signal.signal(signum, stopping) for signum in (signal.SIGTERM, signal.SIGHUP)}
    try:
        # The app starts before the watch loop's planner (networkx, tree-sitter) is imported, which takes
        # longer than Node does to start it, and that import waits until the app is quiet.
        launched = launch(options)
        try:
            launched.settle(stop)
            from graphkit.hmr.loop import watch
        except BaseException:
            launched.close()
            raise
        watch(options, lambda line: print(line, file=sys.stderr, flush=True), stop, launched)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 128 + received[0]
