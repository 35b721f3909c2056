"""``graphkit live``: the live module graph of an entry, or of the user's own ``node ...`` command."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from graphkit.cli._options import add_node, add_probe_limits, input_path
from graphkit.cli._output import emit, load_failure
from graphkit.errors import UsageError

__all__ = ["register"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "live",
        help="read the live module graph from Node's ESM loader",
        usage="%(prog)s [options] ENTRY\n       %(prog)s [options] -- node [node flags] app.mjs [args]",
        description="The modules Node loaded, read from its ESM loader: for ENTRY run under graphkit, or "
        "for your own node command. Modules loaded in worker_threads are not included. Exits 1 when Node "
        "failed to load a module (the graph of what did load is still printed).",
    )
    parser.add_argument("entry", nargs="?", type=input_path, metavar="ENTRY", help="entry file")
    add_node(parser, "for ENTRY")
    add_probe_limits(parser)
    parser.add_argument("--json", action="store_true", help="print the graph document")
    parser.set_defaults(run=run, rest=[])


def run(args: argparse.Namespace) -> int:
    from graphkit.live.probe import attach_graph, live_graph
    from graphkit.model.codec import graph_to_json

    if args.entry is not None and args.rest:
        raise UsageError(f"{args.entry}: give either ENTRY or `-- node [flags] app.mjs [args]`, not both")
    if args.entry is not None:
        what = str(args.entry)
        graph = live_graph(args.entry, node=args.node, timeout=args.timeout, wait_ms=args.wait)
    elif args.rest and Path(args.rest[0]).name.startswith("node"):
        if args.node != "node":
            raise UsageError(f"--node {args.node}: with `-- node ...` the command names its own node binary")
        what = " ".join(args.rest)
        graph = attach_graph(args.rest, timeout=args.timeout, wait_ms=args.wait)
    elif args.rest:
        raise UsageError(f"{args.rest[0]}: after -- comes a node command: `-- node [flags] app.mjs [args]`")
    else:
        raise UsageError("live: name an ENTRY, or `-- node [flags] app.mjs [args]`")
    if args.json:
        emit(graph_to_json(graph))
        return load_failure(what, graph)
    from graphkit.output.summary import live_report

    emit(live_report(graph))
    return load_failure(what, graph)
