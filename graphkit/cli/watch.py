"""`graphkit watch ENTRY`: run an app and hot-reload its ES modules on every save (development only)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Any

from graphkit.cli._options import add_node, input_path

__all__ = ["register"]


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "watch",
        help="run an app and hot-reload its modules on every save (development only)",
        usage="%(prog)s [options] ENTRY [options] [-- APP_ARGS...]",
        description="Run ENTRY under the graphkit host and, on each save in its package, evict the modules "
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
    parser.set_defaults(run=run, rest=[])


def run(args: argparse.Namespace) -> int:
    from graphkit.errors import InputError
    from graphkit.hmr.loop import WatchOptions, watch

    if not args.entry.is_file():
        raise InputError(f"{args.entry}: the entry is not a file")
    options = WatchOptions(
        entry=args.entry,
        node=args.node,
        node_options=tuple(args.node_option),
        args=tuple(args.rest),
    )
    # SIGTERM would end this process at once and leave the app running, orphaned: stop it first.
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        watch(options, lambda line: print(line, file=sys.stderr, flush=True), stop)
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 128 + signal.SIGTERM
